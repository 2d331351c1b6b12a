"""The scale-out recipe runs: two app processes on one book behind HAProxy (khata/scaleout.py,
what `make run-scaled` starts), a real browser logs in through the proxy, and every request
of its visit (the page, the WebSocket, the reload) goes to the process that served it first."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from khata import scaleout

from .conftest import ROOT

pytestmark = pytest.mark.browser

SECRET = "scaleout-test-streamlit-secret-" + "s" * 20


def _idle(page):
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)


def _served_by(log_text: str) -> list[tuple[str, str]]:
    """(server, path) of every request HAProxy logged (``option httplog``: backend/server "GET path")."""
    return re.findall(r'streamlit/(app\d+) .*?"GET (\S+)', log_text)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, monkeypatch_module):
    work = tmp_path_factory.mktemp("scaleout")
    db = work / "khata.duckdb"
    subprocess.run([sys.executable, "-m", "khata", "demo", "--db", str(db)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "KHATA_DB": str(db)})
    monkeypatch_module.setenv("KHATA_STREAMLIT_COOKIE_SECRET", SECRET)
    c = scaleout.Cluster(2, scaleout.free_port(), work / "logs", db=db,
                         extra_env={"KHATA_COOKIE_KEY": "scaleout-test-cookie-key-" + "k" * 40})
    c.start()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_two_processes_behind_haproxy_stay_sticky(cluster, browser):
    assert len(cluster.pids()) == 2 and all(p.poll() is None for p in cluster.apps)
    # the same Streamlit cookie secret in both processes, never on their command lines
    for pid in cluster.pids():
        assert SECRET not in open(f"/proc/{pid}/cmdline").read()
        assert f"STREAMLIT_SERVER_COOKIE_SECRET={SECRET}" in open(f"/proc/{pid}/environ").read().split("\0")

    assigned = []
    log_path = cluster.log_dir / "haproxy.log"
    for _visitor in range(4):   # round robin: two visitors normally; a health check in between may shift it
        start = len(log_path.read_text())
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(cluster.base + "/")
            _idle(page)
            page.get_by_label("Username", exact=True).fill("demo")
            page.get_by_label("Password", exact=True).fill("Demo@1234")
            page.get_by_role("button", name="Log in").click()
            page.locator('[data-testid="stSidebarNav"]').first.wait_for(state="attached", timeout=60_000)
            _idle(page)
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            assert cookies.get(scaleout.COOKIE) in ("app1", "app2"), cookies
            server = cookies[scaleout.COOKIE]
            # a sidebar navigation and a reload: still logged in, still the same process
            page.locator('[data-testid="stSidebarNav"] a', has_text="Customers").first.click()
            page.locator('[data-testid="stMain"] h1', has_text="Customers").wait_for(timeout=60_000)
            page.reload()
            _idle(page)
            page.locator('[data-testid="stMain"] h1', has_text="Customers").wait_for(timeout=60_000)
            assert {c["name"]: c["value"] for c in context.cookies()}[scaleout.COOKIE] == server
            assigned.append(server)
        finally:
            context.close()
        # HAProxy logs a WebSocket when it closes: give it a moment, then read this visit's lines
        page_log = ""
        for _ in range(50):
            page_log = log_path.read_text()[start:]
            if sum(1 for _s, path in _served_by(page_log) if path.startswith("/_stcore/stream")) >= 2:
                break
            time.sleep(0.1)
        served = _served_by(page_log)
        streams = [s for s, path in served if path.startswith("/_stcore/stream")]
        # the page and its WebSocket (opened on load and again on reload) all on one process
        assert len(streams) >= 2 and {s for s, _path in served} == {server}, page_log[-3000:]
        if set(assigned) == {"app1", "app2"}:
            break

    # round robin gave the visitors both processes: both serve the one book
    assert set(assigned) == {"app1", "app2"}, assigned
