"""The customer's statement: the data, and the PDF read back with poppler's pdftotext and the QR with zbarimg."""
import subprocess

import pytest

from khata import accounts, customers, loans, principals, repayments, statement, statement_pdf
from tests.roots import OWNER, root_at

from .helpers import TODAY, sell


def _text(pdf_bytes, tmp_path, *, layout=True):
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _qr(pdf_bytes, tmp_path):
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    found = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                            str(tmp_path / "page-1.png")], capture_output=True, text=True)
    return found.stdout.strip()


@pytest.fixture
def book_with_upi(db_file, sid):
    root_at(db_file).write(sid, OWNER, accounts.update_settings, upi_id="ravi@okaxis")
    return sid


def _statement(db_file, sid, cid):
    return root_at(db_file).read(sid, OWNER, statement.statement_for, cid, today=TODAY)


def test_entries_in_order_with_a_running_balance_and_a_pay_link_for_what_is_due(db_file, book_with_upi, asha):
    sid, cid = book_with_upi, asha["customer_id"]
    first = sell(db_file, sid, cid, "1000", item="Rice 10 kg", issue_date="2026-11-01")
    sell(db_file, sid, cid, "500.50", item="Oil", issue_date="2026-11-03")
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, first["loan_id"], amount="300",
                           paid_on="2026-11-05", today=TODAY)
    s = _statement(db_file, sid, cid)
    assert [(e["description"], str(e["balance"])) for e in s["entries"]] == [
        ("Rice 10 kg", "1000.00"), ("Oil", "1500.50"), ("Paid by Cash", "1200.50")]
    assert str(s["due"]) == "1200.50"
    assert s["upi_link"] == ("upi://pay?pa=ravi@okaxis&pn=Ravi%20Kirana%20" + s["shop"]["name"].split()[-1]
                             + "&am=1200.50&cu=INR&tn=Khata%20Asha%20Patel")


def test_the_pdf_holds_every_entry_the_balance_and_a_qr_that_decodes_to_the_pay_link(db_file, book_with_upi, asha,
                                                                                     tmp_path):
    sid, cid = book_with_upi, asha["customer_id"]
    root_at(db_file).write(sid, OWNER, customers.update_customer, cid, credit_limit="20000")
    items = [f"Item number {n}" for n in range(1, 46)]  # more than one page of entries
    for n, item in enumerate(items, start=1):
        sell(db_file, sid, cid, f"{100 + n}", item=item, issue_date="2026-11-02")
    s = _statement(db_file, sid, cid)
    pdf = statement_pdf.statement_pdf(s)
    text = _text(pdf, tmp_path)
    assert "Asha Patel" in text and s["shop"]["name"] in text
    assert all(item in text for item in items)
    assert "Amount due: ₹5,535.00" in text  # 45 sales of 101..145: Indian grouping, two decimals
    assert _qr(pdf, tmp_path) == s["upi_link"]
    assert "am=5535.00" in s["upi_link"]


def test_names_and_items_in_devanagari_come_back_exactly(db_file, book_with_upi, tmp_path):
    sid = book_with_upi
    ram = root_at(db_file).write(sid, OWNER, customers.create_customer, name="राम कुमार", phone="98765 22222",
                                 credit_limit="9000")
    sell(db_file, sid, ram["customer_id"], "1234.50", item="चावल 5 किलो", issue_date="2026-11-02")
    text = _text(statement_pdf.statement_pdf(_statement(db_file, sid, ram["customer_id"])), tmp_path, layout=False)
    assert "राम कुमार" in text  # embedded: pdftotext gives back the same characters
    # Shaped text moves the vowel sign ि before its consonant, and pdftotext then reads a gap after it
    # ("कि लो"): compare without spaces.
    assert "चावल5किलो" in "".join(text.split())
    assert "₹1,234.50" in text


def test_without_a_upi_id_there_is_no_qr_and_the_customer_is_asked_to_pay_at_the_shop(db_file, sid, asha, tmp_path):
    sell(db_file, sid, asha["customer_id"], "250", issue_date="2026-11-02")
    s = _statement(db_file, sid, asha["customer_id"])
    assert s["upi_link"] is None
    pdf = statement_pdf.statement_pdf(s)
    assert "Please pay at the shop." in _text(pdf, tmp_path)
    assert _qr(pdf, tmp_path) == ""


def test_another_shops_customer_has_no_statement(db_file, sid, other_shop, asha):
    with pytest.raises(customers.NotFound):
        root_at(db_file).read(other_shop["shop_id"], OWNER, statement.statement_for, asha["customer_id"])


def test_entry_details_are_in_the_statements_language(db_file, sid, asha, tmp_path, monkeypatch):
    """"Paid by cash - note" and "Reversed: reason" are composed in the language of the read
    (fake catalogs here), with the note and the reason as typed; English stays as it was."""
    from khata import i18n, loans
    from tests.i18n_catalogs import fake, write_fake_catalogs

    cid = asha["customer_id"]
    sale = sell(db_file, sid, cid, "1000", item="Rice 10 kg", issue_date="2026-11-01")
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="300",
                           paid_on="2026-11-05", method="upi", note="gpay ref 42", today=TODAY)
    other = sell(db_file, sid, cid, "50", item="Eggs", issue_date="2026-11-06")
    root_at(db_file).write(sid, OWNER, loans.reverse_loan, other["loan_id"], reason="typed twice", today=TODAY)
    english = [e["description"] for e in _statement(db_file, sid, cid)["entries"]]
    assert english == ["Rice 10 kg", "Paid by UPI - gpay ref 42", "Eggs", "Reversed: typed twice"]
    monkeypatch.setattr(i18n, "LOCALE_DIR", write_fake_catalogs(tmp_path / "locale"))
    i18n.translations.cache_clear()
    try:
        with i18n.use_language("hi"):
            hindi = [e["description"] for e in _statement(db_file, sid, cid)["entries"]]
    finally:
        i18n.translations.cache_clear()
    paid = fake("Paid by {method}").format(method=fake("UPI"))
    assert hindi == ["Rice 10 kg", fake("{paid} - {note}").format(paid=paid, note="gpay ref 42"), "Eggs",
                     fake("Reversed: {reason}").format(reason="typed twice")]


def test_the_pdf_says_who_entered_each_line(db_file, sid, asha, tmp_path):
    cid = asha["customer_id"]
    sale = root_at(db_file).write(sid, principals.owner("sunil"), loans.create_loan, cid, amount="400", item="Sugar",
                                  issue_date="2026-11-10", today=TODAY)
    root_at(db_file).write(sid, principals.owner("ravi"), repayments.record_repayment, sale["loan_id"], amount="150",
                           paid_on="2026-11-12", today=TODAY)
    s = _statement(db_file, sid, cid)
    assert [e["created_by"] for e in s["entries"]] == ["sunil", "ravi"]
    lines = _text(statement_pdf.statement_pdf(s), tmp_path, layout=True).splitlines()
    assert any("Entered by" in line for line in lines)
    assert any("Sugar" in line and "sunil" in line for line in lines)
    assert any("₹150.00" in line and "ravi" in line for line in lines)
