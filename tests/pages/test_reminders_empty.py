"""The Reminders page of a migrated book whose outbox is empty, and with real rows.
(No import guards: a broken khata.reminders fails loudly.)"""
from __future__ import annotations

import streamlit as st

from tests.roots import env_root

from .conftest import app, count, open_page, texts


def test_empty_outbox(db_file, monkeypatch):
    from tests.conftest import make_shop
    monkeypatch.setenv("KHATA_COOKIE_KEY", "k" * 40)
    make_shop(db_file, "fresh")
    assert count("SELECT count(*) FROM reminder_outbox") == 0
    at = open_page(app("fresh"), "reminders.py")
    assert not at.error and not at.dataframe
    assert "No reminders in these dates" in texts(at)
    assert "Nobody gets a reminder tomorrow." in texts(at)


def test_real_outbox_rows_are_listed(demo_db):
    from khata import reminders
    from khata.notify.outbox import OutboxNotifier
    st.cache_data.clear()
    result = reminders.run_reminders(env_root(), notifier=OutboxNotifier())  # a run without Twilio: rows 'simulated'
    at = open_page(app(), "reminders.py")
    assert result["totals"]["simulated"] > 0  # the demo shop has overdue customers
    frame = at.dataframe[0].value
    assert "simulated" in set(frame["Status"])
    assert (frame["Status"] == "simulated").sum() == result["totals"]["simulated"]
