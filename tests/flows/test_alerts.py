"""Alerts through a real Prefect server (with its automation services, as `make run` starts
it): the automations from flows/automations.py are created once and updated in place, and a
reminder run that fails is posted to a local webhook receiver through the Custom Webhook block."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.conftest import ROOT
from tests.roots import root_at

pytestmark = pytest.mark.prefect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.received.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def prefect_server(tmp_path):
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "KHATA_DOTENV": str(tmp_path / "no.env")}
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM"):
        env.pop(key, None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([str(ROOT / ".venv/bin/prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.5)
        yield env
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()


FAILING_RUN = """
import prefect
from flows.overdue_reminders import overdue_reminders
with prefect.tags("credikhaata"):
    state = overdue_reminders(db=__import__("sys").argv[1], return_state=True)
print(state.type.value, state.message)
"""


def test_a_failed_run_is_posted_to_the_webhook(prefect_server, tmp_path):
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    Receiver.received.clear()
    env = {**prefect_server, "KHATA_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{receiver.server_port}/hook"}
    try:
        for _ in range(2):  # twice: the second run updates, it does not duplicate
            made = subprocess.run([sys.executable, "-m", "flows.automations"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
            assert made.returncode == 0, made.stdout + made.stderr
            assert "Alerts: 3 automations post to KHATA_ALERT_WEBHOOK_URL" in made.stdout
        listed = subprocess.run([sys.executable, "-c", "from prefect.client.orchestration import get_client\n"
                                 "with get_client(sync_client=True) as c:\n"
                                 "    print('\\n'.join(sorted(a.name for a in c.read_automations())))"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        names = [n for n in listed.stdout.splitlines() if n.startswith("credikhaata: ")]
        assert len(names) == 5 and len(set(names)) == 5, listed.stdout + listed.stderr

        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")  # the book path is under a file: the run fails at once
        ran = subprocess.run([sys.executable, "-c", FAILING_RUN, str(blocker / "k.duckdb")], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=180)
        assert ran.stdout.startswith("FAILED"), ran.stdout + ran.stderr
        deadline = time.monotonic() + 90
        while not Receiver.received and time.monotonic() < deadline:
            time.sleep(0.5)
        assert Receiver.received, "no alert arrived within 90 s"
        alert = Receiver.received[0]
        assert "overdue-reminders" in alert["subject"] and "Failed" in alert["subject"]
        assert "a-file" in alert["text"]  # the run's one-line state message travels with it

        # without the setting the alerts are removed; the heartbeat automation stays
        quiet = {k: v for k, v in env.items() if k != "KHATA_ALERT_WEBHOOK_URL"}
        made = subprocess.run([sys.executable, "-m", "flows.automations"], cwd=ROOT, env=quiet,
                              capture_output=True, text=True, timeout=120)
        assert made.stdout.startswith("Alerts go nowhere: KHATA_ALERT_WEBHOOK_URL is not set")
    finally:
        receiver.shutdown()


LONG_RUN = """
import prefect, sys
from flows.overdue_reminders import overdue_reminders
with prefect.tags("credikhaata"):
    overdue_reminders(db=sys.argv[1])
"""
HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(900)
"""


@pytest.mark.skipif(os.environ.get("KHATA_RELIABILITY") != "full", reason="minutes long: `make reliability`")
@pytest.mark.timeout(900)
def test_a_run_whose_process_is_killed_is_marked_crashed(prefect_server, tmp_path):
    """The server stays up, the flow-run process is killed (SIGKILL): its heartbeats stop and
    the automation marks the run Crashed (Prefect alone would leave it Running for ever)."""
    import signal

    from khata import accounts

    db_file = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(db_file), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    env = {**prefect_server, "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30", "KHATA_LOCK_TIMEOUT": "5"}
    made = subprocess.run([sys.executable, "-m", "flows.automations"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_file)], stdout=subprocess.PIPE, text=True)
    run = None
    try:
        assert holder.stdout.readline().strip() == "locked"  # the run waits for the book: a long run
        run = subprocess.Popen([sys.executable, "-c", LONG_RUN, str(db_file)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        api = env["PREFECT_API_URL"]
        import httpx

        def runs():
            return httpx.post(f"{api}/flow_runs/filter", json={}, timeout=30).json()

        def heartbeats():
            answer = httpx.post(f"{api}/events/filter", timeout=30,
                                json={"filter": {"event": {"prefix": ["prefect.flow-run.heartbeat"]}}})
            return int(answer.json().get("total") or 0)

        deadline = time.monotonic() + 180
        while heartbeats() < 2:
            assert run.poll() is None and time.monotonic() < deadline, runs()
            time.sleep(2)
        time.sleep(5)
        os.killpg(run.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        while True:
            states = [r["state_type"] for r in runs()]
            if states == ["CRASHED"]:
                break
            assert time.monotonic() - killed_at < 240, f"still {states} 4 min after the kill"
            time.sleep(5)
        print(f"killed run marked Crashed {time.monotonic() - killed_at:.0f} s after the kill")
    finally:
        if run is not None and run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        holder.kill()
        holder.wait()
