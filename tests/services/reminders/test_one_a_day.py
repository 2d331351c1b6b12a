"""At most one message per customer per calendar day of sending (the shop's time zone),
whatever reminder date a run is for, with the real twilio client over a fake transport:
a catch-up for yesterday and today's run, in both orders; a catch-up reaches only those
not messaged since yesterday's scheduled run; a one-tap reminder counts."""
from __future__ import annotations

from datetime import date, timedelta

from bench.fake_twilio import FakeTwilioHttp
from khata import accounts, reminders
from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier
from khata.reminders import manual
from tests.roots import OWNER, root_at

from .helpers import NOW, TODAY, customer, loan, outbox

YESTERDAY = TODAY - timedelta(days=1)
SID = "AC" + "b2" * 16


def twilio():
    fake = FakeTwilioHttp()
    return fake, TwilioWhatsAppNotifier(TwilioConfig(SID, "tok-" + "q7" * 14, "whatsapp:+14155238886"),
                                        http_client=fake)


def _run(db_file, shop, day, now, notifier):
    return reminders.run_reminders(root_at(db_file), today=day, now=now, shop=shop["username"], notifier=notifier,
                                   rate_per_s=100)


def overdue_both_days(shop, db_file, n=3):
    """Customers due a reminder on yesterday (day 6: step 3 owed) and on today (day 7: step 7)."""
    people = [customer(shop, db_file, name=f"Cust {i}") for i in range(n)]
    for c in people:
        loan(shop, db_file, c, "400.00", date(2026, 11, 20))
    return people


def _phones(fake):
    return sorted(r["data"]["To"] for r in fake.sends())


def test_without_the_day_rule_both_days_would_be_due(db_file, shop):
    """The set-up can fail the next tests: each day alone selects every customer."""
    overdue_both_days(shop, db_file)
    for day in (YESTERDAY, TODAY):
        preview = reminders.run_reminders(root_at(db_file), today=day, now=NOW, shop=shop["username"], dry_run=True)
        assert preview["would"][0]["to_send"] == 3


def test_todays_run_then_a_catch_up_for_yesterday_sends_nothing_more(db_file, shop):
    overdue_both_days(shop, db_file)
    fake, notifier = twilio()
    today = _run(db_file, shop, TODAY, NOW, notifier)
    assert today["totals"]["sent"] == 3 and len(fake.sends()) == 3
    catch_up = _run(db_file, shop, YESTERDAY, NOW + timedelta(minutes=1), notifier)
    assert catch_up["shops"][0]["selected"] == 0
    assert len(fake.sends()) == 3 and len(set(_phones(fake))) == 3
    assert {r["reminder_date"] for r in outbox(db_file)} == {TODAY}


def test_a_catch_up_for_yesterday_then_todays_run_sends_nothing_more(db_file, shop):
    overdue_both_days(shop, db_file)
    fake, notifier = twilio()
    early = NOW - timedelta(hours=1)  # 07:00 in India, today
    catch_up = _run(db_file, shop, YESTERDAY, early, notifier)
    assert catch_up["totals"]["sent"] == 3
    today = _run(db_file, shop, TODAY, NOW, notifier)
    assert today["shops"][0]["selected"] == 0
    assert len(fake.sends()) == 3 and len(set(_phones(fake))) == 3
    # tomorrow is another day of sending: the ladder decides again (day 8 owes step 7)
    tomorrow = _run(db_file, shop, TODAY + timedelta(days=1), NOW + timedelta(days=1), notifier)
    assert tomorrow["totals"]["sent"] == 3


def test_a_catch_up_reaches_only_those_not_messaged_since_yesterdays_run(db_file, shop):
    """A ladder with a step every day; yesterday at 10:00 a catch-up for the day before reached
    Cust 0 (and Twilio refused the two others). Today's catch-up for yesterday skips Cust 0,
    whom the ladder alone would remind (the step of day 6 is new), and reaches the others."""
    root_at(db_file).write(shop["shop_id"], OWNER, accounts.update_settings, reminder_days="1,2,3,4,5,6,7")
    people = overdue_both_days(shop, db_file)
    fake, notifier = twilio()
    yesterday_10am = NOW - timedelta(days=1) + timedelta(hours=2)
    first = reminders.run_reminders(root_at(db_file), today=YESTERDAY - timedelta(days=1), now=yesterday_10am,
                                    shop=shop["username"], notifier=notifier, rate_per_s=100)
    assert first["totals"]["sent"] == 3
    refused = [c["customer_id"] for c in people[1:]]
    with root_at(db_file).connect() as con:
        con.execute("UPDATE reminder_outbox SET status = 'failed' WHERE list_contains(?, customer_id)", [refused])
    with root_at(db_file).connect() as con:  # the ladder alone (no instant of sending) would remind all three
        [row] = reminders.shop_rows(con, [shop["shop_id"]])
        assert len(reminders.select_due(con, row, YESTERDAY)) == 3
    catch_up = _run(db_file, shop, YESTERDAY, NOW + timedelta(minutes=5), notifier)
    assert catch_up["totals"]["sent"] == 2
    assert {r["customer_id"] for r in outbox(db_file, reminder_date=YESTERDAY)} == set(refused)


def test_a_one_tap_reminder_today_counts_for_a_catch_up(db_file, shop):
    people = overdue_both_days(shop, db_file, n=2)
    tapped = root_at(db_file).write(shop["shop_id"], OWNER, manual.record_manual_reminder, people[0]["customer_id"],
                                    "whatsapp_manual", today=TODAY, now=NOW - timedelta(hours=2))
    assert tapped["recorded"]
    fake, notifier = twilio()
    catch_up = _run(db_file, shop, YESTERDAY, NOW, notifier)
    assert catch_up["totals"]["sent"] == 1
    assert [r["customer_id"] for r in outbox(db_file, reminder_date=YESTERDAY)] == [people[1]["customer_id"]]
    # and a tap after a catch-up's message is not a second reminder that day
    again = root_at(db_file).write(shop["shop_id"], OWNER, manual.record_manual_reminder, people[1]["customer_id"],
                                   "sms_manual", today=TODAY, now=NOW + timedelta(hours=1))
    assert again["recorded"] is False
    listed = root_at(db_file).read(shop["shop_id"], OWNER, manual.remind_today, today=TODAY,
                                   now=NOW + timedelta(hours=1))
    assert listed["waiting"] == 0
