"""Several app processes on one book behind HAProxy, with cookie-based sticky sessions.

Why: one Streamlit process spends its CPU on every navigation of every user it
serves (bench/README.md, "Load"); a second process on the same book doubles what the
server can do on a machine with a second core. A Streamlit session lives in one
process (its WebSocket, its session state, its caches), so the proxy must send a
browser back to the process that served it: HAProxy's ``cookie SERVERID insert``
does that (nginx's free build cannot; ``ip_hash`` sends every browser of one address
to one process). Every process gets the same ``server.cookieSecret`` (through the
environment, never the command line, where ``ps`` would show it) and the same
login-cookie key, so any of them accepts what another one signed.

    python -m khata.scaleout --processes 2 --port 8501      # what `make run` does with KHATA_APP_PROCESSES=2

Each process opens the book for one unit of work at a time and closes it; DuckDB
lets one process hold the file at a time, so the processes take turns (db.py retries
on the lock). Nothing here imports Streamlit.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COOKIE = "SERVERID"  # HAProxy's stickiness cookie: which app process this browser belongs to


def streamlit_cookie_secret() -> str:
    """``KHATA_STREAMLIT_COOKIE_SECRET``, else one generated once into its file (mode 0600),
    so every app process (and every restart) signs Streamlit's cookies alike."""
    return settings.secret_or_generated("KHATA_STREAMLIT_COOKIE_SECRET", "KHATA_STREAMLIT_COOKIE_SECRET_FILE",
                                        "Streamlit cookie secret")


def haproxy_config(port: int, app_ports: list[int], *, address: str = "127.0.0.1") -> str:
    """HAProxy's configuration: one frontend, the app processes as one backend, sticky by cookie.

    Streamlit keeps a WebSocket open for the whole visit: ``timeout tunnel`` lets it
    live; a process that stops answering its health check gets no new browsers."""
    servers = "\n".join(
        f"    server app{i} 127.0.0.1:{p} check inter 2s cookie app{i}" for i, p in enumerate(app_ports, 1))
    return f"""global
    maxconn 4096
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    # a browser whose process is down goes to another one (it logs in again from its cookie)
    option redispatch
    retries 2
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h

frontend credikhaata
    bind {address}:{port}
    default_backend streamlit

backend streamlit
    balance roundrobin
    cookie {COOKIE} insert indirect nocache httponly
    option httpchk GET /_stcore/health
{servers}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Cluster:
    """K app processes and HAProxy in front of them. ``app_command(port)`` is the argv of one
    app process (the benchmark swaps in its own server with a statistics hook)."""
    processes: int
    port: int
    log_dir: Path
    db: Path | None = None
    app_command: object = None
    extra_env: dict = field(default_factory=dict)
    app_ports: list[int] = field(default_factory=list)
    apps: list[subprocess.Popen] = field(default_factory=list)
    proxy: subprocess.Popen | None = None
    _logs: list = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self, port: int) -> list[str]:
        if self.app_command is not None:
            return list(self.app_command(port))
        return [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                "--server.address", "127.0.0.1", "--server.port", str(port),
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]

    def start(self, timeout: float = 120) -> Cluster:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not os.path.exists(haproxy):
            raise RuntimeError("HAProxy is missing: apt-get install -y haproxy (scripts/debian_packages.sh)")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env,
               "STREAMLIT_SERVER_COOKIE_SECRET": streamlit_cookie_secret()}
        if self.db is not None:
            env["KHATA_DB"] = str(self.db)
        self.app_ports = [free_port() for _ in range(self.processes)]
        try:
            for i, port in enumerate(self.app_ports, 1):
                log = open(self.log_dir / f"app{i}.log", "w")
                self._logs.append(log)
                # same process group as this one: `make run`'s Ctrl-C (a signal to the group) reaches them
                self.apps.append(subprocess.Popen(self._command(port), cwd=PROJECT_ROOT, env=env, stdout=log,
                                                  stderr=subprocess.STDOUT))
            config = self.log_dir / "haproxy.cfg"
            config.write_text(haproxy_config(self.port, self.app_ports))
            log = open(self.log_dir / "haproxy.log", "w")
            self._logs.append(log)
            self.proxy = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
            deadline = time.time() + timeout
            while time.time() < deadline:
                dead = [p for p in [*self.apps, self.proxy] if p.poll() is not None]
                if dead:
                    raise RuntimeError(f"a process of the cluster stopped at start; logs in {self.log_dir}")
                if all(_healthy(f"http://127.0.0.1:{p}/_stcore/health") for p in self.app_ports) \
                        and _healthy(f"{self.base}/_stcore/health"):
                    return self
                time.sleep(0.3)
            raise RuntimeError(f"the cluster did not answer in {timeout:.0f} s; logs in {self.log_dir}")
        except BaseException:
            self.stop()
            raise

    def pids(self) -> list[int]:
        return [p.pid for p in self.apps]

    def stop(self) -> None:
        """SIGTERM to each process, SIGKILL to what is left after 10 s."""
        procs = [p for p in [self.proxy, *self.apps] if p is not None]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        for log in self._logs:
            log.close()
        self._logs.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m khata.scaleout", description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=None, help="app processes (default KHATA_APP_PROCESSES)")
    parser.add_argument("--port", type=int, default=None, help="the address's port (default KHATA_PORT)")
    parser.add_argument("--log-dir", type=Path, default=None, help="logs and haproxy.cfg (default: a temp folder)")
    args = parser.parse_args(argv)
    processes = args.processes or settings.get("KHATA_APP_PROCESSES")
    port = args.port or settings.get("KHATA_PORT")
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="khata-scaleout-"))
    cluster = Cluster(processes, port, log_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    cluster.start()
    print(f"{processes} app processes behind HAProxy at http://localhost:{port} "
          f"(sticky by the {COOKIE} cookie; logs in {log_dir})", flush=True)
    try:
        while not stop.is_set():
            if any(p.poll() is not None for p in [*cluster.apps, cluster.proxy]):
                print(f"an app process or HAProxy stopped; stopping the rest (logs in {log_dir})", file=sys.stderr)
                return 1
            stop.wait(1)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
