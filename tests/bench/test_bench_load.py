"""The load benchmark keeps working: two app processes behind HAProxy on the big shop, one
real Chromium user for a few seconds. Checks the record's shape and that every figure is a
real measurement (navigations drawn, CPU read from the app processes, the user landed on one
of the two processes, no failures). Asserts no timings against goals (this machine is shared)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench import load

pytestmark = pytest.mark.browser


def test_bench_load_writes_one_record_per_users_and_processes(tmp_path):
    out = tmp_path / "load.json"
    done = subprocess.run([sys.executable, "-m", "bench.load", "--users", "1", "--processes", "2", "--seconds", "4",
                           "--out", str(out), "--no-readme", "--work-dir", str(tmp_path / "work")],
                          cwd=load.BENCH_DIR.parent, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    payload = json.loads(out.read_text())
    assert payload["book"]["rows"]["loans"] == 100_000
    [rec] = payload["records"]
    assert rec["processes"] == 2 and rec["users"] == 1
    assert rec["failures"] == 0 and rec["warm_up_failures"] == 0
    assert rec["navigations"] >= 1 and 0 < rec["median_ms"] <= rec["p95_ms"]
    assert rec["server_cpu_s"] > 0 and rec["cpu_ms_per_navigation"] > 0
    assert sum(rec["users_per_process"].values()) == 1 and set(rec["users_per_process"]) <= {"app1", "app2"}
    assert len(rec["pages"]) >= 5 and rec["lock_retries"] >= 0
    assert "| 2 | 1 |" in load.markdown(payload["records"])
