"""Big tables are paged: 100 rows on screen, a page number that reaches the oldest rows,
reversal pickers with only the newest 50, and an upcoming reminder's message shown on its own."""
from __future__ import annotations

from khata import loans, reminders
from tests.roots import OWNER, env_root

from .conftest import app, keyed, open_page, shown

SHOP = 1  # the demo shop: 330 sales, 400 repayments


def _captions(at) -> list[str]:
    return [shown(c.value) for c in at.caption]


def test_sales_table_shows_100_rows_and_the_pager_reaches_the_oldest(demo_db):
    newest_first = [row["loan_id"] for row in env_root().read(SHOP, OWNER, loans.list_loans, limit=1000)]
    assert len(newest_first) > 200
    at = open_page(app(), "loans.py")
    assert len(at.table[0].value) == 100  # the phone's narrow table: the same page of rows
    at.toggle(key="lo_all").set_value(True).run()
    assert at.dataframe[0].value["#"].tolist() == newest_first[:100]  # page 1: what the page showed before
    assert f"rows 1–100 of {len(newest_first)}" in _captions(at)
    pager = at.number_input(key="lo_page")
    last = -(-len(newest_first) // 100)
    assert pager.max == last
    pager.set_value(last).run()
    assert at.dataframe[0].value["#"].tolist() == newest_first[(last - 1) * 100:]
    assert f"rows {(last - 1) * 100 + 1}–{len(newest_first)} of {len(newest_first)}" in _captions(at)
    # a narrower filter has fewer pages: the page number follows instead of failing
    at.selectbox(key="lo_status").set_value("overdue").run()
    assert not at.exception
    assert len(at.dataframe[0].value) <= 100


def test_repayment_history_is_paged_and_reversal_offers_the_newest_50(demo_db):
    at = open_page(app(), "repayments.py")
    assert len(at.table[0].value) == 100
    at.number_input(key="rh_page").set_value(2).run()
    assert not at.exception
    assert len(at.table[0].value) == 100
    at.toggle(key="rh_all").set_value(True).run()
    assert len(at.dataframe[0].value) == 100
    assert len(keyed(at.selectbox, "rr_pick_").options) == 50


def test_sale_reversal_offers_the_newest_50(demo_db):
    live = [row for row in env_root().read(SHOP, OWNER, loans.list_loans, limit=1000) if row["status"] != "reversed"]
    at = open_page(app(), "loans.py")
    options = keyed(at.selectbox, "rl_loan_").options
    assert len(options) == 50
    assert options[0].startswith(f"#{live[0]['loan_id']} ") and options[-1].startswith(f"#{live[49]['loan_id']} ")


def test_upcoming_reminder_message_is_shown_for_the_chosen_one(demo_db):
    upcoming = env_root().read(SHOP, OWNER, reminders.upcoming_reminders)
    assert len(upcoming) >= 2
    at = open_page(app(), "reminders.py")
    assert "Message" not in at.dataframe[-1].value.columns
    box = at.selectbox(key="rm_up_message")
    assert [t.value for t in at.text] == [upcoming[0]["message_text"]]
    box.set_value(1).run()
    assert [t.value for t in at.text] == [upcoming[1]["message_text"]]
