"""The ladder (``khata.reminders.ladder``): which reminder a customer is due on a day."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from khata import accounts, reminders
from tests.conftest import make_shop
from tests.roots import OWNER, root_at

from .helpers import NOW, customer, eight_am, loan, outbox, run


def test_ladder_step_rule():
    days = (-1, 1, 3, 7, 14, 30)
    hits = [d for d in range(-5, 60) if reminders.is_ladder_day(d, days, 7)]
    assert hits == [-1, 1, 3, 7, 14, 30, 37, 44, 51, 58]
    assert [d for d in range(1, 40) if reminders.is_ladder_day(d, (2, 5), 0)] == [2, 5]
    assert reminders.overdue_step(2, days, 7) == 1
    assert reminders.overdue_step(0, days, 7) is None


@pytest.mark.parametrize("grace", [0, 3])
def test_ladder_day_by_day_over_40_days(db_file, shop, grace):
    cust = customer(shop, db_file)
    due = date(2026, 10, 1)
    loan(shop, db_file, cust, "850.00", due, grace=grace, issued=date(2026, 9, 20))
    end_of_grace = due + timedelta(days=grace)
    sent_on = []
    for offset in range(-3, 41):
        day = end_of_grace + timedelta(days=offset)
        plan = reminders.plan_shop(root_at(db_file), shop["shop_id"], today=day, now=eight_am(day))
        assert plan["selected"] in (0, 1)  # never more than one a day
        if plan["selected"]:
            sent_on.append(offset)
    assert reminders.plan_shop(root_at(db_file), shop["shop_id"], today=day, now=eight_am(day))["selected"] == 0
    assert sent_on == [-1, 1, 3, 7, 14, 30, 37]
    rows = outbox(db_file)
    assert [r["kind"] for r in rows] == ["due_soon"] + ["overdue"] * 6
    assert [r["ladder_day"] for r in rows] == [-1, 1, 3, 7, 14, 30, 37]
    assert [r["reminder_date"] for r in rows] == [end_of_grace + timedelta(days=d) for d in sent_on]


def test_shop_settings_change_the_ladder_or_turn_it_off(db_file, shop):
    cust = customer(shop, db_file)
    due = date(2026, 10, 1)
    loan(shop, db_file, cust, "500.00", due)
    root_at(db_file).write(shop["shop_id"], OWNER, accounts.update_settings, reminder_days="2, 5",
                           reminder_repeat_days=0)
    sent = []
    for offset in range(0, 20):
        day = due + timedelta(days=offset)
        if run(db_file, shop, day)["totals"]["simulated"]:
            sent.append(offset)
    assert sent == [2, 5]
    root_at(db_file).write(shop["shop_id"], OWNER, accounts.update_settings, reminders_enabled=False, reminder_days="1")
    assert run(db_file, shop, due + timedelta(days=1) + timedelta(days=30))["totals"]["selected"] == 0


def test_a_missed_ladder_day_is_caught_up_once(db_file, shop):
    cust = customer(shop, db_file)
    due = date(2026, 10, 1)
    loan(shop, db_file, cust, "500.00", due)
    sent = []
    for offset in (1, 2, 4, 5, 6, 7, 8):  # the computer was off on day 3
        if run(db_file, shop, due + timedelta(days=offset))["totals"]["simulated"]:
            sent.append(offset)
    assert sent == [1, 4, 7]


def test_grace_days_delay_the_first_overdue_reminder(db_file, shop):
    cust = customer(shop, db_file)
    loan(shop, db_file, cust, "300.00", date(2026, 11, 20), grace=6)
    assert reminders.plan_shop(root_at(db_file), shop["shop_id"], today=date(2026, 11, 26), now=NOW)["selected"] == 0
    plan = reminders.plan_shop(root_at(db_file), shop["shop_id"], today=date(2026, 11, 27), now=NOW)
    assert plan["selected"] == 1
    row = outbox(db_file)[0]
    assert (row["kind"], row["ladder_day"], row["oldest_due_date"]) == ("overdue", 1, date(2026, 11, 20))


def test_time_zone_edges_use_each_shops_local_date(db_file):
    india = make_shop(db_file, "indiashop")
    coast = make_shop(db_file, "coastshop", timezone_name="America/Los_Angeles")
    for s in (india, coast):
        s["username"] = s["username"]
        loan(s, db_file, customer(s, db_file), "400.00", date(2026, 11, 26), issued=date(2026, 11, 1))
    # 23:59 in India on the 26th: the loan is due that day, not overdue, and the ladder has no day 0.
    just_before = datetime(2026, 11, 26, 18, 29, tzinfo=UTC)
    plan = reminders.plan_shop(root_at(db_file), india["shop_id"], now=just_before)
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 26), 0)
    # 00:01 in India on the 27th: day 1 overdue.
    just_after = datetime(2026, 11, 26, 18, 31, tzinfo=UTC)
    plan = reminders.plan_shop(root_at(db_file), india["shop_id"], now=just_after)
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 27), 1)
    # 8:00 in India is still the 26th in California: nothing for the coast shop yet.
    eight_ist = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)
    plan = reminders.plan_shop(root_at(db_file), coast["shop_id"], now=eight_ist)
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 26), 0)
    plan = reminders.plan_shop(root_at(db_file), coast["shop_id"], now=eight_ist + timedelta(hours=22))
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 27), 1)
