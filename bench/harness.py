"""Run every operation through the app's own services and the three baselines on the same data.

For each operation and approach: one warm-up call, then ``reps`` timed calls
(interleaved: app, floor, SQLite, N+1, app, ... so load from other processes on
this shared machine hits them alike). The answers of the last call are compared
across approaches; a disagreement is reported, never hidden.
"""
from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench.roots import root_at
from khata import maintenance

from . import sqlite_store
from .generate import generate
from .operations import CLUSTER_OPS, TAIL_OPS, Context, Op, operations, pick_subjects
from .report import TARGETS


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    idx = max(0, min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1)))))
    return median * 1000, ordered[idx] * 1000


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
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}


def run_scale(scale: str, *, quick: bool, seed: int = 7, work_dir: Path | None = None, progress: bool = True,
              keep: bool = False, reps: int | None = None, import_rows: int = 10_000,
              cluster: bool | None = None, only: tuple[str, ...] | None = None) -> dict:
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
        if only:  # a focused re-run of some operations (same data, same baselines)
            ops = [op for op in ops if op.name in only]
        tail = [op for op in ops if op.name in TAIL_OPS]  # writes that add shops: measured last
        ops = [op for op in ops if op.name not in TAIL_OPS]
        try:
            with tqdm(total=total_runs(ops), desc=f"bench {scale}", disable=not progress) as bar:
                records = run_ops(ops, scale, bar)
            # a one-shop book gains nothing from clustering by shop; the platform does
            if cluster if cluster is not None else scale != "big":
                info = maintenance.cluster_by_shop(root_at(path))
                gen["cluster_by_shop_s"] = info["seconds"]
                records.append({"operation": "maintenance_cluster_by_shop", "scale": scale,
                                "note": "khata.maintenance.cluster_by_shop, once (nightly job)",
                                "median_ms": round(info["seconds"] * 1000, 1), "p95_ms": round(info["seconds"] * 1000,
                                                                                               1),
                                "runs": 1, "errors": {}, "answers_agree": None, "_answers": {}})
                all_again, sq2 = operations(ctx, quick)
                again = [op for op in all_again if op.name in CLUSTER_OPS and (not only or op.name in only)]
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
