"""The orchestrator (``khata.reminders.run``): an asked-for dry run is a preview that
writes nothing and takes nobody's reminder; a typed run date stays near the shop's today."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from khata import reminders
from khata.errors import ValidationError
from khata.notify.outbox import OutboxNotifier
from tests.conftest import make_shop
from tests.roots import root_at

from .helpers import NOW, TODAY, customer, loan, outbox, run, stored


def three_overdue(shop, db_file):
    for n in range(3):
        loan(shop, db_file, customer(shop, db_file, name=f"Cust {n}"), "150.00", date(2026, 11, 26))


def test_a_dry_run_then_a_real_run_the_same_day_sends_to_everyone_due(db_file, shop):
    three_overdue(shop, db_file)
    preview = reminders.run_reminders(root_at(db_file), today=TODAY, now=NOW, shop=shop["username"], dry_run=True)
    assert preview["preview"] and preview["dry_run"]
    assert [w["to_send"] for w in preview["would"]] == [3]
    assert all(m["message_text"].startswith("Namaste") and "•" in m["phone"] for m in preview["would_send"])
    assert outbox(db_file) == []  # nothing recorded
    notifier = OutboxNotifier()
    real = run(db_file, shop, TODAY, notifier, now=NOW)
    assert real["totals"]["simulated"] == 3 and len(notifier.messages) == 3


def test_a_dry_run_is_not_an_earlier_ladder_step(db_file, shop):
    """Day 1 previewed only: the day-1 reminder is still owed and goes out, caught up, on day 2."""
    three_overdue(shop, db_file)
    reminders.run_reminders(root_at(db_file), today=TODAY, now=NOW, shop=shop["username"], dry_run=True)
    day2 = run(db_file, shop, TODAY + timedelta(days=1), now=NOW + timedelta(days=1))
    assert day2["totals"]["simulated"] == 3


def test_two_dry_runs_change_nothing_not_even_housekeeping(db_file, shop):
    three_overdue(shop, db_file)
    loan(shop, db_file, customer(shop, db_file, name="Queued"), "90.00", date(2026, 11, 20))
    reminders.plan_shop(root_at(db_file), shop["shop_id"], today=TODAY, now=NOW)  # queued, then the run stopped
    before = stored(db_file)
    first = reminders.run_reminders(root_at(db_file), today=TODAY, now=NOW, shop=shop["username"], dry_run=True)
    second = reminders.run_reminders(root_at(db_file), today=TODAY, now=NOW, shop=shop["username"], dry_run=True)
    assert stored(db_file) == before
    assert first["would"] == second["would"] and first["would_send"] == second["would_send"]
    # what a real run would send now includes the rows already queued for the day
    assert first["would"][0]["to_send"] == 4
    later = NOW + timedelta(days=2)  # a preview never marks old 'queued' rows skipped
    reminders.run_reminders(root_at(db_file), now=later, shop=shop["username"], dry_run=True)
    assert stored(db_file) == before


def test_a_run_without_credentials_is_the_days_reminder(db_file, shop):
    """Not a preview: the outbox notifier's rows are 'simulated' and a second run sends nothing."""
    three_overdue(shop, db_file)
    notifier = OutboxNotifier()
    assert run(db_file, shop, TODAY, notifier, now=NOW)["totals"]["simulated"] == 3
    preview = reminders.run_reminders(root_at(db_file), today=TODAY, now=NOW, shop=shop["username"], dry_run=True)
    assert preview["would"][0]["to_send"] == 0 and preview["totals"]["simulated"] == 3


def test_a_typed_run_date_is_today_or_yesterday_at_the_shop(db_file, shop):
    coast = make_shop(db_file, "coastshop", timezone_name="America/Los_Angeles")
    shops = reminders.list_shops(root_at(db_file), None)
    eight_ist = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # the 27th in India, the 26th in California
    reminders.check_run_date(date(2026, 11, 26), shops, eight_ist)  # yesterday in India, today on the coast
    with pytest.raises(ValidationError, match="Run date 2026-11-27 is not allowed for Ravi Kirana"):
        reminders.check_run_date(date(2026, 11, 27), shops[::-1], eight_ist)  # not yet the 27th on the coast
    with pytest.raises(ValidationError, match=r"shop's today \(2026-11-27\).*yesterday \(2026-11-26\)"):
        reminders.check_run_date(date(2026, 11, 25), shops[:1], eight_ist)
    assert coast["shop_id"] in {s["shop_id"] for s in shops}


def test_a_refused_run_date_writes_nothing(db_file, shop):
    three_overdue(shop, db_file)
    loan(shop, db_file, customer(shop, db_file, name="Stale"), "80.00", date(2026, 11, 20))
    reminders.plan_shop(root_at(db_file), shop["shop_id"], today=TODAY - timedelta(days=5), now=NOW - timedelta(days=5))
    before = stored(db_file)
    for day in (date(2199, 12, 31), TODAY + timedelta(days=1), TODAY - timedelta(days=2)):
        with pytest.raises(ValidationError, match="is not allowed"):
            reminders.run_reminders(root_at(db_file), today=day, now=NOW, check_today=True, notifier=OutboxNotifier())
    assert stored(db_file) == before  # not even the housekeeping ran
    catch_up = run(db_file, shop, TODAY - timedelta(days=1), now=NOW, check_today=True)  # yesterday is allowed
    assert catch_up["prepared"]["expired"] == 1 and catch_up["totals"]["selected"] == 1
