"""The 8:00 run survives a crash of everything: the flow-run process and `make run` are
killed (SIGKILL, no cleanup) in the middle of a run; `make run` is started again; the next
run starts and completes within 3 minutes of the restart, because the dead run's heartbeat
stopped and the automation marked it Crashed, freeing the deployment's concurrency slot.

Long (a few minutes): it runs in `make reliability` (KHATA_RELIABILITY=full). The shorter
checks in `make test`: tests/cli/test_make_run.py (Ctrl-C during a flow run stops it) and
tests/flows/test_alerts.py (the automations exist and fire)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from khata import accounts
from tests.cli.test_make_run import HOLDER, ROOT, _flow_run_processes, _free_port, _marked_processes
from tests.roots import root_at

from .conftest import FULL

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(900),
              pytest.mark.skipif(not FULL, reason="minutes long: `make reliability` runs it (KHATA_RELIABILITY=full)")]


def _start(env, log_path, starts: int):
    log = log_path.open("a")
    run = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    deadline = time.monotonic() + 180
    while log_path.read_text().count("Press Ctrl-C") < starts:
        assert run.poll() is None and time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.5)
    return run, log


def _runs(api_env) -> list[dict]:
    code = ("from prefect.client.orchestration import get_client\nimport json\n"
            "with get_client(sync_client=True) as c:\n"
            "    print(json.dumps([{'id': str(r.id), 'state': r.state.type.value, 'name': r.state.name}"
            " for r in c.read_flow_runs()]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=api_env, capture_output=True, text=True,
                         timeout=60)
    return json.loads(out.stdout or "[]")


def _heartbeats(api_env) -> int:
    """Flow-run heartbeats the server has received."""
    import httpx

    answer = httpx.post(api_env["PREFECT_API_URL"] + "/events/filter", timeout=30,
                        json={"filter": {"event": {"prefix": ["prefect.flow-run.heartbeat"]}}})
    return int(answer.json().get("total") or 0)


def test_killed_run_and_make_run_then_the_next_run_completes(tmp_path):
    db_file = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(db_file), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    app_port, prefect_port, mark = _free_port(), _free_port(), f"khata-run-test-{uuid.uuid4()}"
    env = {**os.environ, "KHATA_DB": str(db_file), "KHATA_PORT": str(app_port), "PREFECT_PORT": str(prefect_port),
           "PREFECT_HOME": str(tmp_path / "prefect"), "KHATA_DOTENV": str(tmp_path / "no.env"),
           "KHATA_COOKIE_KEY_FILE": str(tmp_path / "cookie_key"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "KHATA_RUN_TEST_MARK": mark, "KHATA_LOCK_TIMEOUT": "5"}
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "KHATA_ALERT_WEBHOOK_URL"):
        env.pop(key, None)
    api = {**env, "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api"}
    log_path = tmp_path / "run.log"
    log_path.write_text("")
    holder = None
    logs = []
    try:
        run, log = _start(env, log_path, 1)
        logs.append(log)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_file)], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"  # the run's first step will wait: a long run
        deployment = [str(ROOT / ".venv/bin/prefect"), "deployment", "run", "overdue-reminders/daily-8am-ist"]
        assert subprocess.run(deployment, cwd=ROOT, env=api, capture_output=True, timeout=120).returncode == 0
        deadline = time.monotonic() + 120
        while not _flow_run_processes(mark):
            assert time.monotonic() < deadline, "no flow run started:\n" + log_path.read_text()
            time.sleep(0.5)
        while _heartbeats(api) < 2:  # the run is Running (waiting for the book), its heartbeats are seen
            assert time.monotonic() < deadline + 120, f"no heartbeat: {_runs(api)}"
            time.sleep(1)
        for pid in _marked_processes(mark):  # the machine "crashes": everything dies, nothing cleans up
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        run.wait(timeout=10)
        holder.kill()
        holder.wait()

        restarted_at = time.monotonic()
        run, log = _start(env, log_path, 2)
        logs.append(log)
        assert subprocess.run(deployment, cwd=ROOT, env=api, capture_output=True, timeout=120).returncode == 0
        while True:
            runs = _runs(api)
            done = [r for r in runs if r["state"] == "COMPLETED"]
            if done:
                break
            assert time.monotonic() - restarted_at < 180, f"no run completed 3 min after the restart: {runs}"
            time.sleep(3)
        took = time.monotonic() - restarted_at
        print(f"restart -> next run completed in {took:.0f} s; runs: {runs}")
        assert any(r["state"] == "CRASHED" for r in runs), runs  # the dead run was marked Crashed
        os.killpg(run.pid, signal.SIGINT)
        run.wait(timeout=15)
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
        for pid in _marked_processes(mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for log in logs:
            log.close()
