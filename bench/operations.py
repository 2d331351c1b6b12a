"""The benchmarked operations: each one through the app's own services and the
baselines (bare-SQL floor, SQLite, N+1) on the same data, with how to compare
their answers. ``harness`` times them; ``report`` prints and stores the figures.
"""
from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from bench.roots import OWNER, root_at
from khata import customers as customers_svc
from khata import export as export_svc
from khata import importer, principals, reminders, reports
from khata import loans as loans_svc
from khata import repayments as repayments_svc

from . import floor, nplus1, sqlite_store
from .generate import AS_OF

# ---- the app's side ---------------------------------------------------------------------

SELECTION_APP_SQL = """
SELECT b.shop_id, b.customer_id, b.overdue, b.max_days_past_due
FROM customer_balances_for(NULL, ?) b JOIN shops s ON s.shop_id = b.shop_id
WHERE s.reminders_enabled AND b.overdue > 0 AND NOT b.whatsapp_opt_out AND NOT b.whatsapp_invalid
ORDER BY b.shop_id, b.customer_id
"""


def app_selection(path, as_of: date) -> tuple[str, Callable[[], list[tuple]]]:
    """The overdue customers of every shop in ONE set-based query through the ledger's
    own macro (one unit of work). This is the shape a reminder selection over all shops
    can have; the reminder service as written selects shop by shop (see
    ``reminders_select_due``), and its answer is a ladder-filtered subset of this one."""
    def run():
        return root_at(path).on_connection(lambda con: [(r[0], r[1], r[2], r[3]) for r in
                                    con.execute(SELECTION_APP_SQL, [as_of]).fetchall()])
    return ("one query over customer_balances_for(NULL, as_of)", run)


def app_reminder_selection(path, as_of: date) -> Callable[[], list[tuple]]:
    """The reminder service's own selection, shaped as the daily run does it:
    ``reminders.select_due_many`` over every shop in one unit of work (``plan_shops``
    minus writing the outbox, so every repetition selects the same customers)."""
    def run():
        shop_ids = [s["shop_id"] for s in reminders.list_shops(root_at(path), None)]

        def work(con):
            shops = reminders.shop_rows(con, shop_ids)
            due = reminders.select_due_many(con, shops, {sid: as_of for sid in shop_ids})
            return [(sid, d["customer_id"], d["kind"], d["amount"], d["skip_reason"])
                    for sid in shop_ids for d in due[sid]]
        return root_at(path).on_connection(work)
    return run


def summary_answer(s: dict) -> dict:
    keys = ("total_issued", "total_collected", "outstanding", "overdue_amount", "counts", "customers_overdue",
            "repayment_count", "aging")
    return {k: s[k] for k in keys}


# ---- what is measured -------------------------------------------------------------------

@dataclass
class Op:
    name: str
    approaches: dict[str, Callable[[int], object]]  # approach -> fn(run_index) -> answer
    reps: dict[str, int] = field(default_factory=dict)
    compare: Callable[[dict], str | None] | None = None  # answers -> None or a disagreement
    note: str = ""


@dataclass
class Context:
    scale: str
    path: Path
    sqlite_path: Path
    work: Path
    shop_id: int
    customer_id: int
    repay_loans: list[int]
    as_of: date = AS_OF
    next_shop: int = 0
    import_rows: int = 10_000
    reps: int | None = None  # override the repetitions (the tiny test uses 2)


def _equal(answers: dict, keys: tuple[str, ...]) -> str | None:
    present = [k for k in keys if k in answers]
    base = answers[present[0]]
    for k in present[1:]:
        if answers[k] != base:
            return f"{k} differs from {present[0]}"
    return None


def pick_subjects(path: Path) -> tuple[int, int, list[int]]:
    """The busiest shop, its busiest customer, and loans that can take many Rs 1 repayments."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        shop = con.execute("SELECT shop_id FROM loans GROUP BY shop_id ORDER BY count(*) DESC, shop_id LIMIT 1"
                           ).fetchone()[0]
        customer = con.execute("SELECT customer_id FROM loans WHERE shop_id = ? GROUP BY customer_id"
                               " ORDER BY count(*) DESC, customer_id LIMIT 1", [shop]).fetchone()[0]
        loans = [r[0] for r in con.execute(
            "SELECT loan_id FROM loan_balances_for(?, ?) WHERE outstanding >= 100 AND status <> 'reversed'"
            " ORDER BY loan_id DESC LIMIT 10", [shop, AS_OF]).fetchall()]
    finally:
        con.close()
    return shop, customer, loans


def _new_shop(ctx: Context) -> int:
    """A fresh shop in both stores for an import run (not timed)."""
    ctx.next_shop += 1
    shop_id = 1_000_000 + ctx.next_shop

    def work(con):
        con.execute("INSERT INTO shops (shop_id, name) VALUES (?, ?)", [shop_id, f"Import {shop_id}"])
    root_at(ctx.path).in_transaction(work)
    sqlite_store.add_shop(ctx.sqlite_path, shop_id)
    return shop_id


def make_csv(n: int = 10_000) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["name", "phone", "credit_limit", "notes"])
    for i in range(n):
        w.writerow([f"Import Customer {i}", f"98{(i * 7_919) % 100_000_000:08d}", "15000", "from the paper khata"])
    return out.getvalue()


def operations(ctx: Context, quick: bool) -> tuple[list[Op], dict]:
    """Every operation at this scale, and the lazily opened SQLite connection (``sq["con"]``) to close."""
    p, sp, sid, cid, as_of = ctx.path, ctx.sqlite_path, ctx.shop_id, ctx.customer_id, ctx.as_of
    reads = ctx.reps or (7 if quick else 15)
    n1_reps = 1 if ctx.scale == "platform" else min(3, reads)
    few = min(3, reads)
    sq = {}

    def sqlite_con():
        if "con" not in sq:
            sq["con"] = sqlite_store.connect(sp)
        return sq["con"]

    csv_text = make_csv(ctx.import_rows)
    csv_path = ctx.work / "customers_10k.csv"
    csv_path.write_text(csv_text)
    sel_name, sel_app = app_selection(p, as_of)
    rem_app = app_reminder_selection(p, as_of)
    repay = {"i": 0}

    def loan_for_run():
        repay["i"] += 1
        return ctx.repay_loans[repay["i"] % len(ctx.repay_loans)]

    def sqlite_import(_):
        shop = _new_shop(ctx)
        rows = [(r["name"], "+91" + "".join(ch for ch in r["phone"] if ch.isdigit()))
                for r in csv.DictReader(io.StringIO(csv_text))]
        return sqlite_store.import_customers(sp, shop, rows)

    def app_import(_):
        shop = _new_shop(ctx)
        return root_at(p).write(shop, principals.owner("bench"), importer.import_customers, csv_text.encode(),
                                today=as_of)["customers"]

    def floor_import(_):
        return floor.import_csv(p, _new_shop(ctx), csv_path)

    def nplus1_import(_):
        shop = _new_shop(ctx)
        con = duckdb.connect(str(p))
        try:
            con.begin()
            for r in csv.DictReader(io.StringIO(csv_text)):
                con.execute("INSERT INTO customers (customer_id, shop_id, name, phone, credit_limit)"
                            " VALUES (nextval('customer_id_seq'), ?, ?, ?, ?)",
                            [shop, r["name"], "+91" + r["phone"], Decimal(r["credit_limit"])])
            con.commit()
            return con.execute("SELECT count(*) FROM customers WHERE shop_id = ?", [shop]).fetchone()[0]
        finally:
            con.close()

    def out_dir(kind, i):
        d = ctx.work / f"export_{kind}_{i}"
        shutil.rmtree(d, ignore_errors=True)
        return d

    def app_export(i):
        d = out_dir("app", i)
        try:
            return export_svc.export_snapshot(root_at(p), d)["tables"]["loans"]
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def floor_export(i):
        d = out_dir("floor", i)
        try:
            return floor.export(p, d)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def sqlite_export(i):
        f = ctx.work / f"backup_{i}.sqlite"
        try:
            return sqlite_store.backup(sp, f)
        finally:
            f.unlink(missing_ok=True)

    def reminders_compare(ans):
        # the ladder picks a subset of the overdue customers; each pick owes what the floor says
        overdue = {(r[0], r[1]): r[2] for r in ans["floor"]}
        if "sqlite" in ans and ans["floor"] != ans["sqlite"]:
            return "sqlite differs from floor"
        for shop, customer, kind, amount, skip in ans["app"]:
            if kind == "overdue" and skip is None and overdue.get((shop, customer)) != amount:
                return f"reminder for customer {customer} of shop {shop}: {amount} vs floor {overdue.get((shop, customer))}"  # noqa: E501
        if not any(kind == "overdue" for _, _, kind, _, _ in ans["app"]) and overdue:
            return "no overdue reminder selected although customers are overdue"
        return None

    def statement_compare(ans):
        rows = ans["app"]
        if rows != ans["floor"]:
            return "floor differs from app"
        if "sqlite" in ans and rows != ans["sqlite"]:
            return "sqlite differs from app"
        if "nplus1" in ans and ans["nplus1"] != (len(rows), rows[-1][5] if rows else Decimal("0.00")):
            return "nplus1 differs from app"
        return None

    def import_compare(ans):
        bad = {k: v for k, v in ans.items() if v != ctx.import_rows}
        return f"imported counts {bad}" if bad else None

    def repayment_compare(ans):
        # each approach posts Rs 1 on a loan; the answer is the loan's outstanding afterwards (>= 0)
        bad = {k: v for k, v in ans.items() if not isinstance(v, Decimal) or v < 0}
        return f"bad outstanding {bad}" if bad else None

    def export_compare(ans):
        return None if len(set(ans.values())) == 1 else f"loan counts differ {ans}"

    keys4 = ("app", "floor", "sqlite", "nplus1")
    return [
        Op("connect_close", {
            "app": lambda i: root_at(p).on_connection(lambda con: None),
            "floor": lambda i: duckdb.connect(str(p)).close(),
            "sqlite": lambda i: sqlite_store.connect(sp).close(),
        }, {"app": reads, "floor": reads, "sqlite": reads},
            note="open + close only: the fixed cost of a unit of work"),
        Op("shop_summary", {
            "app": lambda i: summary_answer(root_at(p).read(sid, OWNER, reports.shop_summary, today=as_of)),
            "floor": lambda i: floor.summary(p, sid, as_of),
            "sqlite": lambda i: sqlite_store.summary(sqlite_con(), sid, as_of),
            "nplus1": lambda i: nplus1.summary(sqlite_con(), sid, as_of),
        }, {"app": reads, "floor": reads, "sqlite": reads, "nplus1": n1_reps},
            compare=lambda a: _equal(a, keys4), note="reports.shop_summary: totals, counts, aging buckets"),
        Op("loans_overdue_page", {
            "app": lambda i: [(r["loan_id"], r["outstanding"], r["days_past_due"]) for r in
                              root_at(p).read(sid, OWNER, loans_svc.list_loans, status="overdue", limit=50,
                                              today=as_of)],
            "floor": lambda i: floor.overdue_loans_page(p, sid, as_of),
            "sqlite": lambda i: sqlite_store.overdue_loans_page(sqlite_con(), sid, as_of),
            "nplus1": lambda i: nplus1.overdue_loans_page(sqlite_con(), sid, as_of),
        }, {"app": reads, "floor": reads, "sqlite": reads, "nplus1": n1_reps},
            compare=lambda a: _equal(a, keys4), note="loans.list_loans(status='overdue', limit=50)"),
        Op("customers_page", {
            "app": lambda i: [(r["customer_id"], r["outstanding"], r["overdue"]) for r in
                              root_at(p).read(sid, OWNER, customers_svc.list_customers, limit=50, today=as_of)],
            "floor": lambda i: floor.customers_page(p, sid, as_of),
            "sqlite": lambda i: sqlite_store.customers_page(sqlite_con(), sid, as_of),
            "nplus1": lambda i: nplus1.customers_page(sqlite_con(), sid, as_of),
        }, {"app": reads, "floor": reads, "sqlite": reads, "nplus1": reads},
            compare=lambda a: _equal(a, keys4), note="customers.list_customers(limit=50), by name"),
        Op("customer_statement", {
            "app": lambda i: [(r["entry"], r["loan_id"], r["repayment_id"], r["debit"], r["credit"], r["balance"])
                              for r in root_at(p).read(sid, OWNER, reports.customer_statement, cid)],
            "floor": lambda i: floor.statement(p, sid, cid),
            "sqlite": lambda i: sqlite_store.statement(sqlite_con(), sid, cid),
            "nplus1": lambda i: nplus1.statement_balance(sqlite_con(), sid, cid),
        }, {"app": reads, "floor": reads, "sqlite": reads, "nplus1": reads},
            compare=statement_compare, note="reports.customer_statement of the shop's busiest customer"),
        Op("daily_selection", {
            "app": lambda i: sel_app(),
            "floor": lambda i: floor.selection(p, as_of),
            "sqlite": lambda i: sqlite_store.selection(sqlite_con(), as_of),
            "nplus1": lambda i: nplus1.selection(sqlite_con(), as_of),
        }, {"app": reads, "floor": reads, "sqlite": max(3, reads // 3), "nplus1": n1_reps},
            compare=lambda a: _equal(a, keys4), note=f"overdue customers over all shops ({sel_name})"),
        Op("reminders_select_due", {
            "app": lambda i: rem_app(),
            "floor": lambda i: floor.selection(p, as_of),
            "sqlite": lambda i: sqlite_store.selection(sqlite_con(), as_of),
        }, {"app": 1 if ctx.scale == "platform" else few, "floor": few, "sqlite": few},
            compare=reminders_compare,
            note="khata.reminders.select_due_many over every shop in one unit of work, as plan_shops does"),
        Op("record_repayment", {
            "app": lambda i: (lambda loan: root_at(p).write(sid, principals.owner("bench"),
                                                            repayments_svc.record_repayment, loan, amount="1.00",
                                                                paid_on=as_of, today=as_of)["loans"][loan]
                ["outstanding"])(loan_for_run()),
            "floor": lambda i: floor.record_repayment(p, sid, loan_for_run(), Decimal("1.00"), as_of),
            "sqlite": lambda i: sqlite_store.record_repayment(sp, sid, loan_for_run(), 100, as_of),
        }, {"app": reads, "floor": reads, "sqlite": reads},
            compare=repayment_compare, note="repayments.record_repayment: whole unit of work, connect included"),
        Op("import_10k_customers", {
            "app": app_import, "floor": floor_import, "sqlite": sqlite_import, "nplus1": nplus1_import,
        }, {"app": few, "floor": few, "sqlite": few, "nplus1": 1},
            compare=import_compare, note="importer.import_customers, CSV of 10,000 (N+1 = one INSERT per row)"),
        Op("analyst_export", {
            "app": app_export, "floor": floor_export, "sqlite": sqlite_export,
        }, {"app": min(few, 3 if quick else 2), "floor": min(few, 3 if quick else 2),
            "sqlite": min(few, 3 if quick else 2)},
            compare=export_compare, note="export.export_snapshot (floor: EXPORT DATABASE; SQLite: backup API)"),
    ], sq


# writes that add shops: measured last
TAIL_OPS = ("import_10k_customers", "analyst_export")
# operations measured again after khata.maintenance.cluster_by_shop (the fix for per-shop reads)
CLUSTER_OPS = ("connect_close", "shop_summary", "loans_overdue_page", "customers_page", "customer_statement",
               "daily_selection", "reminders_select_due", "record_repayment")
