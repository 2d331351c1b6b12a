"""Page benchmark records: statistics, the issue's goals, bench/results/pages.json and
the markdown table (printed, and written into bench/README.md between markers)."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "pages.json"
README = BENCH_DIR / "README.md"
BEGIN, END = "<!-- bench-pages:begin -->", "<!-- bench-pages:end -->"

# goals (issue 12), desktop and (issue 21) phone, at both scales
GOAL_COLD_MS, GOAL_COLD_OVERVIEW_MS, GOAL_CACHED_MS, GOAL_FLOOR_RATIO = 500, 700, 300, 1.2
GOAL_VIEWPORTS = ("desktop", "phone")  # issue 21: the same goals at 390 px
KINDS = ("nav_cold", "nav_cached", "full")
FLOOR_PAGE = "(empty page)"


def summarise(samples: list[dict]) -> dict:
    """median / p90 / min / max of the drawn times, and the medians of the details."""
    ms = sorted(s["ms"] for s in samples)
    if not ms:
        return {"median_ms": None, "p90_ms": None, "min_ms": None, "max_ms": None, "runs": 0, "samples_ms": []}
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]

    def med(key):
        values = [s[key] for s in samples if s.get(key) is not None]
        return round(statistics.median(values), 1) if values else None
    return {"median_ms": round(statistics.median(ms), 1), "p90_ms": round(p90, 1), "min_ms": round(ms[0], 1),
            "max_ms": round(ms[-1], 1), "runs": len(ms), "samples_ms": [round(x, 1) for x in ms],
            "finished_median_ms": med("finished_ms"), "first_msg_median_ms": med("first_msg_ms"),
            "bytes_median": med("bytes"), "messages_median": med("messages"),
            "script_runs_median": med("script_runs")}


def goal_for(rec: dict) -> tuple[str, float] | None:
    """(description, limit ms) of the record's goal, or None where the issue sets none."""
    if rec["viewport"] not in GOAL_VIEWPORTS or rec.get("is_floor"):
        return None
    if rec["kind"] == "nav_cold":
        limit = GOAL_COLD_OVERVIEW_MS if rec["page"] == "Overview" else GOAL_COLD_MS
        return f"≤ {limit} ms", limit
    if rec["kind"] == "nav_cached":
        return f"≤ {GOAL_CACHED_MS} ms", GOAL_CACHED_MS
    if rec.get("floor_ms"):
        return f"≤ {GOAL_FLOOR_RATIO}× floor", GOAL_FLOOR_RATIO * rec["floor_ms"]
    return None


def add_goals(records: list[dict]) -> list[dict]:
    floors = {(r["scale"], r["viewport"]): r for r in records if r.get("is_floor")}
    for rec in records:
        floor = floors.get((rec["scale"], rec["viewport"]))
        if rec["kind"] == "full" and floor and floor["median_ms"] and rec["median_ms"] and not rec.get("is_floor"):
            rec["floor_ms"] = floor["median_ms"]
            rec["floor_page"] = floor.get("floor_page", FLOOR_PAGE)
            rec["vs_floor"] = round(rec["median_ms"] / floor["median_ms"], 2)
        goal = goal_for(rec)
        if goal and rec["median_ms"] is not None:
            rec["goal"], rec["goal_ms"] = goal[0], round(goal[1], 1)
            rec["meets_goal"] = rec["median_ms"] <= goal[1]
    return records


def write_json(records: list[dict], run_info: dict, out: Path | None = None) -> Path:
    """Merge into pages.json: this run replaces the records of the scales/viewports it measured."""
    out = out or RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        previous = json.loads(out.read_text())
    except (OSError, ValueError):
        previous = {}
    measured = {(r["scale"], r["viewport"]) for r in records}
    kept = [r for r in previous.get("records", []) if (r["scale"], r["viewport"]) not in measured]
    runs = {**previous.get("runs", {}), **run_info}
    payload = {"generated_by": "python -m bench.pages",
               "goals": {"nav_cold_ms": GOAL_COLD_MS, "nav_cold_overview_ms": GOAL_COLD_OVERVIEW_MS,
                         "nav_cached_ms": GOAL_CACHED_MS, "full_vs_floor": GOAL_FLOOR_RATIO,
                         "viewports": list(GOAL_VIEWPORTS)},
               "runs": runs, "records": kept + records}
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return out


def _ms(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _cell(rec: dict | None) -> str:
    if rec is None:
        return "—"
    mark = {True: " ✓", False: " ✗", None: ""}[rec.get("meets_goal")]
    return f"{_ms(rec['median_ms'])}{mark}"


def markdown(records: list[dict]) -> str:
    """One row per scale, viewport and page: the three kinds side by side (✓/✗ = goal met/missed)."""
    by = {(r["scale"], r["viewport"], r["page"], r["kind"]): r for r in records}
    rows = sorted({(r["scale"], r["viewport"], r["page"]) for r in records},
                  key=lambda k: (k[0] != "demo", k[1] != "desktop", k[2] == FLOOR_PAGE))
    order = {}
    for r in records:
        order.setdefault(r["page"], len(order))
    rows.sort(key=lambda k: (k[0] != "demo", k[1] != "desktop", order[k[2]]))
    lines = ["| scale | viewport | page | cold nav ms | cached nav ms | full load ms | floor ms | full/floor "
             "| KB sent | goals |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for scale, viewport, page in rows:
        cold, cached, full = (by.get((scale, viewport, page, k)) for k in KINDS)
        any_rec = full or cold or cached
        misses = [k for k, r in zip(("cold", "cached", "full"), (cold, cached, full))
                  if r and r.get("meets_goal") is False]
        has_goal = any(r and r.get("meets_goal") is not None for r in (cold, cached, full))
        verdict = ("miss: " + ", ".join(misses)) if misses else ("pass" if has_goal else "—")
        failed = sum(len(r.get("failures") or []) for r in (cold, cached, full) if r)
        if failed:
            verdict += f" ({failed} not drawn in time)"
        kb = (cold or full or {}).get("bytes_median")
        ratio = f"{full['vs_floor']:.2f}" if full and full.get("vs_floor") else "—"
        lines.append(f"| {scale} | {viewport} | {page} | {_cell(cold)} | {_cell(cached)} | {_cell(full)} | "
                     f"{_ms(any_rec.get('floor_ms'))} | {ratio} | {_ms(kb / 1000 if kb else None)} | {verdict} |")
    return "\n".join(lines)


def write_readme(table: str, header: str, readme: Path = README) -> None:
    """Replace the generated block of bench/README.md (added at the end if missing)."""
    text = readme.read_text()
    block = f"{BEGIN}\n{header}\n\n{table}\n{END}"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(text)
