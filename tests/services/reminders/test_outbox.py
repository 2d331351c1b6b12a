"""The outbox (``khata.reminders.outbox``): one row per customer per day, and what a crash leaves behind."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta

from khata import reminders
from khata.notify.outbox import OutboxNotifier
from tests.conftest import ROOT
from tests.roots import root_at

from .helpers import NOW, TODAY, customer, loan, outbox, run


def test_second_run_on_the_same_day_sends_nothing(db_file, shop):
    for n in range(3):
        loan(shop, db_file, customer(shop, db_file, name=f"Cust {n}"), "150.00", date(2026, 11, 26))
    notifier = OutboxNotifier()
    first = run(db_file, shop, TODAY, notifier)
    assert first["totals"]["simulated"] == 3 and len(notifier.messages) == 3
    second = run(db_file, shop, TODAY, notifier)
    assert len(notifier.messages) == 3
    assert second["totals"]["simulated"] == second["totals"]["selected"] == 0  # this run's own: nothing
    assert second["day_totals"]["simulated"] == 3  # the day's totals, unchanged
    assert len(outbox(db_file)) == 3


CRASH_SCRIPT = textwrap.dedent("""
    import os, sys
    from datetime import date, datetime, timezone
    sys.path.insert(0, {root!r})
    from khata import reminders
    from khata.root import Root
    root = Root({path!r})
    plan = reminders.plan_shop(root, {shop_id}, today=date(2026, 11, 27), now=datetime.now(timezone.utc))
    rows = reminders.claim(root, {{plan["shop_id"]: plan["reminder_date"]}}, run_id="crashed-run",
                           now=datetime.now(timezone.utc))
    print(len(rows), flush=True)
    os._exit(9)  # the process dies after claiming, before any message goes out
""")


def test_crash_between_claim_and_send_leaves_unknown_never_resent(db_file, shop):
    for n in range(2):
        loan(shop, db_file, customer(shop, db_file, name=f"Cust {n}"), "150.00", date(2026, 11, 26))
    script = CRASH_SCRIPT.format(root=str(ROOT), shop_id=shop["shop_id"], path=str(db_file))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9 and proc.stdout.strip() == "2", proc.stderr
    assert {r["status"] for r in outbox(db_file)} == {"sending"}

    notifier = OutboxNotifier()
    # A rerun minutes later: the crashed run might still be alive, so its rows are left alone ...
    soon = datetime.now(UTC) + timedelta(minutes=1)
    result = run(db_file, shop, TODAY, notifier, now=soon)
    assert notifier.messages == [] and {r["status"] for r in outbox(db_file)} == {"sending"}
    # ... and after the lease they are 'unknown': visible to the operator, still never resent.
    later = soon + timedelta(seconds=reminders.STALE_AFTER_S + 60)
    result = run(db_file, shop, TODAY, notifier, now=later)
    assert notifier.messages == []
    assert result["prepared"]["unknown"] == 2 and result["day_totals"]["unknown"] == 2
    rows = outbox(db_file)
    assert {r["status"] for r in rows} == {"unknown"}
    assert all("may or may not" in r["error_message"] for r in rows)
    assert run(db_file, shop, TODAY + timedelta(days=1), notifier, now=later)["totals"]["selected"] == 0
    assert notifier.messages == []


def test_queued_rows_from_a_past_day_are_not_sent_late(db_file, shop):
    loan(shop, db_file, customer(shop, db_file), "150.00", date(2026, 11, 26))
    reminders.plan_shop(root_at(db_file), shop["shop_id"], today=TODAY, now=NOW)  # queued, then the run stopped
    notifier = OutboxNotifier()
    next_morning = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    result = run(db_file, shop, None, notifier, now=next_morning)
    assert result["prepared"]["expired"] == 1 and notifier.messages == []
    assert outbox(db_file)[0]["status"] == "skipped"
