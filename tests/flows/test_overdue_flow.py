"""The real reminder flow under a Prefect test server: run name, artifacts, idempotency,
credentials from Secret blocks, and waiting out another process that holds the database."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest

from flows import overdue_reminders as flow_module
from khata import reminders
from khata.dates import shop_today
from khata.demo import create_demo
from tests.roots import OWNER, root_at

pytestmark = pytest.mark.prefect

TODAY = shop_today("Asia/Kolkata")  # a typed run date must be the shop's today (or yesterday)
RUN_DATE = TODAY.isoformat()


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _artifacts(flow_run_id):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _client() as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(
            any_=[flow_run_id])))
    return {a.key: a for a in found}


def _task_runs(flow_run_id):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with _client() as client:
        return client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))


def test_flow_runs_once_per_day_with_artifacts(prefect_harness, db_file, no_twilio):
    create_demo(root_at(db_file), today=TODAY)
    state = flow_module.overdue_reminders(run_date=RUN_DATE, db=str(db_file), return_state=True)
    assert state.is_completed(), state
    outcome = state.result()
    assert outcome["dry_run"] is True  # no credentials: a dry run, rows 'simulated'
    totals = outcome["totals"]
    assert totals["selected"] > 10 and totals["simulated"] == totals["selected"] - totals["skipped"]
    assert totals["sent"] == totals["failed"] == totals["unknown"] == 0

    run_id = state.state_details.flow_run_id
    with _client() as client:
        assert client.read_flow_run(run_id).name == f"reminders-{RUN_DATE}"
    artifacts = _artifacts(run_id)
    table = artifacts["reminders-summary"]
    assert table.type == "table"
    data = table.data if isinstance(table.data, list) else __import__("json").loads(table.data)
    assert data[0]["shop"].startswith("Demo Kirana") and data[0]["simulated"] == totals["simulated"]
    assert str(db_file) in table.description and "no Twilio credentials" in table.description
    assert "None today" in artifacts["reminders-failures"].data and str(db_file) in artifacts["reminders-failures"].data
    assert artifacts["reminders-replies"].description.startswith("Replies not read: no Twilio credentials")
    assert any(t.name.startswith("plan-shop") for t in _task_runs(run_id))

    log = root_at(db_file).read(1, OWNER, reminders.reminder_log)
    assert len(log) == totals["selected"]
    assert all(e["message_text"].startswith("Namaste") for e in log)

    again_state = flow_module.overdue_reminders(run_date=RUN_DATE, db=str(db_file), return_state=True)
    again = again_state.result()
    assert again["totals"]["selected"] == again["totals"]["simulated"] == 0  # this run's own counts
    assert again["day_totals"] == totals  # same day: nothing new selected, nothing sent twice
    assert len(root_at(db_file).read(1, OWNER, reminders.reminder_log)) == totals["selected"]
    repeat = _artifacts(again_state.state_details.flow_run_id)["reminders-summary"]
    repeat_data = repeat.data if isinstance(repeat.data, list) else __import__("json").loads(repeat.data)
    assert repeat_data[0]["selected"] == repeat_data[0]["simulated"] == 0


def test_credentials_come_from_secret_blocks_when_the_environment_has_none(prefect_harness, no_twilio):
    from prefect.blocks.system import Secret

    assert flow_module.twilio_config() is None
    Secret(value="AC" + "b2" * 16).save("twilio-account-sid", overwrite=True)
    Secret(value="secret-token-from-block").save("twilio-auth-token", overwrite=True)
    Secret(value="whatsapp:+14155238886").save("twilio-whatsapp-from", overwrite=True)
    try:
        config = flow_module.twilio_config()
        assert (config.account_sid, config.auth_token, config.content_sid) == \
            ("AC" + "b2" * 16, "secret-token-from-block", None)
        assert "secret-token" not in repr(config)
    finally:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            for name in ("twilio-account-sid", "twilio-auth-token", "twilio-whatsapp-from"):
                client.delete_block_document(client.read_block_document_by_name(name, "secret").id)


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
print("released", flush=True)
"""


def test_flow_waits_for_a_database_held_by_another_process(prefect_harness, db_file, no_twilio, monkeypatch):
    shop = create_demo(root_at(db_file), today=TODAY)
    monkeypatch.setenv("KHATA_LOCK_TIMEOUT", "1")  # give up quickly inside a task; the task retries
    hold_s = 4.0
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_file), str(hold_s)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        state = flow_module.overdue_reminders(run_date=RUN_DATE, db=str(db_file), return_state=True)
        elapsed = time.monotonic() - started
    finally:
        holder.wait(timeout=60)
    assert state.is_completed(), state
    assert elapsed >= hold_s - 0.5
    assert state.result()["totals"]["simulated"] > 10
    prepare = [t for t in _task_runs(state.state_details.flow_run_id) if t.name.startswith("prepare-outbox")]
    assert prepare and prepare[0].run_count >= 2  # it failed on the lock, retried and then succeeded
    assert len(root_at(db_file).read(shop["shop_id"], OWNER, reminders.reminder_log)) > 10


def test_an_unknown_shop_fails_at_once_without_retries(prefect_harness, db_file, no_twilio):
    create_demo(root_at(db_file), today=TODAY)
    started = time.monotonic()
    state = flow_module.overdue_reminders(shop="nobody", db=str(db_file), return_state=True)
    assert state.is_failed()
    assert time.monotonic() - started < 10  # no 2 + 5 + 10 + 20 s of pointless retries
    prepare = [t for t in _task_runs(state.state_details.flow_run_id) if t.name.startswith("prepare-outbox")]
    assert prepare[0].run_count == 1
    with pytest.raises(Exception, match="No shopkeeper with the username 'nobody'"):
        state.result()


def test_flow_through_twilio_records_failures_in_the_artifact(prefect_harness, db_file, no_twilio, monkeypatch):
    from bench.fake_twilio import FakeTwilioHttp
    from khata.notify.twilio_whatsapp import TwilioWhatsAppNotifier

    shop = create_demo(root_at(db_file), today=TODAY)
    due = root_at(db_file).read(shop["shop_id"], OWNER, reminders.upcoming_reminders, today=TODAY - timedelta(days=1))
    ids = [u["customer_id"] for u in due if u["will_send"]][:2]
    phones = dict(root_at(db_file).on_connection(lambda con: con.execute(
        "SELECT customer_id, phone FROM customers WHERE customer_id IN (?, ?)", ids).fetchall()))
    fake = FakeTwilioHttp(script={f"whatsapp:{phones[ids[0]]}": [("rest", 400, 63003, "Not a WhatsApp user")],
                                  f"whatsapp:{phones[ids[1]]}": [("rest", 429, 20429, "Too many requests")]})
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "c3" * 16)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "flow-test-token")
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886")
    monkeypatch.setattr(flow_module, "make_notifier",  # the real notifier; only the transport is fake
                        lambda config, dry_run=False: TwilioWhatsAppNotifier(config, http_client=fake))
    state = flow_module.overdue_reminders(run_date=RUN_DATE, db=str(db_file), rate_per_s=100,
                                          return_state=True)
    assert state.is_completed(), state  # one customer's failure never fails the run
    totals = state.result()["totals"]
    assert totals["failed"] == 1 and totals["sent"] == totals["selected"] - totals["skipped"] - 1
    assert len(fake.sends()) == totals["sent"] + 2  # + the 63003 and the retried 429
    failures = _artifacts(state.state_details.flow_run_id)["reminders-failures"].data
    assert "63003" in failures and "not on WhatsApp" in failures
    assert phones[ids[0]] not in failures and phones[ids[0]][-5:] in failures  # masked
    assert "flow-test-token" not in failures


def _outbox_and_audit(db_file):

    with root_at(db_file).connect() as con:
        return (con.execute("SELECT * FROM reminder_outbox ORDER BY ALL").fetchall(),
                con.execute("SELECT * FROM audit_log ORDER BY ALL").fetchall())


def test_a_dry_run_deployment_is_a_preview_that_takes_no_reminder(prefect_harness, db_file, no_twilio):
    """dry_run=true: the artifacts show what would go out; the real run that day still sends to everyone."""
    create_demo(root_at(db_file), today=TODAY)
    before = _outbox_and_audit(db_file)
    state = flow_module.overdue_reminders(run_date=RUN_DATE, dry_run=True, db=str(db_file), return_state=True)
    assert state.is_completed(), state
    preview = state.result()
    assert preview["preview"] is True and _outbox_and_audit(db_file) == before
    would_send = sum(w["to_send"] for w in preview["would"])
    assert would_send > 10
    artifacts = _artifacts(state.state_details.flow_run_id)
    assert "reminders-summary" not in artifacts  # the latest real run's summary stays the latest
    assert artifacts["reminders-preview-summary"].description.startswith("PREVIEW (dry run)")
    assert "nothing sent or recorded" in artifacts["reminders-preview-summary"].description
    preview_md = artifacts["reminders-preview"].data
    assert preview_md.startswith("# Preview (dry run)") and preview_md.count("| send |") == would_send
    first = preview["would_send"][0]
    assert f"| {first['customer']} |" in preview_md and "₹" in preview_md and str(db_file) in preview_md
    assert not [t for t in _task_runs(state.state_details.flow_run_id) if t.name.startswith(("claim", "send"))]

    real = flow_module.overdue_reminders(run_date=RUN_DATE, db=str(db_file))
    assert real["totals"]["simulated"] == would_send  # the preview took nobody's reminder of the day


def test_an_error_that_cannot_go_away_fails_at_once_in_one_line(prefect_harness, tmp_path, no_twilio):
    """A book path under a file (the same on every attempt): refused by the run's root before
    any step, so nothing is retried; the run's state message is one plain line."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    started = time.monotonic()
    state = flow_module.overdue_reminders(db=str(blocker / "khata.duckdb"), return_state=True)
    assert state.is_failed()
    assert time.monotonic() - started < 15  # not 2 + 5 + 10 + 20 s of pointless retries
    assert "\n" not in state.message and "Traceback" not in state.message and "a-file" in state.message
    assert "No book at" in state.message  # the run's root refuses it before any step (nothing retried)
    assert not [t for t in _task_runs(state.state_details.flow_run_id) if t.name.startswith("prepare-outbox")]


def test_a_run_date_far_from_today_is_refused_at_once(prefect_harness, db_file, no_twilio):
    create_demo(root_at(db_file), today=TODAY)
    before = _outbox_and_audit(db_file)
    state = flow_module.overdue_reminders(run_date="2199-12-31", db=str(db_file), return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="Run date 2199-12-31 is not allowed"):
        state.result()
    prepare = [t for t in _task_runs(state.state_details.flow_run_id) if t.name.startswith("prepare-outbox")]
    assert prepare[0].run_count == 1  # a refused date is not retried
    assert _outbox_and_audit(db_file) == before
