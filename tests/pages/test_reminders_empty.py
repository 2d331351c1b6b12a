"""Until the reminder flow's outbox exists, the Reminders page shows a clear empty state."""
from __future__ import annotations

import sys
import types

import streamlit as st

from .conftest import app, open_page, texts


def test_without_the_reminders_module(demo_db, monkeypatch):
    import khata
    monkeypatch.setitem(sys.modules, "khata.reminders", None)  # import fails
    monkeypatch.delattr(khata, "reminders", raising=False)
    st.cache_data.clear()
    at = open_page(app(), "reminders.py")
    assert not at.error
    assert "No reminders have been sent yet" in texts(at)
    assert "Nothing to show until the daily reminder run is set up." in texts(at)


def test_without_the_outbox_table(demo_db, monkeypatch):
    class CatalogException(Exception):
        pass

    def missing(*args, **kwargs):
        raise CatalogException("Catalog Error: Table with name reminder_log does not exist!")

    fake = types.SimpleNamespace(reminder_log=missing, upcoming_reminders=missing)
    monkeypatch.setitem(sys.modules, "khata.reminders", fake)
    import khata
    monkeypatch.setattr(khata, "reminders", fake, raising=False)
    st.cache_data.clear()
    at = open_page(app(), "reminders.py")
    assert not at.error and not at.exception
    assert "No reminders have been sent yet" in texts(at)


def test_real_outbox_rows_are_listed(demo_db):
    from khata import reminders
    from khata.notify.outbox import OutboxNotifier
    st.cache_data.clear()
    result = reminders.run_reminders(notifier=OutboxNotifier())  # a run without Twilio: rows 'simulated'
    at = open_page(app(), "reminders.py")
    assert result["totals"]["simulated"] > 0  # the demo shop has overdue customers
    frame = at.dataframe[0].value
    assert "simulated" in set(frame["Status"])
    assert (frame["Status"] == "simulated").sum() == result["totals"]["simulated"]
