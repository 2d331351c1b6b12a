"""The daily flow reads customers' replies before choosing who to remind (task ``read-replies``,
the real twilio client over a fake transport) and reports its counts and whether reminders work
(artifacts ``reminders-replies`` and ``reminders-effect``)."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bench.fake_twilio import FakeTwilioHttp
from flows import overdue_reminders as flow_module
from khata import reminders
from khata.demo import create_demo
from khata.notify.twilio_whatsapp import TwilioWhatsAppNotifier
from tests.roots import OWNER, root_at

from .test_overdue_flow import RUN_DATE, TODAY, _artifacts, _task_runs

pytestmark = pytest.mark.prefect
SENDER = "whatsapp:+14155238886"


def _seed(db_file, rows):
    """Reminders that went out 10 days ago: (customer_id, phone, status, message_sid)."""
    day = TODAY - timedelta(days=10)
    sent_at = datetime.now(UTC) - timedelta(days=10)

    def work(con):
        for cid, phone, status, sid in rows:
            con.execute(
                "INSERT INTO reminder_outbox (shop_id, customer_id, reminder_date, reminder_id, kind, ladder_day,"
                " amount, loan_count, phone, message_text, channel, status, message_sid, created_at, sent_at)"
                " VALUES (1, ?, ?, nextval('reminder_id_seq'), 'overdue', 7, 100, 1, ?, 'Please pay', 'whatsapp',"
                " ?, ?, ?, ?)", [cid, day, phone, status, sid, sent_at, sent_at])
    root_at(db_file).in_transaction(work)


def test_a_stop_reply_is_honoured_before_the_morning_selection(prefect_harness, db_file, no_twilio, monkeypatch):
    create_demo(root_at(db_file), today=TODAY)
    due = root_at(db_file).read(1, OWNER, reminders.upcoming_reminders, today=TODAY - timedelta(days=1))
    ids = [u["customer_id"] for u in due if u["will_send"]][:5]
    phones = dict(root_at(db_file).on_connection(lambda con: con.execute(
        "SELECT customer_id, phone FROM customers WHERE list_contains(?, customer_id)", [ids]).fetchall()))
    _seed(db_file, [(cid, phones[cid], "delivered", f"SM{n:032x}") for n, cid in enumerate(ids)])
    fake = FakeTwilioHttp()
    fake.add_reply(phones[ids[0]], "रोको", datetime.now(UTC) - timedelta(hours=2), to=SENDER)
    fake.add_reply(phones[ids[1]], "Thank you, will pay", datetime.now(UTC) - timedelta(hours=1), to=SENDER)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "d4" * 16)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "flow-test-token")
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", SENDER)
    monkeypatch.setattr(flow_module, "make_notifier",  # the real notifier; only the transport is fake
                        lambda config, dry_run=False: TwilioWhatsAppNotifier(config, http_client=fake))

    state = flow_module.overdue_reminders(run_date=RUN_DATE, db=str(db_file), rate_per_s=100, return_state=True)
    assert state.is_completed(), state
    outcome = state.result()
    assert (outcome["replies"]["read"], outcome["replies"]["stop"], outcome["replies"]["opted_out"]) == (2, 1, 1)
    sent_to = {r["data"]["To"] for r in fake.sends()}
    assert f"whatsapp:{phones[ids[0]]}" not in sent_to           # replied STOP overnight: nothing this morning
    assert f"whatsapp:{phones[ids[1]]}" in sent_to               # a reply that is not STOP changes nothing
    assert root_at(db_file).on_connection(lambda con: con.execute(
        "SELECT whatsapp_opt_out FROM customers WHERE customer_id = ?", [ids[0]]).fetchone()[0]) is True
    run_id = state.state_details.flow_run_id
    names = [t.name for t in _task_runs(run_id)]
    assert any(n.startswith("read-replies") for n in names)

    artifacts = _artifacts(run_id)
    replies = artifacts["reminders-replies"]
    table = replies.data if isinstance(replies.data, list) else json.loads(replies.data)
    assert table == [{"read": 2, "stop": 1, "opted_out": 1, "already_out": 0, "no_reminder": 0, "ignored": 1,
                      "seen_before": 0}]
    effect = artifacts["reminders-effect"].data
    assert "## By channel" in effect and "## By ladder step" in effect
    expected = reminders.effect_for_shops(root_at(db_file), [1], now=outcome["now"])
    automatic = next(r for r in expected if r["label"] == "Automatic WhatsApp")
    assert automatic["customers"] == 5
    assert (f"| Automatic WhatsApp | 5 | {automatic['paid_1d']} ({automatic['share_1d']}%) |") in effect
    assert "| Not reminded (overdue) |" in effect


def test_without_twilio_the_run_reads_no_replies_and_says_so(prefect_harness, db_file, no_twilio):
    create_demo(root_at(db_file), today=TODAY)
    state = flow_module.overdue_reminders(run_date=RUN_DATE, db=str(db_file), return_state=True)
    assert state.is_completed(), state
    artifacts = _artifacts(state.state_details.flow_run_id)
    table = artifacts["reminders-replies"].data
    table = table if isinstance(table, list) else json.loads(table)
    assert table[0]["read"] == 0
    assert "No reminder has reached a customer at least 7 days ago yet." in artifacts["reminders-effect"].data
