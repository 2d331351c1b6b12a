"""Run every operation through the app's own services and the three baselines on the same data.

For each operation and approach: one warm-up call, then ``reps`` timed calls
(interleaved: app, floor, SQLite, N+1, app, ... so load from other processes on
this shared machine hits them alike). The answers of the last call are compared
across approaches; a disagreement is reported, never hidden.
"""
from __future__ import annotations

import csv
import io
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable

import duckdb

from khata import customers as customers_svc
from khata import db, export as export_svc, importer, loans as loans_svc, maintenance, reports
from khata import repayments as repayments_svc

from . import floor, nplus1, sqlite_store
from .generate import AS_OF, generate

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# targets at platform scale (issue 5), in ms
TARGETS = {"shop_summary": 50, "loans_overdue_page": 30, "customers_page": 30, "record_repayment": 25,
           "daily_selection": 1000, "reminders_select_due": 1000}
MUST_BEAT_SQLITE = ("shop_summary", "daily_selection", "reminders_select_due")
FLOOR_RATIO = 1.5


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
        return db.read(lambda con: [(r[0], r[1], r[2], r[3]) for r in
                                    con.execute(SELECTION_APP_SQL, [as_of]).fetchall()], path)
    return ("one query over customer_balances_for(NULL, as_of)", run)


def app_reminder_selection(path, as_of: date) -> Callable[[], list[tuple]] | None:
    """The reminder service's own selection, shaped as the daily run does it:
    ``reminders.select_due_many`` over every shop in one unit of work (``plan_shops``
    minus writing the outbox, so every repetition selects the same customers)."""
    try:
        from khata import reminders
    except ImportError:
        return None
    if not hasattr(reminders, "select_due_many"):
        return None

    def run():
        shop_ids = [s["shop_id"] for s in reminders.list_shops(None, path)]

        def work(con):
            shops = reminders.shop_rows(con, shop_ids)
            due = reminders.select_due_many(con, shops, {sid: as_of for sid in shop_ids})
            return [(sid, d["customer_id"], d["kind"], d["amount"], d["skip_reason"])
                    for sid in shop_ids for d in due[sid]]
        return db.read(work, path)
    return run


def summary_answer(s: dict) -> dict:
    keys = ("total_issued", "total_collected", "outstanding", "overdue_amount", "counts", "customers_overdue",
            "repayment_count", "aging")
    return {k: s[k] for k in keys}


# ---- harness ----------------------------------------------------------------------------

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
    db.write(work, ctx.path)
    sqlite_store.add_shop(ctx.sqlite_path, shop_id)
    return shop_id


def make_csv(n: int = 10_000) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["name", "phone", "credit_limit", "notes"])
    for i in range(n):
        w.writerow([f"Import Customer {i}", f"98{(i * 7_919) % 100_000_000:08d}", "15000", "from the paper khata"])
    return out.getvalue()


def operations(ctx: Context, quick: bool) -> list[Op]:
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
        return importer.import_customers(shop, csv_text.encode(), actor="bench", today=as_of, path=p)["customers"]

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
            return export_svc.export_snapshot(d, path=p)["tables"]["loans"]
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
                return f"reminder for customer {customer} of shop {shop}: {amount} vs floor {overdue.get((shop, customer))}"
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
            "app": lambda i: db.read(lambda con: None, p),
            "floor": lambda i: duckdb.connect(str(p)).close(),
            "sqlite": lambda i: sqlite_store.connect(sp).close(),
        }, {"app": reads, "floor": reads, "sqlite": reads},
            note="open + close only: the fixed cost of a unit of work"),
        Op("shop_summary", {
            "app": lambda i: summary_answer(reports.shop_summary(sid, today=as_of, path=p)),
            "floor": lambda i: floor.summary(p, sid, as_of),
            "sqlite": lambda i: sqlite_store.summary(sqlite_con(), sid, as_of),
            "nplus1": lambda i: nplus1.summary(sqlite_con(), sid, as_of),
        }, {"app": reads, "floor": reads, "sqlite": reads, "nplus1": n1_reps},
            compare=lambda a: _equal(a, keys4), note="reports.shop_summary: totals, counts, aging buckets"),
        Op("loans_overdue_page", {
            "app": lambda i: [(r["loan_id"], r["outstanding"], r["days_past_due"]) for r in
                              loans_svc.list_loans(sid, status="overdue", limit=50, today=as_of, path=p)],
            "floor": lambda i: floor.overdue_loans_page(p, sid, as_of),
            "sqlite": lambda i: sqlite_store.overdue_loans_page(sqlite_con(), sid, as_of),
            "nplus1": lambda i: nplus1.overdue_loans_page(sqlite_con(), sid, as_of),
        }, {"app": reads, "floor": reads, "sqlite": reads, "nplus1": n1_reps},
            compare=lambda a: _equal(a, keys4), note="loans.list_loans(status='overdue', limit=50)"),
        Op("customers_page", {
            "app": lambda i: [(r["customer_id"], r["outstanding"], r["overdue"]) for r in
                              customers_svc.list_customers(sid, limit=50, today=as_of, path=p)],
            "floor": lambda i: floor.customers_page(p, sid, as_of),
            "sqlite": lambda i: sqlite_store.customers_page(sqlite_con(), sid, as_of),
            "nplus1": lambda i: nplus1.customers_page(sqlite_con(), sid, as_of),
        }, {"app": reads, "floor": reads, "sqlite": reads, "nplus1": reads},
            compare=lambda a: _equal(a, keys4), note="customers.list_customers(limit=50), by name"),
        Op("customer_statement", {
            "app": lambda i: [(r["entry"], r["loan_id"], r["repayment_id"], r["debit"], r["credit"], r["balance"])
                              for r in reports.customer_statement(sid, cid, path=p)],
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
        *([Op("reminders_select_due", {
            "app": lambda i: rem_app(),
            "floor": lambda i: floor.selection(p, as_of),
            "sqlite": lambda i: sqlite_store.selection(sqlite_con(), as_of),
        }, {"app": 1 if ctx.scale == "platform" else few, "floor": few, "sqlite": few},
            compare=reminders_compare,
            note="khata.reminders.select_due_many over every shop in one unit of work, as plan_shops does")]
          if rem_app else []),
        Op("record_repayment", {
            "app": lambda i: (lambda loan: repayments_svc.record_repayment(
                sid, loan, amount="1.00", paid_on=as_of, actor="bench", today=as_of, path=p)["loans"][loan]
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


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    idx = max(0, min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1)))))
    return median * 1000, ordered[idx] * 1000


TAIL_OPS = ("import_10k_customers", "analyst_export")


def run_ops(ops: list[Op], scale: str, bar=None, compare_only: tuple[str, ...] | None = None) -> list[dict]:
    records = []
    for op in ops:
        samples: dict[str, list[float]] = {a: [] for a in op.approaches}
        answers: dict[str, object] = {}
        errors: dict[str, str] = {}
        warm = {a: op.reps.get(a, 1) > 1 for a in op.approaches}
        most = max(op.reps.get(a, 1) for a in op.approaches)
        for a, fn in op.approaches.items():  # warm-up (not timed)
            if warm[a]:
                try:
                    fn(-1)
                except Exception as err:  # noqa: BLE001 - reported below
                    errors[a] = f"{type(err).__name__}: {err}"
        for i in range(most):
            for a, fn in op.approaches.items():
                if a in errors or i >= op.reps.get(a, 1):
                    continue
                try:
                    t0 = time.perf_counter()
                    answers[a] = fn(i)
                    samples[a].append(time.perf_counter() - t0)
                except Exception as err:  # noqa: BLE001
                    errors[a] = f"{type(err).__name__}: {err}"
                if bar is not None:
                    bar.set_postfix_str(f"{scale} {op.name} {a}")
                    bar.update(1)
        rec = {"operation": op.name, "scale": scale, "note": op.note}
        for a in op.approaches:
            if samples[a]:
                med, p95 = _stats(samples[a])
            else:
                med = p95 = None
            prefix = "" if a == "app" else f"{a}_"
            rec[f"{prefix}median_ms"] = round(med, 2) if med is not None else None
            if a == "app":
                rec["p95_ms"] = round(p95, 2) if p95 is not None else None
                rec["runs"] = len(samples[a])
            else:
                rec[f"{prefix}runs"] = len(samples[a])
        rec["errors"] = errors
        rec["answers_agree"] = None
        if op.compare and not errors:
            if compare_only:
                answers = {k: v for k, v in answers.items() if k in compare_only}
            problem = op.compare(answers)
            rec["answers_agree"] = problem is None
            if problem:
                rec["disagreement"] = problem
        rec["_answers"] = answers
        target = TARGETS.get(op.name)
        if target is not None:
            rec["target_ms"] = target
        if rec.get("median_ms") and rec.get("floor_median_ms"):
            rec["app_vs_floor"] = round(rec["median_ms"] / rec["floor_median_ms"], 2)
        if rec.get("median_ms") and rec.get("sqlite_median_ms"):
            rec["app_vs_sqlite"] = round(rec["median_ms"] / rec["sqlite_median_ms"], 2)
        records.append(rec)
    return records


def total_runs(ops: list[Op]) -> int:
    return sum(sum(op.reps.get(a, 1) for a in op.approaches) for op in ops)


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    return {"cpu_count": os.cpu_count(), "nproc": nproc, "cpu_model": cpu, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


# operations measured again after khata.maintenance.cluster_by_shop (the fix for per-shop reads)
CLUSTER_OPS = ("connect_close", "shop_summary", "loans_overdue_page", "customers_page", "customer_statement",
               "daily_selection", "reminders_select_due", "record_repayment")


def run_scale(scale: str, *, quick: bool, seed: int = 7, work_dir: Path | None = None, progress: bool = True,
              keep: bool = False, reps: int | None = None, import_rows: int = 10_000,
              cluster: bool | None = None) -> dict:
    """Generate ``scale``, load SQLite, run every operation; returns {machine, generated, records}."""
    from tqdm import tqdm

    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix=f"khata-bench-{scale}-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{scale}.duckdb"
    sqlite_path = work / f"{scale}.sqlite"
    try:
        machine_before = machine_info()
        with tqdm(total=7, desc=f"generate {scale}", disable=not progress, leave=False) as bar:
            gen = generate(path, scale, seed, progress=lambda name: bar.update(1))
            bar.set_postfix_str("sqlite copy")
            gen["sqlite_load_s"] = round(sqlite_store.load_from_duckdb(path, sqlite_path), 3)
            bar.update(1)
        shop, customer, loans = pick_subjects(path)
        ctx = Context(scale, path, sqlite_path, work, shop, customer, loans, import_rows=import_rows, reps=reps)
        ops, sq = operations(ctx, quick)
        tail = [op for op in ops if op.name in TAIL_OPS]  # writes that add shops: measured last
        ops = [op for op in ops if op.name not in TAIL_OPS]
        try:
            with tqdm(total=total_runs(ops), desc=f"bench {scale}", disable=not progress) as bar:
                records = run_ops(ops, scale, bar)
            # a one-shop book gains nothing from clustering by shop; the platform does
            if cluster if cluster is not None else scale != "big":
                info = maintenance.cluster_by_shop(path)
                gen["cluster_by_shop_s"] = info["seconds"]
                records.append({"operation": "maintenance_cluster_by_shop", "scale": scale,
                                "note": "khata.maintenance.cluster_by_shop, once (nightly job)",
                                "median_ms": round(info["seconds"] * 1000, 1), "p95_ms": round(info["seconds"] * 1000, 1),
                                "runs": 1, "errors": {}, "answers_agree": None, "_answers": {}})
                all_again, sq2 = operations(ctx, quick)
                again = [op for op in all_again if op.name in CLUSTER_OPS]
                for op in again:
                    op.approaches.pop("nplus1", None)  # the SQLite copy is unchanged; N+1 was measured above
                try:
                    with tqdm(total=total_runs(again), desc=f"bench {scale}+clustered", disable=not progress) as bar:
                        # the repayments posted above went to each store separately, so from here
                        # on only the two DuckDB answers (app, floor) are comparable
                        records.extend(run_ops(again, f"{scale}+clustered", bar, compare_only=("app", "floor")))
                finally:
                    if "con" in sq2:
                        sq2["con"].close()
            with tqdm(total=total_runs(tail), desc=f"bench {scale} import/export", disable=not progress) as bar:
                records.extend(run_ops(tail, scale, bar))
        finally:
            if "con" in sq:
                sq["con"].close()
        machine = machine_info()
        machine["loadavg_before"] = machine_before["loadavg"]
        return {"machine": machine, "generated": gen, "records": records,
                "subjects": {"shop_id": shop, "customer_id": customer}}
    finally:
        if not keep and work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


# ---- output -----------------------------------------------------------------------------

def _ms(v) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def verdict(rec: dict) -> str:
    """Targets apply at platform scale; at other scales they are shown for orientation."""
    notes = []
    t = rec.get("target_ms")
    if t is not None and rec.get("median_ms") is not None:
        notes.append(f"{'✓' if rec['median_ms'] <= t else '✗'} ≤{t:g}")
    ratio = rec.get("app_vs_floor")
    if ratio is not None and rec["operation"] in TARGETS:
        notes.append(f"{'✓' if ratio <= FLOOR_RATIO else '✗'} floor×{ratio:.2f}")
    if rec["operation"] in MUST_BEAT_SQLITE and rec.get("app_vs_sqlite") is not None:
        notes.append(f"{'✓' if rec['app_vs_sqlite'] < 1 else '✗'} vs SQLite")
    if rec.get("answers_agree") is False:
        notes.append("ANSWERS DIFFER: " + rec.get("disagreement", ""))
    if rec.get("errors"):
        notes.append("errors: " + "; ".join(f"{k}: {v}" for k, v in rec["errors"].items()))
    return " ".join(notes)


def markdown(records: list[dict]) -> str:
    lines = ["| operation | scale | app median ms | app p95 ms | floor ms | SQLite ms | N+1 ms | app/floor | "
             "answers agree | targets |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in records:
        agree = {True: "yes", False: "**no**", None: "—"}[r.get("answers_agree")]
        ratio = f"{r['app_vs_floor']:.2f}" if r.get("app_vs_floor") is not None else "—"
        lines.append(f"| {r['operation']} | {r['scale']} | {_ms(r.get('median_ms'))} | {_ms(r.get('p95_ms'))} | "
                     f"{_ms(r.get('floor_median_ms'))} | {_ms(r.get('sqlite_median_ms'))} | "
                     f"{_ms(r.get('nplus1_median_ms'))} | {ratio} | {agree} | {verdict(r)} |")
    return "\n".join(lines)


def write_results(results: dict[str, dict], out: Path | None = None) -> Path:
    """Merge this run's scales into bench/results/latest.json (other scales are kept)."""
    out = out or RESULTS_DIR / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        previous = json.loads(out.read_text())
    except (OSError, ValueError):
        previous = {}
    runs = {k: v for k, v in previous.get("runs", {}).items() if k not in results}
    records = [r for r in previous.get("records", []) if r["scale"].split("+")[0] not in results]
    for scale, res in results.items():
        runs[scale] = {"machine": res["machine"], "generated": res["generated"], "subjects": res["subjects"]}
        records.extend({k: v for k, v in r.items() if not k.startswith("_")} for r in res["records"])
    order = {"tiny": 0, "tiny+clustered": 1, "big": 2, "platform": 3, "platform+clustered": 4}
    records.sort(key=lambda r: order.get(r["scale"], 9))
    payload = {"generated_by": "python -m bench", "as_of": AS_OF.isoformat(),
               "targets_ms": TARGETS, "floor_ratio_target": FLOOR_RATIO, "runs": runs, "records": records}
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return out
