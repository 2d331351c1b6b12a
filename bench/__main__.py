"""python -m bench --quick | --full | --scale tiny|big|platform

--quick (make bench): the big shop (1 shop, 5,000 customers, 100,000 loans,
250,000 repayments), few repetitions, a few minutes at most.
--full (make bench-full): the platform (2,000 shops, 200,000 customers,
1,000,000 loans, 2,500,000 repayments).

Prints a markdown table and merges the records into bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from .harness import run_scale
from .report import markdown, write_results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="big shop, few repetitions (default)")
    mode.add_argument("--full", action="store_true", help="platform scale")
    mode.add_argument("--scale", choices=("tiny", "big", "platform"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work-dir", type=Path, help="keep the generated databases here")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/latest.json)")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--only", action="append", help="only this operation (repeatable); results still merged")
    args = parser.parse_args(argv)

    scale = args.scale or ("platform" if args.full else "big")
    quick = not args.full and scale != "platform"
    started = time.perf_counter()
    res = run_scale(scale, quick=quick, seed=args.seed, work_dir=args.work_dir, progress=not args.no_progress,
                    only=tuple(args.only) if args.only else None)
    gen, m = res["generated"], res["machine"]
    print(f"\n## Credikhaata benchmark: {scale} (ledger date {gen['as_of']})\n")
    print(f"machine: {m['nproc']} of {m['cpu_count']} CPUs ({m['cpu_model']}), Python {m['python']}, "
          f"DuckDB {m['duckdb']}, SQLite {m['sqlite']}, load average before {m['loadavg_before']} "
          f"after {m['loadavg']}")
    rows = ", ".join(f"{k} {v:,}" for k, v in gen["rows"].items())
    print(f"data: {rows}; generated in {gen['seconds']:.1f} s (build {gen['build_s']:.1f} s, "
          f"insert {gen['insert_s']:.1f} s), {gen['bytes'] / 1e6:.0f} MB, storage {gen['storage_version']}; "
          f"SQLite copy {gen['sqlite_load_s']:.1f} s\n")
    print(markdown(res["records"]))
    out = write_results({scale: res}, args.out, tuple(args.only) if args.only else None)
    print(f"\nTargets apply at platform scale. Results merged into {out}; "
          f"total {time.perf_counter() - started:.0f} s.")
    bad = [r for r in res["records"] if r.get("answers_agree") is False or r.get("errors")]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
