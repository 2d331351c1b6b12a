"""Status refresh (``khata.reminders.status``) after a run through the real twilio client (fake transport)."""
from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from bench.fake_twilio import FakeTwilioHttp
from khata import customers, loans, reminders
from khata.notify.twilio_whatsapp import TwilioWhatsAppNotifier
from tests.roots import OWNER, root_at

from .test_delivery import TODAY, TOKEN, config, to


def test_run_with_twilio_records_sids_flags_invalid_and_refreshes_status(db_file, shop, caplog):
    people = []
    for n, phone in enumerate(["9876500001", "9876500002", "9876500003"]):
        c = root_at(db_file).write(shop["shop_id"], OWNER, customers.create_customer, name=f"Cust {n}", phone=phone)
        root_at(db_file).write(shop["shop_id"], OWNER, loans.create_loan, c["customer_id"], amount="100", item="Tea",
                               issue_date=date(2026, 11, 1), due_date=date(2026, 11, 26), today=TODAY)
        people.append(c)
    fake = FakeTwilioHttp(script={to("+919876500002"): [("rest", 400, 63003, "Not a WhatsApp user +919876500002")]})
    notifier = TwilioWhatsAppNotifier(config(content_sid="HX" + "1" * 32), http_client=fake)
    caplog.set_level(logging.DEBUG)
    sent_at = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # the run's one now: 08:00 IST
    result = reminders.run_reminders(root_at(db_file), today=TODAY, now=sent_at, notifier=notifier, rate_per_s=50)
    assert result["totals"] == {"selected": 3, "sent": 2, "simulated": 0, "skipped": 0, "failed": 1, "unknown": 0}
    with root_at(db_file).connect() as con:
        rows = {r[0]: r[1:] for r in con.execute(
            "SELECT customer_id, status, message_sid, error_code FROM reminder_outbox").fetchall()}
        flagged = con.execute("SELECT customer_id FROM customers WHERE whatsapp_invalid").fetchall()
    assert rows[people[1]["customer_id"]][0] == "failed" and rows[people[1]["customer_id"]][2] == "63003"
    assert flagged == [(people[1]["customer_id"],)]
    sid0 = rows[people[0]["customer_id"]][1]
    sid2 = rows[people[2]["customer_id"]][1]
    assert sid0.startswith("SM") and sid2.startswith("SM")
    logs = caplog.text
    assert TOKEN not in logs and "+919876500002" not in logs and "•••••00002" in logs

    # Next morning: Twilio now knows more about yesterday's messages.
    fake.set_status(sid0, "read")
    fake.set_status(sid2, "undelivered", 63016, "Outside window")
    before = len(fake.sends())
    morning = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    refreshed = reminders.refresh_statuses(root_at(db_file), notifier, now=morning, shop_ids=[shop["shop_id"]])
    assert refreshed == {"checked": 2, "updated": 2}
    log = {e["customer_id"]: e for e in root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log)}
    assert log[people[0]["customer_id"]]["status"] == "read"
    assert (log[people[2]["customer_id"]]["status"], log[people[2]["customer_id"]]["error_code"]) == ("failed", "63016")
    assert len(fake.sends()) == before  # a refresh only reads
    # Older than 3 days: not asked again.
    assert reminders.refresh_statuses(root_at(db_file), notifier, now=morning + timedelta(days=4),
                                      shop_ids=[shop["shop_id"]])["checked"] == 0

    # Day 3 of the ladder: the flagged number is skipped, the others get their reminder.
    day3 = reminders.run_reminders(root_at(db_file), today=date(2026, 11, 29), notifier=notifier, now=morning)
    assert (day3["totals"]["sent"], day3["totals"]["skipped"]) == (2, 1)


def test_a_refresh_that_learns_not_on_whatsapp_flags_the_customer_with_an_audit_line(db_file, shop):
    from khata.notify import NOT_ON_WHATSAPP_CODE

    c = root_at(db_file).write(shop["shop_id"], OWNER, customers.create_customer, name="Later Unreachable",
                               phone="9876500009")
    root_at(db_file).write(shop["shop_id"], OWNER, loans.create_loan, c["customer_id"], amount="100", item="Tea",
                           issue_date=date(2026, 11, 1), due_date=date(2026, 11, 26), today=TODAY)
    fake = FakeTwilioHttp()
    notifier = TwilioWhatsAppNotifier(config(content_sid="HX" + "1" * 32), http_client=fake)
    sent_at = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)
    assert reminders.run_reminders(root_at(db_file), today=TODAY, now=sent_at, notifier=notifier)["totals"]["sent"] == 1
    [sid] = [r[0] for r in root_at(db_file).on_connection(
        lambda con: con.execute("SELECT message_sid FROM reminder_outbox").fetchall())]
    fake.set_status(sid, "undelivered", NOT_ON_WHATSAPP_CODE, "Not a WhatsApp user")
    later = sent_at + timedelta(hours=6)
    assert reminders.refresh_statuses(root_at(db_file), notifier, now=later, shop_ids=[shop["shop_id"]])["updated"] == 1
    with root_at(db_file).connect() as con:
        flagged = con.execute("SELECT whatsapp_invalid, updated_at FROM customers WHERE customer_id = ?",
                              [c["customer_id"]]).fetchone()
        audit = con.execute("SELECT actor, action, entity_id, after FROM audit_log WHERE action = 'flag_whatsapp_invalid'"  # noqa: E501
                            ).fetchall()
    assert flagged == (True, later)
    assert [(a[0], a[1], a[2]) for a in audit] == [("reminders", "flag_whatsapp_invalid", c["customer_id"])]
    assert '"twilio_error": "63003"' in audit[0][3]
    # refreshing again changes nothing and writes no second line
    assert reminders.refresh_statuses(root_at(db_file), notifier, now=later, shop_ids=[shop["shop_id"]])["updated"] == 0
