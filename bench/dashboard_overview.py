"""Script time of the dashboard's Overview page (AppTest, in process).

    .venv/bin/python -m bench.dashboard_overview [--big PATH] [--runs 5]

Measures a cold run (empty st.cache_data: every read hits DuckDB) and warm runs
(cached reads) for the demo shop and for the big shop (5,000 customers, 100,000
loans, 250,000 repayments from ``bench.generate``). Target: under 1 s for the
big shop, cold.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.roots import root_at

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")


def _time_overview(db_path: Path, username: str, runs: int) -> dict:
    os.environ["KHATA_DB"] = str(db_path)
    os.environ.setdefault("KHATA_COOKIE_KEY", "bench-cookie-key-" + "b" * 32)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from khata import accounts
    keeper = accounts.get_shopkeeper(root_at(db_path), username)

    def one(clear: bool) -> float:
        if clear:
            st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = keeper["username"]
        at.session_state["name"] = keeper["name"]
        at.session_state["_khata_login_at"] = time.time()
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        assert not at.exception, at.exception
        assert len(at.get("plotly_chart")) == 6 and len(at.metric) == 6
        return elapsed

    one(True)  # imports, plotly templates: paid once per server process
    cold = [one(True) for _ in range(runs)]
    warm = [one(False) for _ in range(runs)]
    return {"cold_median_s": round(statistics.median(cold), 3), "cold_max_s": round(max(cold), 3),
            "warm_median_s": round(statistics.median(warm), 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", default=str(ROOT / "bench" / "data" / "big.duckdb"),
                        help="big-shop database (generated if missing)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    from khata import demo
    with tempfile.TemporaryDirectory() as tmp:
        demo_path = Path(tmp) / "demo.duckdb"
        demo.create_demo(root_at(demo_path))
        demo_times = _time_overview(demo_path, "demo", args.runs)
    big = Path(args.big)
    if not big.exists():
        from bench.generate import generate
        big.parent.mkdir(parents=True, exist_ok=True)
        generate(big, "big")
    big_times = _time_overview(big, "bench1", args.runs)
    print(f"overview script time, demo shop (64 customers, 330 loans): {demo_times}")
    print(f"overview script time, big shop (5,000 customers, 100,000 loans): {big_times}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
