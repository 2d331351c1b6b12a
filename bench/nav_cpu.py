"""python -m bench.nav_cpu: the app process's CPU per sidebar navigation, page by page,
on the big shop, for several server variants in one run (so a before/after is a ratio
under the same machine load).

One app process (the benchmark's server, bench/pages_server.py), one browser user
logged in; every sidebar page is visited ``--reps`` times after one warm-up round
(so these are cached visits, what most navigations are). For each visit the process's
utime + stime is read from /proc just before the click and again once the page is
drawn and the process has settled (``SETTLE_S``, so work Streamlit does after the run,
such as its garbage collection, is counted on the visit that caused it).

Variants are Streamlit settings given through the environment, e.g. the default
(.streamlit/config.toml) against ``STREAMLIT_RUNNER_POST_SCRIPT_GC=true``:

    .venv/bin/python -m bench.nav_cpu --variant postScriptGC=true:STREAMLIT_RUNNER_POST_SCRIPT_GC=true \\
        --variant project-config: --reps 5

Prints a table (median ms CPU and median drawn ms per page and variant) and writes
bench/results/nav_cpu.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from . import load
from . import pages_browser as pb
from .generate import generate

RESULTS = load.BENCH_DIR / "results" / "nav_cpu.json"
SETTLE_S = 0.25


async def _measure(base: str, pid: int, reps: int) -> dict[str, dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=pb.CHROMIUM, args=pb.CHROMIUM_ARGS,
                                                   headless=True)
        try:
            context = await browser.new_context(viewport=pb.VIEWPORTS["desktop"])
            await context.add_init_script(pb.WS_LOG_JS)
            page = await load._log_in(context, base)
            links = await load._pages(page)
            found = {t["title"]: {"cpu_ms": [], "drawn_ms": [], "failures": 0} for t in links}
            for rnd in range(reps + 1):  # round 0 warms up
                for n in range(len(links)):
                    target = links[(n + 1) % len(links)]  # never the page on screen
                    await asyncio.sleep(SETTLE_S)
                    before = load.cpu_seconds(pid)
                    try:
                        drawn = await load._navigate(page, target)
                    except pb.NotDrawn:
                        found[target["title"]]["failures"] += 1
                        await page.goto(f"{base}/{target['path']}")
                        await load._idle(page)
                        continue
                    await asyncio.sleep(SETTLE_S)
                    if rnd:
                        found[target["title"]]["cpu_ms"].append((load.cpu_seconds(pid) - before) * 1000)
                        found[target["title"]]["drawn_ms"].append(drawn)
        finally:
            await browser.close()
    return {title: {"cpu_median_ms": round(statistics.median(v["cpu_ms"]), 1) if v["cpu_ms"] else None,
                    "drawn_median_ms": round(statistics.median(v["drawn_ms"]), 1) if v["drawn_ms"] else None,
                    "runs": len(v["cpu_ms"]), "failures": v["failures"]} for title, v in found.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nav_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", required=True,
                        help="NAME:ENV=VALUE[,ENV=VALUE] (empty after the colon: the project's settings)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2, help="variants alternate this many times")
    args = parser.parse_args(argv)
    variants = []
    for spec in args.variant:
        name, _, env = spec.partition(":")
        variants.append((name, dict(kv.split("=", 1) for kv in env.split(",") if kv)))
    work = Path(tempfile.mkdtemp(prefix="khata-nav-cpu-"))
    results: dict[str, list[dict]] = {name: [] for name, _ in variants}
    load_before = os.getloadavg()
    try:
        db = work / "big.duckdb"
        generate(db, "big", 7)
        for _ in range(args.rounds):
            for name, env in variants:
                saved = {k: os.environ.get(k) for k in env}
                os.environ.update(env)
                try:
                    with load.Servers(1, db, work / "logs") as servers:
                        results[name].append(asyncio.run(_measure(servers.cluster.base, servers.cluster.pids()[0],
                                                                  args.reps)))
                finally:
                    for k, v in saved.items():
                        if v is None:
                            os.environ.pop(k, None)
                        else:
                            os.environ[k] = v
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pages = list(results[variants[0][0]][0])
    table = {name: {p: {"cpu_median_ms": round(statistics.median(r[p]["cpu_median_ms"] for r in runs), 1),
                        "drawn_median_ms": round(statistics.median(r[p]["drawn_median_ms"] for r in runs), 1),
                        "failures": sum(r[p]["failures"] for r in runs)}
                    for p in pages} for name, runs in results.items()}
    lines = ["| page | " + " | ".join(f"{n}: CPU ms | {n}: drawn ms" for n, _ in variants) + " |",
             "| --- | " + " | ".join("---: | ---:" for _ in variants) + " |"]
    for p in pages:
        lines.append(f"| {p} | " + " | ".join(f"{table[n][p]['cpu_median_ms']} | {table[n][p]['drawn_median_ms']}"
                                                for n, _ in variants) + " |")
    payload = {"generated_by": "python -m bench.nav_cpu", "reps": args.reps, "rounds": args.rounds,
               "variants": dict(variants), "loadavg_before": [round(x, 2) for x in load_before],
               "loadavg_after": [round(x, 2) for x in os.getloadavg()], "cpu_count": os.cpu_count(),
               "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "pages": table, "runs": results}
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    print("\n".join(lines))
    print(f"load {payload['loadavg_before'][0]} -> {payload['loadavg_after'][0]}; results in {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
