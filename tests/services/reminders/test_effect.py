"""Do reminders work? The ``reminder_effect`` view and ``khata.reminders.effect`` on a hand-built
book whose answers are known: who paid within 1, 3 and 7 days and how much, by channel and by
ladder step, against the customers who were overdue but not reminded."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from khata import customers, loans, reminders, repayments
from khata.errors import ValidationError
from tests.roots import OWNER, root_at

DAY = date(2026, 11, 10)                 # the reminder day
TODAY = date(2026, 11, 27)               # the 7-day window of DAY has closed
D = Decimal


def _customer(sid, db_file, name, phone, amount="1000", due=date(2026, 11, 1)):
    c = root_at(db_file).write(sid, OWNER, customers.create_customer, name=name, phone=phone, credit_limit="50000")
    sale = root_at(db_file).write(sid, OWNER, loans.create_loan, c["customer_id"], amount=amount, item="Rice",
                                  issue_date=date(2026, 10, 15), due_date=due, today=TODAY)
    return c["customer_id"], sale["loan_id"]


def _pay(sid, db_file, loan_id, amount, on):
    done = root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan_id, amount=amount, paid_on=on,
                                  today=TODAY)
    return done["repayments"][0]["repayment_id"]


def _remind(db_file, sid, cid, channel, status, ladder_day, day=DAY, kind="overdue"):
    root_at(db_file).in_transaction(lambda con: con.execute(
        "INSERT INTO reminder_outbox (shop_id, customer_id, reminder_date, reminder_id, kind, ladder_day, amount,"
        " loan_count, phone, message_text, channel, status, created_at)"
        " VALUES (?, ?, ?, nextval('reminder_id_seq'), ?, ?, 100, 1, '+919800000000', 'Please pay', ?, ?,"
        " ?)", [sid, cid, day, kind, ladder_day, channel, status, datetime(2026, 11, 10, 2, 30, tzinfo=UTC)]))


@pytest.fixture
def built(db_file, shop, other_shop):
    sid = shop["shop_id"]
    a, a_loan = _customer(sid, db_file, "A auto", "9845000001")
    for amount, on in (("200", DAY), ("300", date(2026, 11, 12)), ("100", date(2026, 11, 16)),
                       ("50", date(2026, 11, 17))):                 # the last is day 8: outside
        _pay(sid, db_file, a_loan, amount, on)
    _remind(db_file, sid, a, "whatsapp", "delivered", 7)
    b, b_loan = _customer(sid, db_file, "B by hand", "9845000002", amount="800")
    _pay(sid, db_file, b_loan, "400", date(2026, 11, 13))            # day 4
    wrong = _pay(sid, db_file, b_loan, "100", DAY)                   # reversed: never counts
    root_at(db_file).write(sid, OWNER, repayments.reverse_repayment, wrong, reason="typed twice", today=TODAY)
    _remind(db_file, sid, b, "whatsapp_manual", "opened", 7)
    c, _ = _customer(sid, db_file, "C sms", "9845000003", amount="500")
    _remind(db_file, sid, c, "sms_manual", "opened", 3)
    d, d_loan = _customer(sid, db_file, "D failed", "9845000004", amount="600")
    _pay(sid, db_file, d_loan, "600", date(2026, 11, 11))            # day 2
    _remind(db_file, sid, d, "whatsapp", "failed", 7)                # not a real reminder: control
    e, _ = _customer(sid, db_file, "E simulated", "9845000005", amount="300")
    _remind(db_file, sid, e, "whatsapp", "simulated", 7)             # control, paid nothing
    f, f_loan = _customer(sid, db_file, "F nobody", "9845000006", amount="300")
    _pay(sid, db_file, f_loan, "100", DAY)                           # control, day 1
    g, g_loan = _customer(sid, db_file, "G not yet due", "9845000007", due=date(2026, 11, 20))
    _pay(sid, db_file, g_loan, "50", DAY)                            # not overdue that day: in no group
    h, h_loan = _customer(sid, db_file, "H paid up", "9845000008", amount="100")
    _pay(sid, db_file, h_loan, "100", date(2026, 11, 5))             # nothing overdue on DAY
    i, i_loan = _customer(sid, db_file, "I reversed sale", "9845000009")
    root_at(db_file).write(sid, OWNER, loans.reverse_loan, i_loan, reason="wrong customer", today=TODAY)
    # another shop, same day: never mixed in
    o, o_loan = _customer(other_shop["shop_id"], db_file, "Other", "9845000001")
    _pay(other_shop["shop_id"], db_file, o_loan, "999", DAY)
    _remind(db_file, other_shop["shop_id"], o, "whatsapp", "read", 7)
    return sid


def test_the_view_row_by_row(db_file, built):
    rows = root_at(db_file).on_connection(lambda con: con.execute(
        "SELECT cohort, channel, ladder_step, customers, paid_1d, paid_3d, paid_7d, amount_1d, amount_3d, amount_7d"
        " FROM reminder_effect WHERE shop_id = ? ORDER BY cohort, channel", [built]).fetchall())
    assert rows == [
        ("not reminded", None, None, 3, 1, 2, 2, D("100.00"), D("700.00"), D("700.00")),
        ("reminded", "sms_manual", 3, 1, 0, 0, 0, D("0.00"), D("0.00"), D("0.00")),
        ("reminded", "whatsapp", 7, 1, 1, 1, 1, D("200.00"), D("500.00"), D("600.00")),
        ("reminded", "whatsapp_manual", 7, 1, 0, 0, 1, D("0.00"), D("0.00"), D("400.00")),
    ]


def test_by_channel_with_everyone_reminded_and_the_control_group(db_file, built):
    rows = root_at(db_file).read(built, OWNER, reminders.reminder_effect, today=TODAY)
    assert [(r["label"], r["customers"], r["paid_1d"], r["paid_3d"], r["paid_7d"], r["amount_7d"]) for r in rows] == [
        ("SMS by hand", 1, 0, 0, 0, D("0.00")),
        ("Automatic WhatsApp", 1, 1, 1, 1, D("600.00")),
        ("WhatsApp by hand", 1, 0, 0, 1, D("400.00")),
        ("All reminded", 3, 1, 1, 2, D("1000.00")),
        ("Not reminded (overdue)", 3, 1, 2, 2, D("700.00")),
    ]
    everyone, control = rows[-2], rows[-1]
    assert (everyone["share_1d"], everyone["share_7d"]) == (D("33.3"), D("66.7"))
    assert (control["share_3d"], control["amount_1d"], control["amount_3d"]) == (D("66.7"), D("100.00"),
                                                                                   D("700.00"))
    assert control["reminded"] is False and everyone["reminded"] is True


def test_by_ladder_step(db_file, built):
    rows = root_at(db_file).read(built, OWNER, reminders.reminder_effect, by="ladder_step", today=TODAY)
    assert [(r["label"], r["customers"], r["paid_7d"], r["amount_3d"], r["amount_7d"]) for r in rows] == [
        ("3 day(s) overdue", 1, 0, D("0.00"), D("0.00")),
        ("7 day(s) overdue", 2, 2, D("500.00"), D("1000.00")),
        ("All reminded", 3, 2, D("500.00"), D("1000.00")),
        ("Not reminded (overdue)", 3, 2, D("700.00"), D("700.00")),
    ]


def test_a_window_still_open_is_not_counted_and_bad_grouping_is_refused(db_file, built):
    assert root_at(db_file).read(built, OWNER, reminders.reminder_effect, today=date(2026, 11, 16)) == []
    assert root_at(db_file).read(built, OWNER, reminders.reminder_effect, today=date(2026, 11, 17)) != []
    with pytest.raises(ValidationError):
        root_at(db_file).read(built, OWNER, reminders.reminder_effect, by="phone; DROP TABLE loans", today=TODAY)


def test_across_shops_for_the_daily_run(db_file, built, other_shop):
    now = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)
    rows = reminders.effect_for_shops(root_at(db_file), [built, other_shop["shop_id"]], now=now)
    by_label = {r["label"]: r for r in rows}
    assert by_label["Automatic WhatsApp"]["customers"] == 2
    assert by_label["Automatic WhatsApp"]["amount_1d"] == D("1199.00")     # 200 here + 999 in the other shop
    assert by_label["Not reminded (overdue)"]["customers"] == 3
    assert reminders.effect_for_shops(root_at(db_file), [other_shop["shop_id"]], now=now)[0]["amount_7d"] == D("999.00")
    assert reminders.effect_for_shops(root_at(db_file), [], now=now) == []


def test_catch_ups_count_at_the_configured_step_and_before_due_is_its_own_group(db_file, shop):
    """Ladder 1, 3, 7, 14, 30, then every 7 days. Reminders sent on days 7, 8, 9 (two caught up)
    are all step 7; day 16 is step 14; days 44 and 46 are the repeat step 44 (30 + 2 x 7). A
    courtesy reminder the day before the due date is its own group, outside 'all reminded'."""
    sid = shop["shop_id"]
    root = root_at(db_file)
    days_overdue = {"s7a": 7, "s7b": 8, "s7c": 9, "s14": 16, "s44a": 44, "s44b": 46}
    for n, (name, overdue) in enumerate(days_overdue.items()):
        cid, loan_id = _customer(sid, db_file, name, f"98450001{n:02d}", amount="700")
        _remind(db_file, sid, cid, "whatsapp", "delivered", overdue)
        if name in ("s7a", "s7c"):
            _pay(sid, db_file, loan_id, "70", DAY)                  # day 1
    soon, soon_loan = _customer(sid, db_file, "soon", "9845000199", amount="500", due=date(2026, 11, 11))
    _remind(db_file, sid, soon, "whatsapp", "delivered", -1, kind="due_soon")
    _pay(sid, db_file, soon_loan, "500", date(2026, 11, 12))          # day 3
    rows = root.read(sid, OWNER, reminders.reminder_effect, by="ladder_step", today=TODAY)
    assert [(r["label"], r["customers"], r["paid_1d"], r["paid_3d"], r["amount_7d"]) for r in rows] == [
        ("7 day(s) overdue", 3, 2, 2, D("140.00")),
        ("14 day(s) overdue", 1, 0, 0, D("0.00")),
        ("44 day(s) overdue", 2, 0, 0, D("0.00")),
        ("All reminded", 6, 2, 2, D("140.00")),
        ("1 day(s) before due", 1, 0, 1, D("500.00")),
    ]
    assert rows[-1].get("before_due") is True and "before_due" not in rows[3]
    by_channel = root.read(sid, OWNER, reminders.reminder_effect, today=TODAY)
    assert [(r["label"], r["customers"]) for r in by_channel] == [
        ("Automatic WhatsApp", 6), ("Reminded before the due date", 1)]
    # the shop's own ladder decides the steps: with 2, 10 and no repeat, days 7-9 are step 2
    root.write(sid, OWNER, __import__("khata").accounts.update_settings, reminder_days="2, 10",
               reminder_repeat_days=0)
    rows = root.read(sid, OWNER, reminders.reminder_effect, by="ladder_step", today=TODAY)
    assert [(r["label"], r["customers"]) for r in rows][:2] == [("2 day(s) overdue", 3), ("10 day(s) overdue", 3)]


def test_the_view_tells_who_opened_their_page_link(db_file, built, shop):
    """A reminded customer who opened their own page in the reminder's window is in a
    ``link_opened`` group of their own; the control group has no such flag."""
    sid = shop["shop_id"]
    root = root_at(db_file)
    a = root.on_connection(lambda con: con.execute(
        "SELECT customer_id FROM customers WHERE shop_id = ? AND name = 'A auto'", [sid]).fetchone()[0])
    root.in_transaction(lambda con: con.execute(
        "INSERT INTO link_openings (shop_id, customer_id, opened_at, link_hash) VALUES (?, ?, ?, 'x')",
        [sid, a, datetime(2026, 11, 11, 6, 0, tzinfo=UTC)]))    # day 2 of DAY's window
    rows = root.on_connection(lambda con: con.execute(
        "SELECT cohort, channel, link_opened, customers FROM reminder_effect WHERE shop_id = ?"
        " ORDER BY cohort, channel", [sid]).fetchall())
    assert rows == [
        ("not reminded", None, None, 3),
        ("reminded", "sms_manual", False, 1),
        ("reminded", "whatsapp", True, 1),
        ("reminded", "whatsapp_manual", False, 1),
    ]
