"""The Reminders page's preview of tomorrow says what it lists: reminders (payments coming due and
customers already overdue), with the kind in words, not a "Due tomorrow" that holds overdue customers."""
from __future__ import annotations

from .conftest import app, open_page


def test_tomorrows_list_is_titled_reminders_and_names_each_kind_in_words(demo_db):
    at = open_page(app(), "reminders.py")
    headings = [h.value for h in at.subheader]
    assert "Reminders tomorrow" in headings and "Due tomorrow" not in headings
    frames = [f.value for f in at.dataframe if "Not sent because" in f.value.columns]
    assert frames, "the demo shop has reminders tomorrow"
    kinds = set(frames[0]["Kind"])
    assert kinds <= {"due soon", "overdue"} and "due_soon" not in kinds
