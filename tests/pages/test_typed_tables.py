"""Tables typed, not patched: each column holds one type, so Streamlit never logs its Arrow
traceback (tests/pages/conftest.py fails any page test that logs one)."""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.roots import root_at

from .conftest import app, open_page

SHOP = 1


def _crashed_run_outbox(path) -> None:
    """What a crashed daily run leaves: 'unknown' rows without a sent time beside sent ones."""
    def work(con):
        con.execute(
            "INSERT INTO reminder_outbox (shop_id, customer_id, reminder_date, reminder_id, kind, ladder_day,"
            " amount, loan_count, phone, message_text, status, created_at, sent_at)"
            " SELECT ?, customer_id, current_date, nextval('reminder_id_seq'), 'overdue', 3, 100, 1, '+919800000000',"
            " 'Please pay', CASE WHEN customer_id % 2 = 0 THEN 'unknown' ELSE 'sent' END, current_timestamp,"
            " CASE WHEN customer_id % 2 = 0 THEN NULL ELSE TIMESTAMPTZ '2026-11-27 02:30:00+00' END"
            " FROM customers WHERE shop_id = ? LIMIT 10", [SHOP, SHOP])
    root_at(path).in_transaction(work)


@pytest.mark.parametrize("language", ["en", "hi"])
def test_reminders_with_unknown_rows_render_typed_columns(demo_db, language):
    _crashed_run_outbox(demo_db)
    at = app()
    at.query_params["lang"] = language
    at = open_page(at, "reminders.py")
    frame = at.dataframe[0].value
    sent_at = frame.iloc[:, list(frame.columns).index(frame.columns[7])]
    assert {type(v) for v in sent_at} == {str}          # one type: text, blank when missing
    assert "" in set(sent_at) and any(v.endswith("08:00") for v in sent_at)  # 02:30 UTC is 08:00 at the shop


@pytest.mark.logs_traceback
def test_the_hook_sees_streamlits_arrow_traceback(no_traceback_logged):
    """The check can fail: a frame mixing times and blank strings makes Streamlit log its traceback."""
    def script():
        import pandas as pd
        import streamlit as st
        st.dataframe(pd.DataFrame({"t": [pd.Timestamp("2026-11-27 08:00"), ""]}))

    AppTest.from_function(script).run()
    assert any("Arrow" in r.getMessage() for r in no_traceback_logged.records)
    assert pd is not None
