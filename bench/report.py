"""The benchmark's output: the markdown table with the targets, and
bench/results/latest.json (records merged by scale)."""
from __future__ import annotations

import json
from pathlib import Path

from .generate import AS_OF

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# targets at platform scale (issue 5; the repayment's 30 ms from issue 22, DuckDB 2.0), in ms
TARGETS = {"shop_summary": 50, "loans_overdue_page": 30, "customers_page": 30, "record_repayment": 30,
           "daily_selection": 1000, "reminders_select_due": 1000}
MUST_BEAT_SQLITE = ("shop_summary", "daily_selection", "reminders_select_due")
FLOOR_RATIO = 1.5


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


def write_results(results: dict[str, dict], out: Path | None = None, only: tuple[str, ...] | None = None) -> Path:
    """Merge this run's scales into bench/results/latest.json (other scales are kept; with
    ``only``, just those operations are replaced and the run is recorded as a focused re-run)."""
    out = out or RESULTS_DIR / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        previous = json.loads(out.read_text())
    except (OSError, ValueError):
        previous = {}
    if only:
        runs = previous.get("runs", {})
        records = [r for r in previous.get("records", [])
                   if r["scale"].split("+")[0] not in results or r["operation"] not in only]
    else:
        runs = {k: v for k, v in previous.get("runs", {}).items() if k not in results}
        records = [r for r in previous.get("records", []) if r["scale"].split("+")[0] not in results]
    for scale, res in results.items():
        run = {"machine": res["machine"], "generated": res["generated"], "subjects": res["subjects"]}
        if only:
            runs.setdefault(scale, {}).setdefault("focused_reruns", []).append({**run, "operations": list(only)})
        else:
            runs[scale] = run
        records.extend({k: v for k, v in r.items() if not k.startswith("_")} for r in res["records"])
    order = {"tiny": 0, "tiny+clustered": 1, "big": 2, "platform": 3, "platform+clustered": 4}
    records.sort(key=lambda r: order.get(r["scale"], 9))
    payload = {"generated_by": "python -m bench", "as_of": AS_OF.isoformat(),
               "targets_ms": TARGETS, "floor_ratio_target": FLOOR_RATIO, "runs": runs, "records": records}
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return out
