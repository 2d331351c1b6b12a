"""Every page renders for the logged-in demo shopkeeper, with real data and charts."""
from __future__ import annotations

import json

import pytest

from khata import reports
from tests.roots import OWNER, env_root

from .conftest import app, open_page, read_table, shown, texts

PAGES = {
    "overview.py": "Overview",
    "customers.py": "Customers",
    "loans.py": "Credit sales",
    "repayments.py": "Repayments",
    "reminders.py": "Reminders",
    "remind_today.py": "Remind today",
    "account.py": "Account",
    "import_export.py": "Import & export",
}


@pytest.mark.parametrize("page,title", PAGES.items())
def test_page_renders_for_demo_shop(demo_db, page, title):
    at = open_page(app(), page)
    assert [t.value for t in at.title] == [title]
    assert not at.error, [e.value for e in at.error]
    assert "Demo Kirana Store" in at.sidebar.markdown[0].value


def test_overview_numbers_come_from_the_ledger(demo_db):
    at = app()
    at.run()
    assert not at.exception
    summary = env_root().read(1, OWNER, reports.shop_summary)
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"Outstanding", "Overdue", "Customers overdue", "Collected this month",
                            "Given on credit this month", "Collection rate"}
    from khata.money import format_inr
    assert metrics["Outstanding"] == format_inr(summary["outstanding"])
    assert metrics["Overdue"] == format_inr(summary["overdue_amount"])
    assert metrics["Customers overdue"] == str(summary["customers_overdue"])
    assert metrics["Outstanding"].startswith("₹")
    assert len(at.get("plotly_chart")) == 1  # one chart first (a phone); the chooser draws the others
    specs = {}
    for choice in at.selectbox(key="ov_chart").options:
        at.selectbox(key="ov_chart").set_value(choice).run()
        assert not at.exception
        [chart] = at.get("plotly_chart")
        spec = json.loads(chart.proto.spec)
        specs[spec["layout"]["title"]["text"].replace("<br>", " ")] = spec
    assert len(specs) == 6
    top = specs["Top 10 customers by outstanding"]
    assert len(top["data"][0]["y"]) == 10


def test_overview_empty_shop_is_friendly(db_file, monkeypatch):
    from tests.conftest import make_shop
    monkeypatch.setenv("KHATA_COOKIE_KEY", "k" * 40)
    make_shop(db_file, "newshop")
    at = app("newshop")
    at.run()
    assert not at.exception
    assert "Your book is empty" in texts(at)
    assert not at.get("plotly_chart")
    assert {m.label: m.value for m in at.metric}["Outstanding"] == "₹0.00"


def test_overview_date_range_filter(demo_db):
    at = app()
    at.run()
    before = {c.proto.spec for c in at.get("plotly_chart")}
    at.radio(key="ov_period").set_value("month").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "by month" in spec["layout"]["title"]["text"].replace("<br>", " ")
    assert {c.proto.spec for c in at.get("plotly_chart")} != before


def test_customer_page_shows_statement_and_csv(demo_db):
    at = app()
    at.run()
    at.switch_page("dashboard/app_pages/customers.py").run()
    from khata import customers
    first = env_root().read(1, OWNER, customers.list_customers)[0]
    link = next(p for p in at.get("page_link") if p.proto.label == first["name"])  # their name, one tap
    assert (link.proto.page, link.proto.query_string) == ("customer", f"id={first['customer_id']}")
    at.query_params["id"] = str(first["customer_id"])  # what the tap opens (AppTest cannot click a link)
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert not at.exception
    assert shown(at.title[0].value) == first["name"]
    # first the essentials a phone shows without swiping: date, what, amount, balance
    assert not at.dataframe
    narrow = read_table(at.table[0].value)
    assert list(narrow.columns) == ["Date", "Entry", "Amount", "Balance"]
    owes = {m.label: m.value for m in at.metric}["Owes you"]
    assert narrow["Balance"].iloc[-1] == owes
    at.session_state["st_all"] = True  # every column one tap away ("All columns")
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert shown(at.title[0].value) == first["name"]
    statement = at.dataframe[0].value
    assert list(statement.columns) == ["Date", "Entry", "Details", "Debit (sale)", "Credit (paid)", "Balance",
                                       "Entered by"]
    assert statement["Balance"].iloc[-1] == owes
    assert list(statement["Balance"]) == list(narrow["Balance"])
    debits, credits = statement["Debit (sale)"], statement["Credit (paid)"]
    amounts = [d if d not in ("", "₹0.00") else c for d, c in zip(debits, credits)]
    assert "₹0.00" not in amounts
    assert list(narrow["Amount"]) == amounts
    assert at.get("download_button")
