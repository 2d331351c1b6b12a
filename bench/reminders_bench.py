"""Reminder sending throughput: ``python -m bench.reminders_bench`` (``make bench-reminders``).

A local fake Twilio (real HTTP on 127.0.0.1, the real ``twilio`` client and its
``TwilioHttpClient``) answers every message after 100 ms. With N overdue
customers (default 2,000) the same run measures:

1. the whole reminder run (``khata.reminders.run_reminders``: prepare, select,
   queue, claim in batches, send concurrently under the rate limit, record) at
   the configured limit (default 10 messages/s);
2. the same at a higher limit (default 50/s) to show where the sender tops out;
3. a one-at-a-time loop over the same messages (send, wait for the answer, next).

Reported: messages/s, % of the configured rate, the most requests let through
in any one second (must never exceed the limit), the most the fake Twilio saw
arrive in any one second (the same plus scheduling jitter on this machine), and
the speed-up over the loop. Goal: >= 90 % of the configured rate.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bench.roots import root_at
from khata import accounts, db, reminders
from khata.notify import OutgoingMessage
from khata.notify.ratelimit import RateLimiter
from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier

from .fake_twilio import FakeTwilioServer

TODAY = date(2026, 11, 27)
RESULTS = Path(__file__).resolve().parent / "results" / "reminders.json"


def make_shop(path: Path, n: int, tag: str) -> int:
    """A shop with ``n`` customers, each one purchase 1 day overdue (all on the ladder today)."""
    shop = accounts.register_shopkeeper(root_at(path), name="Bench Keeper", shop_name=f"Bench Kirana {tag}",
                                        username=f"bench{tag}", email=f"bench{tag}@example.in", phone="9876543210",
                                            password="Bench@1234")
    sid = shop["shop_id"]

    def work(con):
        con.execute("UPDATE shops SET upi_id = 'bench.kirana@okaxis' WHERE shop_id = ?", [sid])
        first_customer = con.execute(f"SELECT nextval('customer_id_seq') FROM range({n})").fetchall()
        first_loan = con.execute(f"SELECT nextval('loan_id_seq') FROM range({n})").fetchall()
        db.insert_rows(con, "customers", [
            {"customer_id": c[0], "shop_id": sid, "name": f"Customer {i:05d}",
             "phone": f"+9198{int(tag, 36) % 10}{i:07d}", "credit_limit": Decimal("10000.00")}
            for i, c in enumerate(first_customer)])
        db.insert_rows(con, "loans", [
            {"loan_id": l[0], "shop_id": sid, "customer_id": c[0], "item": "Rice 5 kg",
             "amount": Decimal("1234.50") + i % 100, "issue_date": date(2026, 11, 1), "due_date": date(2026, 11, 26),
             "grace_days": 0}
            for i, (c, l) in enumerate(zip(first_customer, first_loan))])
    root_at(path).in_transaction(work)
    return sid


def max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


def notifier_for(server: FakeTwilioServer, timeout_s: float = 10.0) -> TwilioWhatsAppNotifier:
    config = TwilioConfig("AC" + "0" * 32, "bench-token", "whatsapp:+14155238886", "HX" + "0" * 32, timeout_s)
    return TwilioWhatsAppNotifier(config, base_url=server.url)


def bench_run(path: Path, n: int, rate: float, workers: int | None, latency: float, tag: str) -> dict:
    shop_id = make_shop(path, n, tag)
    workers = workers or reminders.workers_from_env(rate)
    limiter = RateLimiter(rate)
    with FakeTwilioServer(latency_s=latency) as server:
        notifier = notifier_for(server)
        started = time.perf_counter()
        result = reminders.run_reminders(root_at(path), today=TODAY, shop=f"bench{tag}", notifier=notifier,
                                         limiter=limiter, workers=workers)
        elapsed = time.perf_counter() - started
        arrivals = [r["t"] for r in server.sends()]
    sent = result["totals"]["sent"]
    assert sent == n, result["totals"]
    window = max(arrivals) - min(arrivals)
    return {"approach": f"run_reminders, limit {rate:g}/s, {workers} workers", "configured_rate": rate,
            "messages": sent, "seconds": round(elapsed, 2), "messages_per_s": round(sent / elapsed, 2),
            "pct_of_limit": round(100 * sent / elapsed / rate, 1),
            "send_window_msgs_per_s": round((sent - 1) / window, 2) if window else None,
            "max_released_in_any_second": max_in_any_second(limiter.released),
            "max_in_any_second": max_in_any_second(arrivals), "shop_id": shop_id}


def bench_loop(path: Path, n: int, latency: float) -> dict:
    """One at a time: the same claimed rows, sent by a plain loop with no concurrency."""
    rows = root_at(path).on_connection(lambda con: db.rows_as_dicts(con.execute(
        "SELECT phone, message_text FROM reminder_outbox ORDER BY reminder_id LIMIT ?", [n])))
    with FakeTwilioServer(latency_s=latency) as server:
        notifier = notifier_for(server)
        started = time.perf_counter()
        ok = 0
        for r in rows:
            ok += notifier.send(OutgoingMessage(to=r["phone"], body=r["message_text"], variables={"1": "x"})
                                ).status == "sent"
        elapsed = time.perf_counter() - started
    return {"approach": "one-at-a-time loop (send, wait, next)", "configured_rate": None, "messages": ok,
            "seconds": round(elapsed, 2), "messages_per_s": round(ok / elapsed, 2), "pct_of_limit": None,
            "send_window_msgs_per_s": None, "max_released_in_any_second": None, "max_in_any_second": None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="reminders per approach (default 2000)")
    parser.add_argument("--rate", type=float, default=10.0, help="configured limit, messages/s (default 10)")
    parser.add_argument("--high-rate", type=float, default=50.0, help="a second, higher limit (0 to skip)")
    parser.add_argument("--workers", type=int, default=None, help="sender threads (default: from the rate)")
    parser.add_argument("--latency", type=float, default=0.1, help="fake Twilio answer time, s (default 0.1)")
    parser.add_argument("--quick", action="store_true", help="300 reminders instead of 2000")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    n = 300 if args.quick else args.n

    with tempfile.TemporaryDirectory(prefix="reminders-bench-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        rows = [bench_run(path, n, args.rate, args.workers, args.latency, "a")]
        if args.high_rate:
            rows.append(bench_run(path, n, args.high_rate, args.workers, args.latency, "b"))
        rows.append(bench_loop(path, n, args.latency))
    loop_rate = rows[-1]["messages_per_s"]
    for r in rows[:-1]:
        r["vs_loop"] = round(r["messages_per_s"] / loop_rate, 2)

    print(f"\n## Reminder sending: {n:,} messages, fake Twilio answering in {args.latency * 1000:.0f} ms\n")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}\n")
    print("| approach | messages | seconds | messages/s | % of limit | max sent in any 1 s "
          "| max seen by Twilio in any 1 s | vs loop |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    dash = lambda v: "-" if v is None else v  # noqa: E731
    for r in rows:
        pct = f"{r['pct_of_limit']}%" if r["pct_of_limit"] is not None else "-"
        print(f"| {r['approach']} | {r['messages']:,} | {r['seconds']} | {r['messages_per_s']} | {pct} | "
              f"{dash(r['max_released_in_any_second'])} | {dash(r['max_in_any_second'])} | "
              f"{r.get('vs_loop', 1.0)}x |")
    goal = rows[0]["pct_of_limit"] >= 90 and all(
        r["max_released_in_any_second"] <= r["configured_rate"] for r in rows if r["configured_rate"])
    print(f"\nGoal (>= 90 % of the configured {args.rate:g}/s, never above it): {'met' if goal else 'NOT met'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                    "n": n, "latency_s": args.latency, "rows": rows, "goal_met": goal},
                                   indent=2) + "\n")
    return 0 if goal else 1


if __name__ == "__main__":
    raise SystemExit(main())
