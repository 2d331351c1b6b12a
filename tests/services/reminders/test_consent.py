"""Replies honoured (``khata.reminders.consent``) over the real twilio client with a fake transport:
STOP in many languages, once per reply, the right shop only; Twilio's opt-out codes; back on only with a note."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bench.fake_twilio import FakeTwilioHttp
from khata import customers, loans, principals, reminders
from khata.errors import NotFound, ValidationError
from khata.notify.outbox import OutboxNotifier
from khata.notify.twilio_whatsapp import TwilioWhatsAppNotifier
from tests.roots import OWNER, root_at

from .test_delivery import SENDER, config, to

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)          # 08:00 IST: the first run
LATER = NOW + timedelta(hours=5)                          # the customers reply during the day
NEXT = datetime(2026, 11, 29, 2, 30, tzinfo=UTC)          # two days on: ladder day 3
STAMP = "%Y-%m-%dT%H:%M:%SZ"                              # how the twilio client sends DateSent>


def _owing(sid, db_file, name, phone):
    c = root_at(db_file).write(sid, OWNER, customers.create_customer, name=name, phone=phone, credit_limit="50000")
    root_at(db_file).write(sid, OWNER, loans.create_loan, c["customer_id"], amount="300", item="Atta",
                           issue_date=date(2026, 11, 1), due_date=date(2026, 11, 26), today=TODAY)
    return c


def _state(db_file, cid):
    return root_at(db_file).on_connection(lambda con: con.execute(
        "SELECT whatsapp_opt_out FROM customers WHERE customer_id = ?", [cid]).fetchone()[0])


def _audit(db_file, action=None):
    sql = "SELECT shop_id, actor, action, entity_id, after FROM audit_log"
    sql += " WHERE action = ?" if action else ""
    return root_at(db_file).on_connection(lambda con: con.execute(sql + " ORDER BY audit_id",
                                                                  [action] if action else []).fetchall())


@pytest.fixture
def sent(db_file, shop, other_shop):
    """Shop 1 reminded five customers this morning through Twilio; shop 2 has a customer with
    the first one's phone (not reminded by anyone)."""
    sid = shop["shop_id"]
    people = [_owing(sid, db_file, name, phone) for name, phone in [
        ("Asha", "9876500001"), ("Bhanu", "9876500002"), ("Chitra", "9876500003"), ("Dev", "9876500004"),
        ("Esha", "9876500005")]]
    twin = root_at(db_file).write(other_shop["shop_id"], OWNER, customers.create_customer, name="Asha (other shop)",
                                  phone="9876500001")
    fake = FakeTwilioHttp()
    notifier = TwilioWhatsAppNotifier(config(content_sid="HX" + "1" * 32), http_client=fake)
    result = reminders.run_reminders(root_at(db_file), today=TODAY, now=NOW, notifier=notifier, rate_per_s=100)
    assert result["totals"]["sent"] == 5
    return {"fake": fake, "notifier": notifier, "people": people, "twin": twin}


def test_stop_replies_in_several_languages_turn_reminders_off_for_that_shop_only(db_file, shop, other_shop, sent):
    fake, people = sent["fake"], sent["people"]
    fake.add_reply("+919876500001", "STOP", LATER)
    fake.add_reply("+919876500002", "बंद करो।", LATER + timedelta(minutes=1))
    fake.add_reply("+919876500003", " நிறுத்துங்கள் ", LATER + timedelta(minutes=2))
    fake.add_reply("+919876500004", "Band Karo 🙏", LATER + timedelta(minutes=3))
    fake.add_reply("+919876500005", "Ok, will pay tomorrow. Don't stop the credit!", LATER + timedelta(minutes=4))
    fake.add_reply("+919876500005", "stop", LATER, to="whatsapp:+10000000000")   # another sender's inbox
    before = len(_audit(db_file))

    counts = reminders.honour_replies(root_at(db_file), sent["notifier"], now=NEXT)

    assert counts == {"read": 5, "stop": 4, "opted_out": 4, "already_out": 0, "no_reminder": 0, "ignored": 1,
                      "seen_before": 0, "error": False}
    first, listing = [r for r in fake.requests if r["method"] == "GET" and r["path"].endswith("/Messages.json")]
    assert first["params"]["DateSent>"] == (NOW - timedelta(days=3)).strftime(STAMP)  # the first read ever
    assert listing["params"]["To"] == SENDER
    assert listing["params"]["DateSent>"] == (NOW - timedelta(minutes=10)).strftime(STAMP)  # since the last read
    assert [_state(db_file, p["customer_id"]) for p in people] == [True, True, True, True, False]
    assert _state(db_file, sent["twin"]["customer_id"]) is False          # same phone, other shop: untouched
    lines = _audit(db_file)[before:]
    assert [(line[0], line[1], line[2], line[3]) for line in lines] == [
        (shop["shop_id"], "reminders", "whatsapp_opt_out", p["customer_id"]) for p in people[:4]]
    assert '"reply": "stop"' in lines[0][4] and '"reply": "बंद करो"' in lines[1][4]
    state = root_at(db_file).read(shop["shop_id"], OWNER, reminders.consent_state, people[0]["customer_id"])
    assert state["opted_out"] is True and state["said"] == "Replied STOP on 27 Nov 2026"
    assert root_at(db_file).read(shop["shop_id"], OWNER, reminders.consent_state,
                                 people[1]["customer_id"])["said"] == "Replied बंद करो on 27 Nov 2026"

    # a reply read twice (each read overlaps the last by 10 minutes on purpose) is handled once
    fake.add_reply("+919876500005", "stop", NEXT + timedelta(minutes=1))
    assert reminders.honour_replies(root_at(db_file), sent["notifier"],
                                    now=NEXT + timedelta(minutes=2))["opted_out"] == 1
    again = reminders.honour_replies(root_at(db_file), sent["notifier"], now=NEXT + timedelta(minutes=3))
    assert (again["read"], again["seen_before"], again["opted_out"], again["stop"]) == (1, 1, 0, 0)
    assert len(_audit(db_file)) == before + 5
    handled = root_at(db_file).on_connection(lambda con: con.execute(
        "SELECT outcome, count(*) FROM inbound_replies GROUP BY ALL ORDER BY ALL").fetchall())
    assert handled == [("not_stop", 1), ("opted_out", 5)]
    third = [r for r in fake.requests if r["method"] == "GET" and r["path"].endswith("/Messages.json")][-1]
    assert third["params"]["DateSent>"] == (NEXT + timedelta(minutes=2) - timedelta(minutes=10)).strftime(STAMP)


def test_the_morning_run_reads_replies_before_choosing_who_to_remind(db_file, shop, other_shop, sent):
    fake = sent["fake"]
    fake.add_reply("+919876500002", "UNSUBSCRIBE", LATER)
    sends_before = len(fake.sends())
    result = reminders.run_reminders(root_at(db_file), today=date(2026, 11, 29), now=NEXT, notifier=sent["notifier"],
                                     rate_per_s=100)
    assert result["replies"]["opted_out"] == 1
    assert (result["totals"]["sent"], result["totals"]["skipped"]) == (4, 1)
    new_to = {r["data"]["To"] for r in fake.sends()[sends_before:]}
    assert to("+919876500002") not in new_to and to("+919876500001") in new_to


def test_a_stop_from_a_number_never_reminded_changes_nothing(db_file, shop, other_shop, sent):
    before = len(_audit(db_file))
    sent["fake"].add_reply("+919999900000", "STOP", LATER)          # nobody's reminder went there
    sent["fake"].add_reply("+919876500001", "STOP", NOW - timedelta(minutes=5))  # before the reminder went
    counts = reminders.honour_replies(root_at(db_file), sent["notifier"], now=NEXT)
    assert (counts["stop"], counts["no_reminder"], counts["opted_out"]) == (2, 2, 0)
    assert len(_audit(db_file)) == before
    assert not any(_state(db_file, p["customer_id"]) for p in sent["people"])


def test_twilio_unreachable_changes_nothing_and_the_next_run_reads_from_the_same_point(db_file, shop, other_shop,
                                                                                      sent):
    sent["fake"].add_reply("+919876500001", "STOP", LATER)
    sent["fake"].list_error = (503, 20503, "Service unavailable")
    cursor = root_at(db_file).on_connection(lambda con: con.execute("SELECT read_until FROM reply_cursor").fetchall())
    assert reminders.honour_replies(root_at(db_file), sent["notifier"], now=NEXT)["error"] is True
    assert root_at(db_file).on_connection(
        lambda con: con.execute("SELECT read_until FROM reply_cursor").fetchall()) == cursor
    assert _state(db_file, sent["people"][0]["customer_id"]) is False
    assert reminders.honour_replies(root_at(db_file), sent["notifier"], now=NEXT)["opted_out"] == 1


def test_the_dry_run_notifier_reads_no_replies(db_file, shop):
    counts = reminders.honour_replies(root_at(db_file), OutboxNotifier(), now=NOW)
    assert counts["read"] == 0 and counts["error"] is False
    assert OutboxNotifier().fetch_replies(NOW) == []


def test_twilio_opt_out_codes_turn_reminders_off_at_send_and_at_refresh(db_file, shop):
    sid = shop["shop_id"]
    blocked = _owing(sid, db_file, "Blocked", "9876500011")
    later = _owing(sid, db_file, "Later", "9876500012")
    fake = FakeTwilioHttp(script={to("+919876500011"): [("rest", 400, 63014, "User opted out")]})
    notifier = TwilioWhatsAppNotifier(config(content_sid="HX" + "1" * 32), http_client=fake)
    result = reminders.run_reminders(root_at(db_file), today=TODAY, now=NOW, notifier=notifier, rate_per_s=100)
    assert (result["totals"]["sent"], result["totals"]["failed"]) == (1, 1)
    assert _state(db_file, blocked["customer_id"]) is True and _state(db_file, later["customer_id"]) is False
    [line] = _audit(db_file, "whatsapp_opt_out")
    assert line[3] == blocked["customer_id"] and '"twilio_error": "63014"' in line[4]
    assert "blocked or opted out" in root_at(db_file).read(sid, OWNER, reminders.consent_state,
                                                           blocked["customer_id"])["said"]

    [msg] = root_at(db_file).on_connection(lambda con: con.execute(
        "SELECT message_sid FROM reminder_outbox WHERE customer_id = ?", [later["customer_id"]]).fetchone())
    fake.set_status(msg, "undelivered", 63014, "opted out")
    assert reminders.refresh_statuses(root_at(db_file), notifier, now=LATER, shop_ids=[sid])["updated"] == 1
    assert _state(db_file, later["customer_id"]) is True
    assert len(_audit(db_file, "whatsapp_opt_out")) == 2


def test_reminders_back_on_only_with_a_note(db_file, shop, other_shop, sent):
    sid, asha = shop["shop_id"], sent["people"][0]
    sent["fake"].add_reply("+919876500001", "Stop.", LATER)
    reminders.honour_replies(root_at(db_file), sent["notifier"], now=NEXT)
    before = len(_audit(db_file))
    for note in (None, "", "   "):
        with pytest.raises(ValidationError, match="agreed"):
            root_at(db_file).write(sid, principals.owner("ravi"), reminders.resume_reminders, asha["customer_id"], note)
    with pytest.raises(ValidationError, match="Reminders page"):   # the plain edit cannot bypass the note
        root_at(db_file).write(sid, OWNER, customers.update_customer, asha["customer_id"], whatsapp_opt_out=False)
    with pytest.raises(NotFound):                                   # another shop's customer
        root_at(db_file).write(other_shop["shop_id"], OWNER, reminders.resume_reminders, asha["customer_id"],
                               "said yes")
    assert _state(db_file, asha["customer_id"]) is True and len(_audit(db_file)) == before

    after = root_at(db_file).write(sid, principals.owner("ravi"), reminders.resume_reminders, asha["customer_id"],
                                   "Said yes at the counter on 28 Nov")
    assert after["whatsapp_opt_out"] is False
    [line] = _audit(db_file, "whatsapp_opt_in")
    assert line[1] == "ravi" and "Said yes at the counter" in line[4]
    state = root_at(db_file).read(sid, OWNER, reminders.consent_state, asha["customer_id"])
    assert state["opted_out"] is False and state["said"].startswith("Turned back on by ravi on ")
    assert state["note"] == "Said yes at the counter on 28 Nov"

    stopped = root_at(db_file).write(sid, principals.owner("ravi"), reminders.stop_reminders, asha["customer_id"])
    assert stopped["whatsapp_opt_out"] is True
    assert root_at(db_file).read(sid, OWNER, reminders.consent_state, asha["customer_id"])["said"].startswith(
        "Turned off by ravi on ")


def test_no_database_connection_is_held_while_reading_replies(db_file, shop, other_shop, sent):
    """Another process can open the file while Twilio is being asked: the read holds nothing."""
    import subprocess
    import sys

    from .test_delivery import OPENER

    probes = []
    notifier = sent["notifier"]
    real = notifier.fetch_replies

    def probing(since):
        proc = subprocess.run([sys.executable, "-c", OPENER, str(db_file)], capture_output=True, text=True,
                              timeout=60)
        probes.append((proc.returncode, proc.stdout.strip()))
        return real(since)

    notifier.fetch_replies = probing
    sent["fake"].add_reply("+919876500001", "STOP", LATER)
    assert reminders.honour_replies(root_at(db_file), notifier, now=NEXT)["opted_out"] == 1
    assert probes == [(0, "opened")]


def test_nothing_to_explain_for_a_customer_added_like_everyone_else(db_file, shop):
    sid = shop["shop_id"]
    usual = root_at(db_file).write(sid, principals.owner("ravi"), customers.create_customer, name="Usual",
                                   phone="9876500021")
    quiet = root_at(db_file).write(sid, principals.owner("ravi"), customers.create_customer, name="Quiet",
                                   phone="9876500022", whatsapp_opt_out=True)
    root_at(db_file).write(sid, OWNER, customers.update_customer, usual["customer_id"], notes="pays on Fridays")
    assert root_at(db_file).read(sid, OWNER, reminders.consent_state, usual["customer_id"])["said"] is None
    assert root_at(db_file).read(sid, OWNER, reminders.consent_state, quiet["customer_id"])["said"].startswith(
        "Added without reminders by ravi on ")
    # already on: turning on again needs no note and writes nothing
    assert root_at(db_file).write(sid, OWNER, reminders.resume_reminders, usual["customer_id"], None)[
        "whatsapp_opt_out"] is False
    assert _audit(db_file, "whatsapp_opt_in") == []


def test_every_page_of_replies_is_read(db_file, shop, other_shop, sent):
    """Twilio returns 50 messages a page; the client follows next_page_uri to the end."""
    fake = sent["fake"]
    for n in range(60):
        fake.add_reply(f"+91990000{n:04d}", "ok", LATER + timedelta(seconds=n))
    fake.add_reply("+919876500003", "STOP", LATER - timedelta(minutes=1))    # the oldest: on the last page
    counts = reminders.honour_replies(root_at(db_file), sent["notifier"], now=NEXT)
    assert (counts["read"], counts["ignored"], counts["opted_out"]) == (61, 60, 1)
    pages = [r for r in fake.requests if r["method"] == "GET" and r["path"].endswith("/Messages.json")][1:]
    assert len(pages) == 2 and pages[1]["params"]["Page"] == "1"
    assert _state(db_file, sent["people"][2]["customer_id"]) is True
