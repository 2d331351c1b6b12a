"""python -m bench.load (make bench-load): N browser users over K app processes on one book.

The big shop (5,000 customers, 100,000 credit sales, 250,000 repayments; login bench1)
is served exactly as ``make run-scaled`` serves it: K app processes behind HAProxy,
sticky by cookie (khata/scaleout.py), K = 1 included so every row goes through the
same proxy. Each app process is the benchmark's server (bench/pages_server.py: the
app plus a hook that reports its file-lock figures). For each K and each N, N users
(one Debian Chromium, N browser contexts: separate cookies, separate sessions) log in
through the proxy, then for ``--seconds`` each clicks through the sidebar's pages one
after another, as fast as the pages are drawn (no think time: the worst case for the
server). Loopback traffic only; every loop stops at its deadline (a navigation is
given at most 20 s, then counted as a failure).

Per N x K: navigations, navigations per second, median and p95 time until the page is
drawn (bench/pages_browser.py's definition), the app processes' CPU per navigation
(utime + stime from /proc, all processes summed, over the timed window only), failures
(a page not drawn in 20 s or another page shown), the processes' file-lock retries
(``khata.db.lock_stats``: a unit of work that found the book held by the other process
and waited), which process each user landed on, and the load average before and after.
The browsers run on the same 2 cores as the servers: at N = 8 they take a large share.

Results: bench/results/load.json (one record per N x K with ``processes`` and
``failures``) and a table in bench/README.md between markers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from khata import scaleout

from . import pages_browser as pb
from .generate import PASSWORD, generate

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "load.json"
README = BENCH_DIR / "README.md"
BEGIN, END = "<!-- bench-load:begin -->", "<!-- bench-load:end -->"
LOGIN = ("bench1", PASSWORD)
NAV_TIMEOUT_MS = 20_000
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


class Servers:
    """K app processes (the benchmark's server, each with its statistics hook) behind HAProxy."""

    def __init__(self, processes: int, db: Path, log_dir: Path):
        self.hooks: dict[int, int] = {}

        def command(port: int) -> list[str]:
            hook = scaleout.free_port()
            self.hooks[port] = hook
            return [sys.executable, "-m", "bench.pages_server", str(port), str(hook)]

        self.cluster = scaleout.Cluster(processes, scaleout.free_port(), log_dir, db=db, app_command=command,
                                        extra_env={"KHATA_COOKIE_KEY": "bench-load-cookie-key-" + "k" * 40})

    def __enter__(self) -> Servers:
        self.cluster.start()
        return self

    def __exit__(self, *exc) -> None:
        self.cluster.stop()

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.cluster.pids())

    def proxy_cpu(self) -> float:
        return cpu_seconds(self.cluster.proxy.pid)

    def lock_stats(self) -> list[dict]:
        return [_get_json(f"http://127.0.0.1:{self.hooks[port]}/stats") for port in self.cluster.app_ports]


async def _idle(page) -> None:
    await page.wait_for_selector('[data-testid="stApp"]', timeout=pb.TIMEOUT_MS)
    await page.wait_for_timeout(300)
    await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=pb.TIMEOUT_MS)


# The login is followed by more script runs of its own: the login cookie is written by a browser
# component, which sends its value back (a rerun), and the cookie reader sees the new cookie (another
# one), up to a second or more after the page first looks idle. A sidebar click sent while such a
# run is on its way is overtaken by it: that run carries the page the browser was on, so the app
# draws that page again ("'Account' asked for, 'Reminders' shown" in a warm-up at load 28). A person
# does not tap a menu in the second after logging in; the harness waits until the runs stop: the
# last run finished, the status widget gone, and no new run started for SETTLED_MS.
SETTLED_MS = 2000
SETTLED_JS = """
(quiet) => {
  let last = null;
  for (const m of window.__ws || []) if (m[2] === 4 || m[2] === 5 || m[2] === 6) last = m;
  if (!last || last[2] !== 6) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  return performance.now() - last[0] >= quiet;
}
"""


async def _settled(page) -> None:
    """Until no script run is under way or has started for ``SETTLED_MS`` (see above)."""
    await _idle(page)
    await page.wait_for_function(SETTLED_JS, arg=SETTLED_MS, polling=100, timeout=pb.TIMEOUT_MS)


async def _log_in(context, base: str):
    page = await context.new_page()
    page.set_default_timeout(pb.TIMEOUT_MS)
    await page.goto(f"{base}/")
    await _idle(page)
    await page.get_by_label("Username", exact=True).fill(LOGIN[0])
    await page.get_by_label("Password", exact=True).fill(LOGIN[1])
    await page.get_by_role("button", name="Log in").click()
    await page.locator('[data-testid="stSidebarNav"]').first.wait_for(state="attached", timeout=pb.TIMEOUT_MS)
    await _settled(page)
    return page


async def _pages(page) -> list[dict]:
    return await page.eval_on_selector_all(
        '[data-testid="stSidebarNav"] a',
        "links => links.map((a, index) => ({index, path: new URL(a.href).pathname.replace(/^\\//, ''),"
        " title: (a.querySelector('span[label]') || a).getAttribute('label') || a.textContent.trim()}))")


async def _navigate(page, target: dict) -> float:
    """Click ``target``'s sidebar link; ms until it is drawn, or NotDrawn."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    link = page.locator('[data-testid="stSidebarNav"] a').nth(target["index"])
    t0 = await link.evaluate(pb.CLICK_JS)
    try:
        handle = await page.wait_for_function(pb.DRAWN_JS, arg=[target["title"], t0], polling="raf",
                                              timeout=NAV_TIMEOUT_MS)
    except PlaywrightTimeout:
        raise pb.NotDrawn(f"{target['title']!r} not drawn in {NAV_TIMEOUT_MS} ms") from None
    drawn = await handle.json_value()
    if isinstance(drawn, dict):
        raise pb.NotDrawn(f"{target['title']!r} asked for, {drawn['wrong']!r} shown")
    return drawn - t0


async def _user(page, pages: list[dict], offset: int, deadline: float | None, out: dict,
                visits: int | None = None) -> None:
    """Click through the sidebar until the deadline, or ``visits`` times (each user starts at
    another page)."""
    i = offset
    while (time.monotonic() < deadline) if deadline is not None else (i - offset < visits):
        i += 1
        target = pages[i % len(pages)]
        try:
            out["ms"].append(await _navigate(page, target))
        except pb.NotDrawn as err:
            out["failures"].append(str(err))
            try:  # back to a known state (a full load logs in again from the cookie), then go on
                await page.goto(f"{out['base']}/{target['path']}")
                await _settled(page)
            except Exception as again:  # noqa: BLE001 - recorded, the loop still ends at the deadline
                out["failures"].append(f"recovery: {type(again).__name__}: {again}")


async def run_users(base: str, users: int, seconds: float, servers: Servers) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=pb.CHROMIUM, args=pb.CHROMIUM_ARGS,
                                                   headless=True)
        try:
            contexts = [await browser.new_context(viewport=pb.VIEWPORTS["desktop"]) for _ in range(users)]
            for context in contexts:
                await context.add_init_script(pb.WS_LOG_JS)
            pages = [await _log_in(context, base) for context in contexts]  # not timed
            links = await _pages(pages[0])
            landed = []
            for context in contexts:
                cookies = {c["name"]: c["value"] for c in await context.cookies()}
                landed.append(cookies.get(scaleout.COOKIE))
            outs = [{"ms": [], "failures": [], "base": base} for _ in range(users)]
            # warm-up, not timed: each user visits every page once (the processes' first imports
            # and data caches); the timed window then sees what a day of use sees: mostly cached
            # pages, and a cold one whenever a cache entry expires (60 s)
            warm = [{"ms": [], "failures": [], "base": base} for _ in range(users)]
            await asyncio.gather(*(_user(page, links, n, None, out, visits=len(links))
                                   for n, (page, out) in enumerate(zip(pages, warm, strict=True))))
            locks_before, cpu_before, proxy_before = servers.lock_stats(), servers.cpu(), servers.proxy_cpu()
            load_before = os.getloadavg()
            started = time.monotonic()
            await asyncio.gather(*(_user(page, links, n, started + seconds, out)
                                   for n, (page, out) in enumerate(zip(pages, outs, strict=True))))
            elapsed = time.monotonic() - started
            cpu, proxy_cpu = servers.cpu() - cpu_before, servers.proxy_cpu() - proxy_before
            locks_after = servers.lock_stats()
            load_after = os.getloadavg()
        finally:
            await browser.close()
    ms = sorted(x for out in outs for x in out["ms"])
    failures = [f for out in warm + outs for f in out["failures"]]  # the warm-up's count too
    navs = len(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))] if ms else None
    return {
        "users": users, "seconds": round(elapsed, 1), "navigations": navs,
        "navigations_per_s": round(navs / elapsed, 2) if elapsed else None,
        "median_ms": round(statistics.median(ms), 1) if ms else None, "p95_ms": round(p95, 1) if p95 else None,
        "server_cpu_s": round(cpu, 2), "cpu_ms_per_navigation": round(cpu * 1000 / navs, 1) if navs else None,
        "proxy_cpu_ms_per_navigation": round(proxy_cpu * 1000 / navs, 2) if navs else None,
        "failures": len(failures), "failure_examples": failures[:5],
        "warm_up_failures": sum(len(out["failures"]) for out in warm),
        "lock_retries": sum(a["retries"] - b["retries"] for a, b in zip(locks_after, locks_before, strict=True)),
        "conflict_retries": sum(a["conflict_retries"] - b["conflict_retries"]
                                for a, b in zip(locks_after, locks_before, strict=True)),
        "longest_open_incl_lock_wait_s": round(max(a["longest_wait_s"] for a in locks_after), 3),
        "users_per_process": {name: landed.count(name) for name in sorted(set(landed), key=str)},
        "pages": [t["title"] for t in links],
        "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in load_after],
    }


def markdown(records: list[dict]) -> str:
    lines = ["| app processes | users | navigations | per s | median ms | p95 ms | server CPU ms / navigation | "
             "failures | lock retries | users per process | load before → after |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in records:
        spread = ", ".join(f"{k}: {v}" for k, v in r["users_per_process"].items())
        lines.append(f"| {r['processes']} | {r['users']} | {r['navigations']} | {r['navigations_per_s']} | "
                     f"{r['median_ms']:,.0f} | {r['p95_ms']:,.0f} | {r['cpu_ms_per_navigation']} | {r['failures']} | "
                     f"{r['lock_retries']} | {spread} | {r['loadavg_before'][0]} → {r['loadavg_after'][0]} |")
    return "\n".join(lines)


def write_readme(table: str, header: str) -> None:
    text = README.read_text()
    block = f"{BEGIN}\n{header}\n\n{table}\n{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, action="append", help="browser users (default 1, 4, 8)")
    parser.add_argument("--processes", type=int, action="append", help="app processes (default 1, 2)")
    parser.add_argument("--seconds", type=float, default=60, help="timed window per N x K (default 60)")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/load.json)")
    parser.add_argument("--no-readme", action="store_true", help="do not write the table into bench/README.md")
    parser.add_argument("--work-dir", type=Path, help="keep the book and the logs here")
    args = parser.parse_args(argv)
    users, processes = args.users or [1, 4, 8], args.processes or [1, 2]
    started = time.perf_counter()
    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="khata-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    records = []
    try:
        db = work / "big.duckdb"
        info = generate(db, "big", 7)
        for k in processes:
            with Servers(k, db, work / f"logs-{k}") as servers:
                for n in users:
                    rec = asyncio.run(run_users(servers.cluster.base, n, args.seconds, servers))
                    rec = {"processes": k, **rec}
                    records.append(rec)
                    print(f"K={k} N={n}: {rec['navigations']} navigations, median {rec['median_ms']} ms, "
                          f"p95 {rec['p95_ms']} ms, {rec['cpu_ms_per_navigation']} ms CPU each, "
                          f"{rec['failures']} failures, {rec['lock_retries']} lock retries", flush=True)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    payload = {"generated_by": "python -m bench.load", "book": {"scale": "big", "rows": info["rows"],
                                                                 "storage_version": info["storage_version"]},
               "seconds_per_run": args.seconds, "cpu_count": os.cpu_count(),
               "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "records": records}
    out = args.out or RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
    table = markdown(records)
    header = (f"Last `make bench-load` run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, big shop, "
              f"{args.seconds:.0f} s per row, {os.cpu_count()} cores shared with the browsers (and with other "
              f"work: see the load average); took {time.perf_counter() - started:.0f} s.")
    print(f"\n{header}\n\n{table}\n\nResults in {out}.")
    if not args.no_readme and args.out is None:
        write_readme(table, header)
    return 1 if any(r["failures"] for r in records) else 0


if __name__ == "__main__":
    raise SystemExit(main())
