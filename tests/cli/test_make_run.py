"""`make run` then Ctrl-C: everything it started (Prefect server, worker, Streamlit and
whatever they spawned) is gone within seconds, and the database is intact. The book it
starts on was written in DuckDB 1.5's format: `make run` upgrades it first, saying so."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import duckdb
import pytest

from khata import accounts
from tests.roots import root_at

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.prefect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _marked_processes(mark: str) -> set[int]:
    """Processes whose environment carries ``mark`` (children inherit it, even if reparented)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes():
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("processes", [1, 2])
def test_ctrl_c_stops_everything_within_seconds(tmp_path, processes):
    """With KHATA_APP_PROCESSES=2 (make run-scaled) the app is two processes behind HAProxy."""
    db_file = tmp_path / "k.duckdb"
    # a book as DuckDB 1.5 left it: 2.0 keeps writing a file in the format it finds
    duckdb.connect(str(db_file), config={"storage_compatibility_version": "v1.5.0"}).close()
    accounts.register_shopkeeper(root_at(db_file), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    app_port, prefect_port, mark = _free_port(), _free_port(), f"khata-run-test-{uuid.uuid4()}"
    env = {**os.environ, "KHATA_DB": str(db_file), "KHATA_PORT": str(app_port), "PREFECT_PORT": str(prefect_port),
           "PREFECT_HOME": str(tmp_path / "prefect"), "KHATA_DOTENV": str(tmp_path / "no.env"),
           "KHATA_COOKIE_KEY_FILE": str(tmp_path / "cookie_key"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "KHATA_STREAMLIT_COOKIE_SECRET_FILE": str(tmp_path / "streamlit_secret"),
           "KHATA_APP_PROCESSES": str(processes),
           "DO_NOT_TRACK": "1", "KHATA_RUN_TEST_MARK": mark}
    log = (tmp_path / "run.log").open("w")
    # A terminal's Ctrl-C goes to the foreground process group: run.sh gets its own, like `make run` would.
    run = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 80
        while not _answers(f"http://127.0.0.1:{app_port}/_stcore/health"):
            assert run.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "the app never answered:\n" + (tmp_path / "run.log").read_text()
            time.sleep(0.5)
        assert _answers(f"http://127.0.0.1:{prefect_port}/api/health"), (tmp_path / "run.log").read_text()
        deadline = time.monotonic() + 20
        while "Press Ctrl-C" not in (tmp_path / "run.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        worker_log = tmp_path / "prefect" / "worker.log"
        while "started" not in (worker_log.read_text() if worker_log.exists() else "") \
                and time.monotonic() < deadline:  # the worker polls its server: the state that hung
            time.sleep(0.2)
        time.sleep(2)
        started = _marked_processes(mark)
        # run.sh, the Prefect server, its worker, Streamlit (or the scale-out, its processes and HAProxy)
        assert len(started) >= (4 if processes == 1 else 5 + processes), started

        os.killpg(run.pid, signal.SIGINT)
        stopped_at = time.monotonic()
        while _marked_processes(mark) and time.monotonic() - stopped_at < 10:
            time.sleep(0.1)
        left = _marked_processes(mark)
        took = time.monotonic() - stopped_at
        print(f"make run: {len(started)} processes stopped in {took:.1f} s")
        assert not left, f"still running {took:.0f} s after Ctrl-C: {left}\n" + (tmp_path / "run.log").read_text()
        assert run.wait(timeout=5) is not None
        said = (tmp_path / "run.log").read_text()
        assert "Stopped." in said
        assert said.count(f"Upgraded {db_file} to DuckDB 2.0's format") == 1, said
    finally:
        for pid in _marked_processes(mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        log.close()
    assert not _answers(f"http://127.0.0.1:{app_port}/_stcore/health")
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        assert con.execute("SELECT username FROM shopkeepers").fetchall() == [("ravi",)]
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] >= 3
        assert con.execute("SELECT tags['storage_version'] FROM duckdb_databases()"
                           " WHERE database_name = current_database()").fetchone()[0] == "v2.0.0+"
    finally:
        con.close()
    [backup] = tmp_path.glob("k-before-duckdb-2.0-*/k.duckdb")  # the old book, kept owner-only
    assert backup.stat().st_mode & 0o077 == 0

    # The next `make run` finds the book upgraded and says so; no second backup.
    mark = f"khata-run-test-{uuid.uuid4()}"
    upgraded = db_file.read_bytes()
    with (tmp_path / "run2.log").open("w") as log2:
        run = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env={**env, "KHATA_RUN_TEST_MARK": mark},
                               stdout=log2, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while "DuckDB 2.0's format" not in (tmp_path / "run2.log").read_text() and time.monotonic() < deadline:
                assert run.poll() is None, (tmp_path / "run2.log").read_text()
                time.sleep(0.2)
            os.killpg(run.pid, signal.SIGINT)
            run.wait(timeout=30)
        finally:
            for pid in _marked_processes(mark):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    said = (tmp_path / "run2.log").read_text()
    assert f"{db_file} is already in DuckDB 2.0's format; nothing to do." in said and "Upgraded" not in said, said
    assert list(tmp_path.glob("k-before-*")) == [backup.parent]
    assert db_file.read_bytes() == upgraded


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(600)
"""


def _flow_run_processes(mark: str) -> set[int]:
    """The marked processes that are Prefect flow runs (``python -m prefect.engine``)."""
    found = set()
    for pid in _marked_processes(mark):
        try:
            if b"prefect.engine" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.add(pid)
        except OSError:
            continue
    return found


def test_ctrl_c_during_a_flow_run_stops_the_flow_run_too(tmp_path):
    """The worker starts a flow run in a session of its own; Ctrl-C on `make run` must still
    stop it (within 5 s), and the pid file of flow runs is cleared."""
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
    log_path = tmp_path / "run.log"
    log = log_path.open("w")
    run = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    holder = None
    try:
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in log_path.read_text():
            assert run.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        assert "Alerts go nowhere: KHATA_ALERT_WEBHOOK_URL is not set" in log_path.read_text()
        # the book held by another program: the run's first step waits and retries (a long run)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_file)], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"
        api = {**env, "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api"}
        started = subprocess.run([str(ROOT / ".venv/bin/prefect"), "deployment", "run",
                                  "overdue-reminders/daily-8am-ist"], cwd=ROOT, env=api, capture_output=True,
                                 text=True, timeout=120)
        assert started.returncode == 0, started.stdout + started.stderr
        while not _flow_run_processes(mark):
            assert time.monotonic() < deadline + 60, "no flow run started:\n" + log_path.read_text()
            time.sleep(0.5)
        flow_runs = _flow_run_processes(mark)
        pids_file = tmp_path / "prefect" / "flow-runs.pids"
        while not (pids_file.exists()
                   and {int(line.split()[0]) for line in pids_file.read_text().splitlines() if line} & flow_runs):
            assert time.monotonic() < deadline + 90, "the flow run was never written down"
            time.sleep(0.5)

        os.killpg(run.pid, signal.SIGINT)
        stopped_at = time.monotonic()
        while _marked_processes(mark) and time.monotonic() - stopped_at < 10:
            time.sleep(0.1)
        took = time.monotonic() - stopped_at
        alive = _marked_processes(mark)
        print(f"make run with a flow run: stopped in {took:.1f} s")
        assert not alive and took <= 5, f"{alive} still running {took:.1f} s after Ctrl-C\n" + log_path.read_text()
        assert not pids_file.exists()
        # the run stopped is written down for the next make run, which marks it Crashed unless it finished
        left = (tmp_path / "prefect" / "flow-runs.left").read_text().split()
        assert len(left) == 1 and len(left[0]) == 36
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
        for pid in _marked_processes(mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        log.close()
