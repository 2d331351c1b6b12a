"""The read models (``khata.reminders.views``): the shop's log and tomorrow's list, through a Book."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from khata import reminders
from khata.errors import NotFound, ValidationError
from tests.roots import OWNER, root_at

from .helpers import TODAY, customer, loan, run


def test_reminder_log_and_upcoming(db_file, shop, other_shop):
    asha = customer(shop, db_file, name="Asha")
    loan(shop, db_file, asha, "150.00", date(2026, 11, 26))
    bina = customer(shop, db_file, name="Bina")
    loan(shop, db_file, bina, "990.00", date(2026, 11, 28), issued=date(2026, 11, 1))
    loan(other_shop, db_file, customer(other_shop, db_file), "75.00", date(2026, 11, 26))

    upcoming = root_at(db_file).read(shop["shop_id"], OWNER, reminders.upcoming_reminders, today=TODAY)
    # tomorrow (28th): Asha's day-1 reminder has not gone out yet, so it is caught up tomorrow
    assert [(u["customer_name"], u["kind"], u["ladder_day"]) for u in upcoming] == [("Asha", "overdue", 2)]
    run(db_file, shop, TODAY)  # Asha gets her day-1 reminder today
    # tomorrow: Asha is on day 2 (no step), Bina is due that day (the ladder has no day 0)
    assert root_at(db_file).read(shop["shop_id"], OWNER, reminders.upcoming_reminders, today=TODAY) == []
    upcoming = root_at(db_file).read(shop["shop_id"], OWNER, reminders.upcoming_reminders, today=date(2026, 11, 28))
    assert [(u["customer_name"], u["kind"], u["amount"]) for u in upcoming] == [
        ("Bina", "overdue", Decimal("990.00")), ("Asha", "overdue", Decimal("150.00"))]
    assert upcoming[0]["phone"].startswith("+91•••••") and upcoming[0]["will_send"]

    log = root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log)
    assert [(e["customer_name"], e["kind"]) for e in log] == [("Asha", "overdue"), ("Bina", "due_soon")]
    entry = log[0]
    for key in ("customer_id", "customer_name", "reminder_date", "kind", "amount", "status", "error_code",
                "error_message", "message_sid", "sent_at", "message_text"):
        assert key in entry
    assert (entry["customer_name"], entry["status"], entry["amount"]) == ("Asha", "simulated", Decimal("150.00"))
    assert root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log, status="failed") == []
    assert root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log, date_from="2026-11-28") == []
    assert root_at(db_file).read(other_shop["shop_id"], OWNER,
                                 reminders.reminder_log) == []  # nothing leaks across shops
    with pytest.raises(ValidationError):
        root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log, status="bogus")
    with pytest.raises(NotFound):
        root_at(db_file).read(999, OWNER, reminders.reminder_log)
    with root_at(db_file).connect() as con:
        view = con.execute("SELECT shop_id, customer_id, reminder_date, kind, amount, status, error_code,"
                           " message_sid, sent_at FROM reminder_log").fetchall()
    assert len(view) == 2


def test_the_log_has_every_row_when_no_limit_is_given(db_file, shop, other_shop):
    """The reminders CSV is built from reminder_log(book): no silent cut at 5,000 rows."""
    def fill(con):
        for sid, n in ((shop["shop_id"], 5_123), (other_shop["shop_id"], 40)):
            con.execute(
                "INSERT INTO reminder_outbox (shop_id, customer_id, reminder_date, reminder_id, kind, ladder_day,"
                " amount, loan_count, phone, message_text, status, created_at)"
                " SELECT ?, 1 + i % 400, DATE '2026-11-27' - CAST(i // 400 AS INTEGER), nextval('reminder_id_seq'),"
                " 'overdue', 1, 10.00, 1, '+919800000000', 'Namaste', 'sent', TIMESTAMPTZ '2026-11-27 02:30:00+00'"
                " FROM range(?) t(i)", [sid, n])
    root_at(db_file).in_transaction(fill)
    everything = root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log)
    assert len(everything) == 5_123
    assert [r["reminder_date"] for r in everything] == sorted((r["reminder_date"] for r in everything), reverse=True)
    assert len(root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log, limit=10)) == 10
    assert len(root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log, date_from="2026-11-27")) == 400
    for bad in (0, -1, "5", True):
        with pytest.raises(ValidationError):
            root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log, limit=bad)


def test_each_state_in_plain_words_sent_is_never_delivered():
    from khata.reminders import STATUSES, delivery_state

    assert "delivered" not in delivery_state("sent").lower().replace("confirmed delivery", "")
    assert delivery_state("sent").startswith("Sent: Twilio accepted it")
    assert delivery_state("delivered").startswith("Delivered") and delivery_state("read") == "Read by the customer"
    assert delivery_state("failed", "63016", "raw text") == \
        "Failed: Outside WhatsApp's 24-hour window — needs an approved template."
    assert delivery_state("failed", "30099", "Something Twilio said") == "Failed: Something Twilio said"
    assert delivery_state("failed") == "Failed: Twilio gave no reason"
    assert delivery_state("skipped", None, "Opted out of WhatsApp reminders.").startswith("Not sent: Opted out")
    assert all(delivery_state(s) != s for s in STATUSES)   # every status has words
