"""python -m bench.pages (make bench-pages): how long the shopkeeper waits for a page,
in a real browser (Debian's Chromium, driven by pip playwright).

For each scale (the demo shop; the big shop: 5,000 customers, 100,000 credit
sales), each viewport (desktop 1280x900, phone 390x844) and each page in the
sidebar, ``--reps`` times (default 5; ``--phone-reps`` to set the phone's apart),
with the same goals on the phone as on the desktop (issue 21);
median, p90, min, max:

- ``nav_cold``: the data cache is cleared (the server's hook calls
  ``st.cache_data.clear()``, what any write in the app does), then the page's
  sidebar link is clicked;
- ``nav_cached``: a step to another page (the fastest one, not timed), then the
  same link again (its data is now cached);
- ``full``: the page's URL is opened as a reload or a bookmark does: a new
  session, the login from the cookie, the page drawn. The data cache is warm
  (the page was just visited; the cache keeps entries 60 s).
- the floor, in the same run: a full load of an empty page behind the same login.

"Drawn" is defined in bench/pages_browser.py. Before measuring, every page is
visited once (imports, the browser's own caches). Results are merged into
bench/results/pages.json and the table is printed and written into bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from . import pages_browser as pb
from . import pages_report as report
from .generate import PASSWORD as BIG_PASSWORD
from .generate import generate
from .pages_server import EMPTY_PATH, EMPTY_TITLE

DEMO_LOGIN = ("demo", "Demo@1234")  # what `python -m khata demo` prints
BIG_LOGIN = ("bench1", BIG_PASSWORD)  # bench/generate.py: shop 1's shopkeeper


def prepare(scale: str, work: Path) -> tuple[Path, tuple[str, str], dict]:
    """A fresh database for ``scale``; (path, (username, password), info)."""
    path = work / f"{scale}.duckdb"
    started = time.perf_counter()
    if scale == "demo":
        subprocess.run([sys.executable, "-m", "khata", "demo", "--db", str(path)], cwd=pb.ROOT, check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "KHATA_DB": str(path)})
        return path, DEMO_LOGIN, {"seconds": round(time.perf_counter() - started, 2)}
    info = generate(path, "big", 7)
    return path, BIG_LOGIN, {"seconds": round(time.perf_counter() - started, 2), "rows": info["rows"]}


def _floor_target(page, base: str) -> dict:
    """The empty page if the server has it, else the app's lightest page (Account)."""
    target = {"index": None, "path": EMPTY_PATH, "title": EMPTY_TITLE}
    try:
        page.goto(f"{base}/{EMPTY_PATH}")
        page.wait_for_function(pb.DRAWN_JS, arg=[EMPTY_TITLE, 0.0], polling="raf", timeout=20_000)
        return {**target, "page": report.FLOOR_PAGE, "floor_page": "empty page behind the login"}
    except Exception:  # noqa: BLE001 - no such page: say so in the record
        return {"index": None, "path": "account", "title": "Account", "page": report.FLOOR_PAGE,
                "floor_page": "Account (no empty page available)"}


def measure_viewport(browser, server: pb.Server, login: tuple[str, str], scale: str, viewport: str,
                     reps: int, only: list[str] | None, tick) -> list[dict]:
    context = browser.new_context(viewport=pb.VIEWPORTS[viewport])
    context.add_init_script(pb.WS_LOG_JS)
    try:
        page = pb.log_in(context, server.base, *login)
        links = pb.sidebar_pages(page)
        targets = [t for t in links if not only or t["title"] in only]
        if len(links) < 2 or not targets:
            raise RuntimeError(f"sidebar pages {[t['title'] for t in links]}, asked for {only}")
        # warm-up, not timed: every page once (first imports, the browser's own caches); the
        # fastest becomes the page to step back to between a cold and a cached visit
        current, warm = links[0], {}
        for target in links[1:] + links[:1]:
            warm[target["title"]] = pb.navigate(page, target)["ms"]
            current = target
        by_speed = sorted(links, key=lambda t: warm[t["title"]])
        samples = {(t["title"], kind): [] for t in targets for kind in report.KINDS}
        samples.update({(t["title"], "back"): [] for t in targets})
        failures: dict[tuple, list[str]] = {}

        def measure(key, fn, *args, tries=1):
            """One sample. A page not drawn in time, or another page shown instead, is recorded
            in the record's failures (never hidden); a full load is tried again (up to ``tries``),
            a navigation is not (the page is then on screen, its link would do nothing)."""
            for _ in range(tries):
                try:
                    samples[key].append(fn(*args))
                    return
                except pb.NotDrawn as err:
                    failures.setdefault(key, []).append(str(err))
                    page.goto(f"{server.base}/{args[-1]['path']}")
                    pb.wait_idle(page)

        for _ in range(reps):
            for target in targets:
                step_back = next(t for t in by_speed if t is not target)
                if target is current:  # a link to the page on screen does nothing: step away first
                    measure((target["title"], "back"), pb.navigate, page, step_back)
                server.clear_cache()
                measure((target["title"], "nav_cold"), pb.navigate, page, target)
                measure((target["title"], "back"), pb.navigate, page, step_back)  # not timed
                measure((target["title"], "nav_cached"), pb.navigate, page, target)
                current = target
                tick(2)
        floor = _floor_target(page, server.base)
        samples[(report.FLOOR_PAGE, "full")] = []
        for _ in range(reps):
            for target in targets + [floor]:
                measure((target.get("page", target["title"]), "full"), pb.full_load, page, server.base, target,
                        tries=3)
                tick(1)
        paths = {t["title"]: t["path"] for t in targets}
        records = []
        for (name, kind), runs in samples.items():
            if kind == "back":
                continue
            failed = failures.get((name, kind), [])
            if kind == "nav_cached":  # the step back before it, too
                failed = failed + [f"(step back) {f}" for f in failures.get((name, "back"), [])]
            rec = {"page": name, "path": paths.get(name, floor["path"]), "scale": scale, "viewport": viewport,
                   "kind": kind, **report.summarise(runs), "failures": failed}
            if name == report.FLOOR_PAGE:
                rec.update(is_floor=True, floor_page=floor["floor_page"])
            records.append(rec)
        return records
    finally:
        context.close()


def machine() -> dict:
    return {"cpu_count": os.cpu_count(), "python": platform.python_version(),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}


def run(scales, viewports, reps: int, only=None, work_dir: Path | None = None, progress: bool = True,
        phone_reps: int | None = None) -> dict:
    """Measure; returns {records, runs}. Nothing is written."""
    from playwright.sync_api import sync_playwright
    from tqdm import tqdm

    per_rep = len(only) * 3 + 1 if only else 7 * 3 + 1
    reps_of = {v: reps if v == "desktop" or phone_reps is None else phone_reps for v in viewports}
    total = len(scales) * sum(reps_of.values()) * per_rep
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="khata-bench-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    records, runs = [], {}
    try:
        with sync_playwright() as playwright, tqdm(total=total, desc="pages", disable=not progress) as bar:
            browser = pb.launch(playwright)
            for scale in scales:
                path, login, info = prepare(scale, work)
                before = machine()
                server = pb.Server(path, work / f"streamlit-{scale}.log").start()
                try:
                    for viewport in viewports:
                        bar.set_postfix_str(f"{scale} {viewport}")
                        n = reps_of[viewport]
                        records += measure_viewport(browser, server, login, scale, viewport, n, only,
                                                    bar.update)
                finally:
                    server.stop()
                runs[scale] = {"database": info, "reps": reps, "phone_reps": phone_reps or reps,
                               "viewports": list(viewports),
                               "loadavg_before": before["loadavg"], **machine()}
            browser.close()
    finally:
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return {"records": report.add_goals(records), "runs": runs}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="append", choices=("demo", "big"), help="default: both")
    parser.add_argument("--viewport", action="append", choices=tuple(pb.VIEWPORTS), help="default: both")
    parser.add_argument("--reps", type=int, default=5, help="repetitions on the desktop (default 5)")
    parser.add_argument("--phone-reps", type=int, default=None,
                        help="repetitions on the phone (default: --reps; the same goals as on the desktop)")
    parser.add_argument("--page", action="append", help="only these sidebar pages (by title)")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/pages.json)")
    parser.add_argument("--no-readme", action="store_true", help="do not write the table into bench/README.md")
    parser.add_argument("--work-dir", type=Path, help="keep the databases and server logs here")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scales = args.scale or ["demo", "big"]
    viewports = args.viewport or list(pb.VIEWPORTS)
    result = run(scales, viewports, args.reps, args.page, args.work_dir, not args.no_progress, args.phone_reps)
    out = report.write_json(result["records"], result["runs"], args.out)
    table = report.markdown(result["records"])
    loads = "; ".join(f"{s}: load {r['loadavg_before'][0]} -> {r['loadavg'][0]}" for s, r in result["runs"].items())
    header = (f"Last `make bench-pages` run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, median of "
              f"{args.reps} (phone {args.phone_reps or args.reps}), {loads}; "
              f"took {time.perf_counter() - started:.0f} s.")
    print(f"\n{header}\n\n{table}\n\nResults merged into {out}.")
    if not args.no_readme and args.out is None:
        report.write_readme(table, header)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
