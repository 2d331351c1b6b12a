"""Excel downloads beside each list: the page's filters, money as numbers, a totals row that matches
the page, and text that is never run as a formula. Read back with openpyxl."""
import io
from decimal import Decimal

import openpyxl

from dashboard import exports, reads
from khata import book, customers, repayments

from .conftest import app, open_page


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _rows(ws):
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def test_each_list_page_offers_excel(demo_db):
    for page, key in (("customers.py", "cu_xlsx"), ("loans.py", "lo_xlsx"), ("repayments.py", "rh_xlsx")):
        at = open_page(app(path=demo_db), page)
        found = [b.proto.label for b in at.get("download_button") if key in b.proto.id]
        assert found and "Excel (.xlsx)" in found[0], (page, found)


def test_repayments_excel_has_the_filtered_rows_and_the_pages_total_without_reversals(demo_db):
    paid = book.read(1, repayments.list_repayments, path=demo_db)["rows"]
    cid = max({r["customer_id"] for r in paid}, key=lambda c: sum(1 for r in paid if r["customer_id"] == c))
    theirs = [r for r in paid if r["customer_id"] == cid]
    book.write(1, repayments.reverse_repayment, theirs[0]["repayment_id"], reason="typed twice", path=demo_db)
    history = book.read(1, repayments.list_repayments, customer_id=cid, path=demo_db)
    rows = _rows(_sheet(exports.repayments_xlsx(1, reads.db_key(), cid, None, None, role="owner")()))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["Repayment #", "Paid on", "Customer", "Amount"]
    assert sorted(r[0] for r in body) == sorted(r["repayment_id"] for r in history["rows"])
    assert total[0] == "Total (reversed entries not counted)"
    assert Decimal(str(total[3])).quantize(Decimal("0.01")) == history["total"]  # what the page's metric shows
    assert isinstance(body[0][3], float) and body[0][1].year >= 2026  # numbers and dates, not text


def test_customer_excel_follows_the_search_and_keeps_formula_looking_names_as_text(demo_db):
    book.write(1, customers.create_customer, name="=HYPERLINK(\"http://x\")", phone="98700 12345",
               credit_limit="100", path=demo_db)
    ws = _sheet(exports.customers_xlsx(1, reads.db_key(), "HYPERLINK", "name", False, False, role="owner")())
    rows = _rows(ws)
    assert [r[0] for r in rows[1:-1]] == ['=HYPERLINK("http://x")']
    assert ws.cell(row=2, column=1).data_type == "s"  # a string cell, not a formula
    everyone = _rows(_sheet(exports.customers_xlsx(1, reads.db_key(), "", "name", False, False, role="owner")()))
    listed = book.read(1, customers.list_customers, path=demo_db)
    assert len(everyone) == len(listed) + 2  # header + every customer + totals
    assert Decimal(str(everyone[-1][2])).quantize(Decimal("0.01")) == sum(c["outstanding"] for c in listed)
