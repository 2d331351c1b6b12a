"""The Reminders page finds every outbox status, says the send time the run uses, and the
reminders CSV holds every row."""
from __future__ import annotations

import csv
import io
from datetime import time

import pytest
import streamlit as st

from dashboard import exports
from dashboard.language import SESSION as LANGUAGE
from khata import principals, reminders
from khata.reminders import ladder
from khata.row_cap import ROW_CAP
from tests.roots import root_at

from .conftest import app, count, open_page

SHOP = 1


def _fill_outbox(path, rows: int, status_of=lambda n: "sent") -> None:
    """``rows`` outbox rows for the demo shop, straight into the table (one per customer per day)."""
    def work(con):
        con.execute(
            "CREATE TEMP TABLE wanted AS SELECT c.customer_id, DATE '2026-01-01' - CAST(d AS INTEGER) AS day,"
            " row_number() OVER (ORDER BY d, c.customer_id) AS n"
            " FROM customers c, range(0, 2000) t(d) WHERE c.shop_id = ? QUALIFY n <= ?", [SHOP, rows])
        con.execute(
            "INSERT INTO reminder_outbox (shop_id, customer_id, reminder_date, reminder_id, kind, ladder_day,"
            " amount, loan_count, phone, message_text, status, created_at)"
            " SELECT ?, customer_id, day, nextval('reminder_id_seq'), 'overdue', 3, 100, 1, '+919800000000',"
            " 'Please pay', CASE WHEN n % 3 = 0 THEN 'unknown' WHEN n % 3 = 1 THEN 'sending' ELSE 'sent' END,"
            " current_timestamp FROM wanted", [SHOP])
    root_at(path).in_transaction(work)


def test_filter_offers_every_outbox_status(demo_db):
    _fill_outbox(demo_db, 30)
    at = open_page(app(), "reminders.py")
    box = at.selectbox(key="rm_status")
    assert {option.lower() for option in box.options} == {"all", *reminders.STATUSES}
    at.date_input(key="rm_from").set_value(None)
    for status in ("unknown", "sending"):
        box.set_value(status).run()
        frame = at.dataframe[0].value
        assert set(frame["Status"]) == {status}
        assert len(frame) == count("SELECT count(*) FROM reminder_outbox WHERE status = ?", [status])


@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_page_says_the_run_s_send_time(demo_db, locale_dir, monkeypatch, language):
    """Every mention of the send time is ``ladder.SEND_TIME``: moved to 7:30, the page says 7:30."""
    monkeypatch.setattr(ladder, "SEND_TIME", time(7, 30))
    at = app()
    at.session_state[LANGUAGE] = language
    at = open_page(at, "reminders.py")
    at.date_input(key="rm_from").set_value(None).run()
    text = " ".join(str(e.value) for e in [*at.caption, *at.info])
    assert "7:30" in text and "8:00" not in text and "{time}" not in text, text


def test_the_log_stops_at_the_row_cap_and_says_so(demo_db):
    _fill_outbox(demo_db, ROW_CAP + 20)
    at = open_page(app(), "reminders.py")
    at.date_input(key="rm_from").set_value(None).run()
    assert len(at.dataframe[0].value) == ROW_CAP
    assert any(f"The newest {ROW_CAP};" in c.value for c in at.caption), [c.value for c in at.caption]


def test_reminders_csv_holds_every_row(demo_db):
    _fill_outbox(demo_db, 6_200)
    expected = count("SELECT count(*) FROM reminder_outbox WHERE shop_id = ?", [SHOP])
    assert expected > 5_000  # the old silent cut
    st.cache_data.clear()
    data = exports.export_csv("reminders", SHOP, str(demo_db), who=principals.owner("demo"))().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) == expected
    keys = {(r["customer_id"], r["reminder_date"]) for r in rows}
    assert len(keys) == expected  # no row twice
    dates = [r["reminder_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)  # newest first, like the page
