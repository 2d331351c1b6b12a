"""Excel downloads beside each list: the page's filters, money as numbers, a totals row that matches
the page, and text that is never run as a formula. Read back with openpyxl."""
import io
from decimal import Decimal

import openpyxl

from dashboard import exports, reads
from khata import customers, principals, repayments
from tests.roots import OWNER, root_at

from .conftest import app, open_page

DEMO = principals.owner("demo")  # the demo shop's owner login


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
    paid = root_at(demo_db).read(1, OWNER, repayments.list_repayments)["rows"]
    cid = max({r["customer_id"] for r in paid}, key=lambda c: sum(1 for r in paid if r["customer_id"] == c))
    theirs = [r for r in paid if r["customer_id"] == cid]
    root_at(demo_db).write(1, OWNER, repayments.reverse_repayment, theirs[0]["repayment_id"], reason="typed twice")
    history = root_at(demo_db).read(1, OWNER, repayments.list_repayments, customer_id=cid)
    rows = _rows(_sheet(exports.repayments_xlsx(1, reads.db_key(), cid, None, None, who=DEMO)()))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["Repayment #", "Paid on", "Customer", "Amount"]
    assert sorted(r[0] for r in body) == sorted(r["repayment_id"] for r in history["rows"])
    assert total[0] == "Total (reversed entries not counted)"
    assert Decimal(str(total[3])).quantize(Decimal("0.01")) == history["total"]  # what the page's metric shows
    assert isinstance(body[0][3], float) and body[0][1].year >= 2026  # numbers and dates, not text


def test_customer_excel_follows_the_search_and_keeps_formula_looking_names_as_text(demo_db):
    root_at(demo_db).write(1, OWNER, customers.create_customer, name="=HYPERLINK(\"http://x\")", phone="98700 12345",
                           credit_limit="100")
    ws = _sheet(exports.customers_xlsx(1, reads.db_key(), "HYPERLINK", "name", False, False, who=DEMO)())
    rows = _rows(ws)
    assert [r[0] for r in rows[1:-1]] == ['=HYPERLINK("http://x")']
    assert ws.cell(row=2, column=1).data_type == "s"  # a string cell, not a formula
    everyone = _rows(_sheet(exports.customers_xlsx(1, reads.db_key(), "", "name", False, False, who=DEMO)()))
    listed = root_at(demo_db).read(1, OWNER, customers.list_customers)
    assert len(everyone) == len(listed) + 2  # header + every customer + totals
    assert Decimal(str(everyone[-1][2])).quantize(Decimal("0.01")) == sum(c["outstanding"] for c in listed)
