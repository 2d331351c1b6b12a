"""Selection (``khata.reminders.selection``): who is due, folded per customer, skipped or left out."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from khata import accounts, db, loans, reminders, repayments
from khata.notify.outbox import OutboxNotifier
from tests.conftest import make_shop
from tests.roots import OWNER, root_at

from .helpers import TODAY, customer, loan, outbox, run, shop_name


def test_several_overdue_loans_fold_into_one_message(db_file, shop):
    root_at(db_file).write(shop["shop_id"], OWNER, accounts.update_settings, upi_id="ravi.kirana@okaxis")
    cust = customer(shop, db_file, name="Farhan Khan")
    first = loan(shop, db_file, cust, "100000.00", date(2026, 11, 20))
    loan(shop, db_file, cust, "23000.00", date(2026, 11, 24))
    loan(shop, db_file, cust, "956.50", date(2026, 11, 26))
    loan(shop, db_file, cust, "700.00", date(2026, 12, 20), issued=date(2026, 11, 20))  # not yet due
    root_at(db_file).write(shop["shop_id"], OWNER, repayments.record_repayment, first["loan_id"], amount="500.00",
                           paid_on=date(2026, 11,
                                                                                                             25),
                                                                                                                 today=TODAY)
    notifier = OutboxNotifier()
    result = run(db_file, shop, TODAY, notifier)
    assert result["totals"] == {"selected": 1, "sent": 0, "simulated": 1, "skipped": 0, "failed": 0, "unknown": 0}
    [row] = outbox(db_file)
    assert row["amount"] == Decimal("123456.50")
    assert (row["loan_count"], row["oldest_due_date"], row["ladder_day"]) == (3, date(2026, 11, 20), 7)
    [message] = notifier.messages
    assert message.body == row["message_text"]
    assert "Farhan Khan" in message.body and shop_name(db_file, shop) in message.body
    assert "₹1,23,456.50" in message.body and "20 Nov 2026" in message.body and "3 purchases" in message.body
    assert message.variables["3"] == "₹1,23,456.50" and message.variables["4"] == "20 Nov 2026"
    assert "am=123456.50" in message.body


def test_courtesy_reminder_the_day_before_it_is_due(db_file, shop):
    cust = customer(shop, db_file)
    loan(shop, db_file, cust, "250.00", date(2026, 11, 26), grace=2, issued=date(2026, 11, 10))
    loan(shop, db_file, cust, "99.00", date(2026, 12, 20), issued=date(2026, 11, 10))
    notifier = OutboxNotifier()
    run(db_file, shop, TODAY, notifier)
    [row] = outbox(db_file)
    assert (row["kind"], row["amount"], row["oldest_due_date"]) == ("due_soon", Decimal("250.00"), date(2026, 11, 28))
    assert "is due on 28 Nov 2026" in notifier.messages[0].body
    assert "Please pay at the shop" in notifier.messages[0].body  # no UPI ID, no link


def test_opted_out_and_invalid_numbers_are_skipped_not_sent(db_file, shop):
    out = customer(shop, db_file, name="Opted Out", whatsapp_opt_out=True)
    bad = customer(shop, db_file, name="Not On WhatsApp")
    ok = customer(shop, db_file, name="Reachable")
    for c in (out, bad, ok):
        loan(shop, db_file, c, "200.00", date(2026, 11, 26))
    root_at(db_file).in_transaction(lambda con: con.execute(
        "UPDATE customers SET whatsapp_invalid = TRUE WHERE customer_id = ?", [bad["customer_id"]]))
    notifier = OutboxNotifier()
    result = run(db_file, shop, TODAY, notifier)
    assert (result["totals"]["selected"], result["totals"]["simulated"], result["totals"]["skipped"]) == (3, 1, 2)
    assert [m.key[1] for m in notifier.messages] == [ok["customer_id"]]
    rows = {r["customer_id"]: r for r in outbox(db_file)}
    assert rows[out["customer_id"]]["status"] == "skipped"
    assert "opted out" in rows[out["customer_id"]]["error_message"]
    assert rows[bad["customer_id"]]["status"] == "skipped"
    assert "not on WhatsApp" in rows[bad["customer_id"]]["error_message"]


def test_paid_reversed_and_archived_are_not_reminded(db_file, shop):
    paid = customer(shop, db_file, name="Paid Up")
    l1 = loan(shop, db_file, paid, "200.00", date(2026, 11, 26))
    root_at(db_file).write(shop["shop_id"], OWNER, repayments.record_repayment, l1["loan_id"], amount="200.00",
                           paid_on=TODAY, today=TODAY)
    rev = customer(shop, db_file, name="Reversed")
    l2 = loan(shop, db_file, rev, "300.00", date(2026, 11, 26))
    root_at(db_file).write(shop["shop_id"], OWNER, loans.reverse_loan, l2["loan_id"], reason="entered twice",
                           today=TODAY)
    assert run(db_file, shop, TODAY)["totals"]["selected"] == 0


def test_many_shops_are_planned_in_one_unit_of_work_with_the_same_answer(db_file):
    """plan_shops (one ledger query per local date) selects exactly what shop-by-shop selection does."""
    shops = [make_shop(db_file), make_shop(db_file), make_shop(db_file, timezone_name="America/New_York")]
    for n, shop in enumerate(shops):
        for k in range(3):
            cust = customer(shop, db_file, name=f"C{n}{k}")
            loan(shop, db_file, cust, "100.00", TODAY - timedelta(days=(1, 3, 7)[k] + n))
    root_at(db_file).write(shops[1]["shop_id"], OWNER, accounts.update_settings, reminder_days="1, 4, 8")
    with root_at(db_file).connect() as con:
        rows = [db.rows_as_dicts(con.execute("SELECT * FROM shops WHERE shop_id = ?", [s["shop_id"]]))[0]
                for s in shops]
        days = {r["shop_id"]: TODAY - timedelta(days=1 if r["timezone"] != "Asia/Kolkata" else 0) for r in rows}
        together = reminders.select_due_many(con, rows, days)
        alone = {r["shop_id"]: reminders.select_due(con, r, days[r["shop_id"]]) for r in rows}
    assert together == alone
    assert sum(len(v) for v in together.values()) >= 4  # the ladders really selected people
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 08:30 IST, 22:00 the day before in New York
    plans = reminders.plan_shops(root_at(db_file), [s["shop_id"] for s in shops], now=now)
    assert [p["reminder_date"] for p in plans] == [TODAY, TODAY, TODAY - timedelta(days=1)]
    assert [p["selected"] for p in plans] == [len(together[s["shop_id"]]) if s is not shops[2] else p["selected"]
                                             for s, p in zip(shops, plans)]
    assert len(outbox(db_file)) == sum(p["selected"] for p in plans)
    assert sum(p["selected"] for p in reminders.plan_shops(root_at(db_file), [s["shop_id"] for s in shops],
                                                           now=now)) == 0
