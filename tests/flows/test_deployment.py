"""prefect.yaml against a real local Prefect server: deploy, then read back the schedule
and the next run (8:00 in India is 02:30 UTC)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))

pytestmark = pytest.mark.prefect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1")
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the Prefect server did not start"
            time.sleep(0.5)
        yield api, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_prefect_yaml_deploys_daily_8am_ist(prefect_server):
    api, env = prefect_server
    subprocess.run([PREFECT, "work-pool", "create", "credikhaata-pool", "--type", "process", "--overwrite"],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    deployed = subprocess.run([PREFECT, "--no-prompt", "deploy", "--all"], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=180)
    assert deployed.returncode == 0, deployed.stdout[-2000:] + deployed.stderr[-2000:]

    deployment = httpx.get(f"{api}/deployments/name/overdue-reminders/daily-8am-ist", timeout=10).json()
    assert deployment["work_pool_name"] == "credikhaata-pool"
    assert deployment["entrypoint"] == "flows/overdue_reminders.py:overdue_reminders"
    assert not any("git_clone" in str(step) for step in deployment.get("pull_steps") or [])
    [schedule] = deployment["schedules"]
    assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("0 8 * * *", "Asia/Kolkata")
    assert schedule["active"]
    nightly = httpx.get(f"{api}/deployments/name/book-maintenance/nightly-3am-ist", timeout=10).json()
    assert [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in nightly["schedules"]] == [
        ("0 3 * * *", "Asia/Kolkata")]

    body = {"deployments": {"id": {"any_": [deployment["id"]]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            "sort": "EXPECTED_START_TIME_ASC", "limit": 5}
    deadline = time.monotonic() + 90
    runs = []
    while not runs and time.monotonic() < deadline:
        runs = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10).json()
        if not runs:
            time.sleep(1)
    assert runs, "no scheduled run appeared"
    starts = [datetime.fromisoformat(r["expected_start_time"].replace("Z", "+00:00")) for r in runs]
    now = datetime.now(UTC)
    assert now < starts[0] <= now + timedelta(days=1)
    assert all((s.astimezone(UTC).hour, s.minute, s.second) == (2, 30, 0) for s in starts)
