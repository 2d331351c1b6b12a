"""Overdue reminders: who is selected (ladder, grace, time zones, opt-out), the message,
one row per customer per day, and what a crash leaves behind."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from khata import accounts, customers, db, loans, reminders, repayments
from khata.errors import NotFound, ValidationError
from khata.notify.outbox import OutboxNotifier
from tests.conftest import ROOT, make_shop

TODAY = date(2026, 11, 27)
PHONES = iter(f"98{n:08d}" for n in range(10000000, 10099999, 37))


def customer(shop, db_file, name="Asha Verma", **fields):
    fields.setdefault("credit_limit", "500000")
    return customers.create_customer(shop["shop_id"], name=name, phone=next(PHONES), path=db_file, **fields)


def loan(shop, db_file, cust, amount, due, *, grace=0, issued=None):
    issued = issued or min(due, date(2026, 9, 1))
    return loans.create_loan(shop["shop_id"], cust["customer_id"], amount=amount, item="Rice 5 kg",
                             issue_date=issued, due_date=due, grace_days=grace, today=max(issued, due),
                             path=db_file)


def outbox(db_file, **where):
    clause = " AND ".join(f"{k} = ?" for k in where) or "TRUE"
    with db.connect(db_file) as con:
        return db.rows_as_dicts(con.execute(
            f"SELECT * FROM reminder_outbox WHERE {clause} ORDER BY reminder_date, customer_id", list(where.values())))


def run(db_file, shop, day, notifier=None, **kw):
    notifier = notifier or OutboxNotifier()
    return reminders.run_reminders(today=day, shop=shop["username"], notifier=notifier, path=db_file, **kw)


# ---- the ladder ------------------------------------------------------------------------

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
        plan = reminders.plan_shop(shop["shop_id"], today=day, path=db_file)
        assert plan["selected"] in (0, 1)  # never more than one a day
        if plan["selected"]:
            sent_on.append(offset)
    assert reminders.plan_shop(shop["shop_id"], today=day, path=db_file)["selected"] == 0
    assert sent_on == [-1, 1, 3, 7, 14, 30, 37]
    rows = outbox(db_file)
    assert [r["kind"] for r in rows] == ["due_soon"] + ["overdue"] * 6
    assert [r["ladder_day"] for r in rows] == [-1, 1, 3, 7, 14, 30, 37]
    assert [r["reminder_date"] for r in rows] == [end_of_grace + timedelta(days=d) for d in sent_on]


def test_shop_settings_change_the_ladder_or_turn_it_off(db_file, shop):
    cust = customer(shop, db_file)
    due = date(2026, 10, 1)
    loan(shop, db_file, cust, "500.00", due)
    accounts.update_settings(shop["shop_id"], reminder_days="2, 5", reminder_repeat_days=0, path=db_file)
    sent = []
    for offset in range(0, 20):
        day = due + timedelta(days=offset)
        if run(db_file, shop, day)["totals"]["simulated"]:
            sent.append(offset)
    assert sent == [2, 5]
    accounts.update_settings(shop["shop_id"], reminders_enabled=False, reminder_days="1", path=db_file)
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
    assert reminders.plan_shop(shop["shop_id"], today=date(2026, 11, 26), path=db_file)["selected"] == 0
    plan = reminders.plan_shop(shop["shop_id"], today=date(2026, 11, 27), path=db_file)
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
    just_before = datetime(2026, 11, 26, 18, 29, tzinfo=timezone.utc)
    plan = reminders.plan_shop(india["shop_id"], now=just_before, path=db_file)
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 26), 0)
    # 00:01 in India on the 27th: day 1 overdue.
    just_after = datetime(2026, 11, 26, 18, 31, tzinfo=timezone.utc)
    plan = reminders.plan_shop(india["shop_id"], now=just_after, path=db_file)
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 27), 1)
    # 8:00 in India is still the 26th in California: nothing for the coast shop yet.
    eight_ist = datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)
    plan = reminders.plan_shop(coast["shop_id"], now=eight_ist, path=db_file)
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 26), 0)
    plan = reminders.plan_shop(coast["shop_id"], now=eight_ist + timedelta(hours=22), path=db_file)
    assert (plan["reminder_date"], plan["selected"]) == (date(2026, 11, 27), 1)


def test_several_overdue_loans_fold_into_one_message(db_file, shop):
    accounts.update_settings(shop["shop_id"], upi_id="ravi.kirana@okaxis", path=db_file)
    cust = customer(shop, db_file, name="Farhan Khan")
    first = loan(shop, db_file, cust, "100000.00", date(2026, 11, 20))
    loan(shop, db_file, cust, "23000.00", date(2026, 11, 24))
    loan(shop, db_file, cust, "956.50", date(2026, 11, 26))
    loan(shop, db_file, cust, "700.00", date(2026, 12, 20), issued=date(2026, 11, 20))  # not yet due
    repayments.record_repayment(shop["shop_id"], first["loan_id"], amount="500.00", paid_on=date(2026, 11, 25),
                                today=TODAY, path=db_file)
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


def shop_name(db_file, shop):
    return accounts.get_settings(shop["shop_id"], path=db_file)["name"]


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


def test_upi_link_is_escaped():
    link = reminders.upi_link("sharma.kirana-1@okaxis", "Sharma & Sons Kirana", Decimal("1234.5"),
                              "Khata Ravi+Meena #2")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("upi", "pay")
    params = dict(parse_qsl(parts.query))  # a raw & or space in a value would break this apart
    assert params == {"pa": "sharma.kirana-1@okaxis", "pn": "Sharma & Sons Kirana", "am": "1234.50",
                      "cu": "INR", "tn": "Khata Ravi+Meena #2"}
    assert " " not in link and "&S" not in link
    assert parts.query.split("&")[1] == "pn=Sharma%20%26%20Sons%20Kirana"
    assert unquote(parts.query.split("&")[4]) == "tn=Khata Ravi+Meena #2"


def test_opted_out_and_invalid_numbers_are_skipped_not_sent(db_file, shop):
    out = customer(shop, db_file, name="Opted Out", whatsapp_opt_out=True)
    bad = customer(shop, db_file, name="Not On WhatsApp")
    ok = customer(shop, db_file, name="Reachable")
    for c in (out, bad, ok):
        loan(shop, db_file, c, "200.00", date(2026, 11, 26))
    db.write(lambda con: con.execute("UPDATE customers SET whatsapp_invalid = TRUE WHERE customer_id = ?",
                                     [bad["customer_id"]]), db_file)
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
    repayments.record_repayment(shop["shop_id"], l1["loan_id"], amount="200.00", paid_on=TODAY, today=TODAY,
                                path=db_file)
    rev = customer(shop, db_file, name="Reversed")
    l2 = loan(shop, db_file, rev, "300.00", date(2026, 11, 26))
    loans.reverse_loan(shop["shop_id"], l2["loan_id"], reason="entered twice", today=TODAY, path=db_file)
    assert run(db_file, shop, TODAY)["totals"]["selected"] == 0


# ---- once per day, and crashes ------------------------------------------------------------

def test_second_run_on_the_same_day_sends_nothing(db_file, shop):
    for n in range(3):
        loan(shop, db_file, customer(shop, db_file, name=f"Cust {n}"), "150.00", date(2026, 11, 26))
    notifier = OutboxNotifier()
    first = run(db_file, shop, TODAY, notifier)
    assert first["totals"]["simulated"] == 3 and len(notifier.messages) == 3
    second = run(db_file, shop, TODAY, notifier)
    assert len(notifier.messages) == 3
    assert second["totals"]["simulated"] == 3  # the day's totals, unchanged
    assert len(outbox(db_file)) == 3


CRASH_SCRIPT = textwrap.dedent("""
    import os, sys
    from datetime import date
    sys.path.insert(0, {root!r})
    from khata import reminders
    plan = reminders.plan_shop({shop_id}, today=date(2026, 11, 27), path={path!r})
    rows = reminders.claim({{plan["shop_id"]: plan["reminder_date"]}}, run_id="crashed-run", path={path!r})
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
    soon = datetime.now(timezone.utc) + timedelta(minutes=1)
    result = run(db_file, shop, TODAY, notifier, now=soon)
    assert notifier.messages == [] and {r["status"] for r in outbox(db_file)} == {"sending"}
    # ... and after the lease they are 'unknown': visible to the operator, still never resent.
    later = soon + timedelta(seconds=reminders.STALE_AFTER_S + 60)
    result = run(db_file, shop, TODAY, notifier, now=later)
    assert notifier.messages == []
    assert result["prepared"]["unknown"] == 2 and result["totals"]["unknown"] == 2
    rows = outbox(db_file)
    assert {r["status"] for r in rows} == {"unknown"}
    assert all("may or may not" in r["error_message"] for r in rows)
    assert run(db_file, shop, TODAY + timedelta(days=1), notifier, now=later)["totals"]["selected"] == 0
    assert notifier.messages == []


def test_queued_rows_from_a_past_day_are_not_sent_late(db_file, shop):
    loan(shop, db_file, customer(shop, db_file), "150.00", date(2026, 11, 26))
    reminders.plan_shop(shop["shop_id"], today=TODAY, path=db_file)  # queued, then the run stopped
    notifier = OutboxNotifier()
    next_morning = datetime(2026, 11, 28, 2, 30, tzinfo=timezone.utc)
    result = run(db_file, shop, None, notifier, now=next_morning)
    assert result["prepared"]["expired"] == 1 and notifier.messages == []
    assert outbox(db_file)[0]["status"] == "skipped"


# ---- for the dashboard -------------------------------------------------------------------

def test_reminder_log_and_upcoming(db_file, shop, other_shop):
    asha = customer(shop, db_file, name="Asha")
    loan(shop, db_file, asha, "150.00", date(2026, 11, 26))
    bina = customer(shop, db_file, name="Bina")
    loan(shop, db_file, bina, "990.00", date(2026, 11, 28), issued=date(2026, 11, 1))
    loan(other_shop, db_file, customer(other_shop, db_file), "75.00", date(2026, 11, 26))

    upcoming = reminders.upcoming_reminders(shop["shop_id"], today=TODAY, path=db_file)
    # tomorrow (28th): Asha's day-1 reminder has not gone out yet, so it is caught up tomorrow
    assert [(u["customer_name"], u["kind"], u["ladder_day"]) for u in upcoming] == [("Asha", "overdue", 2)]
    run(db_file, shop, TODAY)  # Asha gets her day-1 reminder today
    # tomorrow: Asha is on day 2 (no step), Bina is due that day (the ladder has no day 0)
    assert reminders.upcoming_reminders(shop["shop_id"], today=TODAY, path=db_file) == []
    upcoming = reminders.upcoming_reminders(shop["shop_id"], today=date(2026, 11, 28), path=db_file)
    assert [(u["customer_name"], u["kind"], u["amount"]) for u in upcoming] == [
        ("Bina", "overdue", Decimal("990.00")), ("Asha", "overdue", Decimal("150.00"))]
    assert upcoming[0]["phone"].startswith("+91•••••") and upcoming[0]["will_send"]

    log = reminders.reminder_log(shop["shop_id"], path=db_file)
    assert [(e["customer_name"], e["kind"]) for e in log] == [("Asha", "overdue"), ("Bina", "due_soon")]
    entry = log[0]
    for key in ("customer_id", "customer_name", "reminder_date", "kind", "amount", "status", "error_code",
                "error_message", "message_sid", "sent_at", "message_text"):
        assert key in entry
    assert (entry["customer_name"], entry["status"], entry["amount"]) == ("Asha", "simulated", Decimal("150.00"))
    assert reminders.reminder_log(shop["shop_id"], status="failed", path=db_file) == []
    assert reminders.reminder_log(shop["shop_id"], date_from="2026-11-28", path=db_file) == []
    assert reminders.reminder_log(other_shop["shop_id"], path=db_file) == []  # nothing leaks across shops
    with pytest.raises(ValidationError):
        reminders.reminder_log(shop["shop_id"], status="bogus", path=db_file)
    with pytest.raises(NotFound):
        reminders.reminder_log(999, path=db_file)
    with db.connect(db_file) as con:
        view = con.execute("SELECT shop_id, customer_id, reminder_date, kind, amount, status, error_code,"
                           " message_sid, sent_at FROM reminder_log").fetchall()
    assert len(view) == 2


OPENER = "import sys, duckdb; duckdb.connect(sys.argv[1]).close(); print('opened')"


class ProbeNotifier(OutboxNotifier):
    """While 'sending', another process must be able to open the file: we hold no connection."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.probes = []

    def send(self, message):
        if not self.probes:
            proc = subprocess.run([sys.executable, "-c", OPENER, str(self.path)], capture_output=True, text=True,
                                  timeout=60)
            self.probes.append((proc.returncode, proc.stdout.strip(), proc.stderr[-300:]))
        return super().send(message)


def test_no_database_connection_is_held_while_sending(db_file, shop):
    loan(shop, db_file, customer(shop, db_file), "150.00", date(2026, 11, 26))
    notifier = ProbeNotifier(db_file)
    with db.connect(db_file):  # the probe itself can tell a held file: prove it once
        proc = subprocess.run([sys.executable, "-c", OPENER, str(db_file)], capture_output=True, text=True,
                              timeout=60)
    assert proc.returncode != 0 and "lock" in proc.stderr.lower()
    run(db_file, shop, TODAY, notifier)
    assert notifier.probes == [(0, "opened", "")] or notifier.probes[0][:2] == (0, "opened")


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(payee=st.text(min_size=1, max_size=50).filter(lambda s: "\x00" not in s),
       note=st.text(min_size=1, max_size=50).filter(lambda s: "\x00" not in s),
       paise=st.integers(min_value=1, max_value=10_000_000_000))
def test_upi_link_round_trips_any_text(payee, note, paise):
    amount = Decimal(paise) / 100
    link = reminders.upi_link("shop.name-1@okaxis", payee, amount, note)
    assert " " not in link and "\n" not in link
    pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    assert [k for k, _ in pairs] == ["pa", "pn", "am", "cu", "tn"]
    values = dict(pairs)
    assert (values["pn"], values["tn"], values["cu"]) == (payee, note, "INR")
    assert Decimal(values["am"]) == amount and len(values["am"].split(".")[1]) == 2


def test_many_shops_are_planned_in_one_unit_of_work_with_the_same_answer(db_file):
    """plan_shops (one ledger query per local date) selects exactly what shop-by-shop selection does."""
    shops = [make_shop(db_file), make_shop(db_file), make_shop(db_file, timezone_name="America/New_York")]
    for n, shop in enumerate(shops):
        for k in range(3):
            cust = customer(shop, db_file, name=f"C{n}{k}")
            loan(shop, db_file, cust, "100.00", TODAY - timedelta(days=(1, 3, 7)[k] + n))
    accounts.update_settings(shops[1]["shop_id"], reminder_days="1, 4, 8", path=db_file)
    with db.connect(db_file) as con:
        rows = [db.rows_as_dicts(con.execute("SELECT * FROM shops WHERE shop_id = ?", [s["shop_id"]]))[0]
                for s in shops]
        days = {r["shop_id"]: TODAY - timedelta(days=1 if r["timezone"] != "Asia/Kolkata" else 0) for r in rows}
        together = reminders.select_due_many(con, rows, days)
        alone = {r["shop_id"]: reminders.select_due(con, r, days[r["shop_id"]]) for r in rows}
    assert together == alone
    assert sum(len(v) for v in together.values()) >= 4  # the ladders really selected people
    now = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)  # 08:30 IST, 22:00 the day before in New York
    plans = reminders.plan_shops([s["shop_id"] for s in shops], now=now, path=db_file)
    assert [p["reminder_date"] for p in plans] == [TODAY, TODAY, TODAY - timedelta(days=1)]
    assert [p["selected"] for p in plans] == [len(together[s["shop_id"]]) if s is not shops[2] else p["selected"]
                                             for s, p in zip(shops, plans)]
    assert len(outbox(db_file)) == sum(p["selected"] for p in plans)
    assert sum(p["selected"] for p in reminders.plan_shops([s["shop_id"] for s in shops], now=now,
                                                           path=db_file)) == 0
