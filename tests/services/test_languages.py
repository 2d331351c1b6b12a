"""A customer's language in the book: the import's optional column, and the statement PDF in
that language (read back with pdftotext: shaped, embedded, the catalog's own Hindi)."""
from __future__ import annotations

import subprocess

import pytest

from khata import accounts, customers, importer, statement, statement_pdf
from khata.errors import ImportRejected
from tests.catalogs import compiled, hindi
from tests.roots import OWNER, root_at

from .helpers import TODAY, sell


@pytest.fixture(autouse=True)
def catalogs():
    compiled()


def _text(pdf_bytes, tmp_path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _fonts(pdf_bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def squeezed(text: str) -> str:
    """pdftotext reads a gap after a pre-base vowel sign (ि) of shaped text: compare without spaces."""
    return "".join(text.split())


def test_import_takes_an_optional_language_column(db_file, sid):
    csv = "name,phone,language\nRam Prasad,98765 30001,hi\nAsha Verma,98765 30002,\nMeena,98765 30003,தமிழ்\n"
    assert root_at(db_file).write(sid, OWNER, importer.import_customers, csv.encode())["customers"] == 3
    listed = root_at(db_file).read(sid, OWNER, customers.list_customers)
    found = {c["name"]: root_at(db_file).read(sid, OWNER, customers.customer_row, c["customer_id"])["language"]
             for c in listed}
    assert found == {"Ram Prasad": "hi", "Asha Verma": None, "Meena": "ta"}


def test_import_with_a_bad_language_names_the_line_and_imports_nothing(db_file, sid):
    csv = "name,phone,language\nRam Prasad,98765 30001,hi\nAsha Verma,98765 30002,klingon\n"
    with pytest.raises(ImportRejected) as err:
        root_at(db_file).write(sid, OWNER, importer.import_customers, csv.encode())
    assert err.value.row_errors[0][0] == 3 and "klingon" in err.value.row_errors[0][1]
    assert root_at(db_file).read(sid, OWNER, customers.list_customers) == []


def test_the_statement_of_a_hindi_customer_is_in_hindi(db_file, sid, tmp_path):
    root_at(db_file).write(sid, OWNER, accounts.update_settings, upi_id="ravi@okaxis")
    ram = root_at(db_file).write(sid, OWNER, customers.create_customer, name="राम प्रसाद", phone="98765 22222",
                                 credit_limit="500000", language="hi")
    sell(db_file, sid, ram["customer_id"], "137379.23", item="चावल 5 किलो", issue_date="2026-11-02")
    found = root_at(db_file).read(sid, OWNER, statement.statement_for, ram["customer_id"], today=TODAY)
    assert found["language"] == "hi"
    pdf = statement_pdf.statement_pdf(found)
    text = squeezed(_text(pdf, tmp_path))
    for label in (hindi("Statement for {name}", name="राम प्रसाद"), hindi("Amount due: {amount}", amount="₹1,37,379.23"),
                  hindi("Balance to pay: {amount}", amount="₹1,37,379.23"), hindi("Credit sale"), hindi("Balance"),
                  hindi("Scan the QR code with any UPI app to pay.")):
        assert squeezed(label) in text, label
    assert "Amount due" not in text and "Statement for" not in text  # no English label left
    assert "₹1,37,379.23" in text                                   # Indian grouping, Latin digits
    assert "चावल5किलो" in text
    assert "NotoSansDevanagari" in _fonts(pdf, tmp_path)            # written in the script's own font, embedded


def test_a_customer_without_a_language_gets_the_statement_in_the_owner_language(db_file, shop, sid, asha, tmp_path):
    sell(db_file, sid, asha["customer_id"], "1200", issue_date="2026-11-02")
    english = _text(statement_pdf.statement_pdf(
        root_at(db_file).read(sid, OWNER, statement.statement_for, asha["customer_id"], today=TODAY)), tmp_path)
    assert "Amount due: ₹1,200.00" in english
    accounts.set_language(root_at(db_file), shop["username"], "hi")
    found = root_at(db_file).read(sid, OWNER, statement.statement_for, asha["customer_id"], today=TODAY)
    assert found["language"] == "hi"
    assert squeezed(hindi("Amount due: {amount}", amount="₹1,200.00")) in squeezed(
        _text(statement_pdf.statement_pdf(found), tmp_path))
