"""What the page benchmark measures, in a real browser: a Streamlit server over one
book, Debian's Chromium driven by pip playwright, and the moment a page is drawn.

Only what a browser sees is used: the login form's "Username" / "Password"
fields and "Log in" button, the sidebar's navigation links, each page's heading,
Streamlit's ``stStatusWidget`` and its element test ids. Nothing imports dashboard/.

**Drawn** (checked on every animation frame, inside the page):
1. the server has said the page's script run is over: the last run message
   since the click is ``script_finished`` = finished successfully (a run that
   is cut short for a rerun, as the cookie login does on a full load, does
   not count). Streamlit's status widget alone cannot tell: it only shows for
   runs longer than about half a second;
2. the status widget is gone and no element in the main area is stale (the
   browser has applied the run's end and removed what the page no longer shows);
3. the main area's first heading (``h1``) reads the page's title (its sidebar
   label), so the previous page, still on screen, never counts;
4. every Plotly chart has drawn its SVG and every dataframe its canvas.
The time is ``performance.now()`` at that frame, from the click (done inside the
page, so no driver round trip is counted) or, for a full load, from the start of
the navigation (``performance.timeOrigin``). WebSocket messages are logged inside
the page as they arrive (time, bytes), so each sample also says when the last
message came (server and network) and how many bytes the page needed.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
TIMEOUT_MS = 60_000
DRAWN_TIMEOUT_MS = 20_000  # a page that takes longer is reported as a failure

# Installed before any page script: logs every WebSocket message as [time, bytes,
# ForwardMsg field, value]. Protobuf writes fields in number order, so after the
# `hash` (1) and `metadata` (2) strings comes the message's type: 4 new_session,
# 5 delta, 6 script_finished (value 0 = finished successfully, 2 = stopped for a rerun).
WS_LOG_JS = """
(() => {
  window.__ws = [];
  const kind = (buf) => {
    const b = new Uint8Array(buf); let i = 0;
    const varint = () => { let r = 0, s = 0, x; do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; }
                           while ((x & 0x80) && i < b.length); return r; };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag & 7;
      if ((field === 1 || field === 2) && wire === 2) { const len = varint(); i += len; continue; }
      return [field, wire === 0 ? varint() : null];
    }
    return [0, null];
  };
  const Native = window.WebSocket;
  class Logged extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => {
        const d = ev.data, now = performance.now();
        if (d instanceof ArrayBuffer) window.__ws.push([now, d.byteLength, ...kind(d)]);
        else window.__ws.push([now, d.size !== undefined ? d.size : d.length, 0, null]);
      });
    }
  }
  window.WebSocket = Logged;
})();
"""

DRAWN_JS = """
([title, t0]) => {
  let last = null;
  for (const m of window.__ws || []) if (m[0] >= t0 && (m[2] === 4 || m[2] === 5 || m[2] === 6)) last = m;
  if (!last || last[2] !== 6 || last[3] !== 0) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return false;
  const h1 = main.querySelector('h1');
  const heading = h1 ? h1.textContent.trim() : null;
  // another page, and nothing more for 1.5 s: the app went somewhere else (no rerun coming)
  if (heading !== title && performance.now() - last[0] > 1500) return {wrong: heading, url: location.href};
  if (heading !== title) return false;
  if (main.querySelector('[data-stale="true"]')) return false;
  for (const c of main.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (!c.querySelector('.main-svg')) return false;
  for (const c of main.querySelectorAll('[data-testid="stDataFrame"]'))
    if (!c.querySelector('canvas')) return false;
  return performance.now();
}
"""

CLICK_JS = """
(el) => { window.__t0 = performance.now(); el.click(); return window.__t0; }
"""

# first/last message after t0, the end of the last script run, and the bytes sent
SAMPLE_JS = """
([t0, t1]) => {
  const msgs = (window.__ws || []).filter(([t]) => t >= t0 && t <= t1);
  const runs = msgs.filter((m) => m[2] === 4).length;
  const fin = msgs.filter((m) => m[2] === 6);
  return {bytes: msgs.reduce((s, m) => s + m[1], 0), messages: msgs.length, script_runs: runs,
          first_msg_ms: msgs.length ? msgs[0][0] - t0 : null,
          finished_ms: fin.length ? fin[fin.length - 1][0] - t0 : null};
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """``python -m bench.pages_server`` over one database file."""
    db: Path
    log_path: Path
    proc: subprocess.Popen | None = None
    base: str = ""
    hook: str = ""

    def start(self, timeout: float = 90) -> Server:
        port, hook_port = free_port(), free_port()
        self.base, self.hook = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{hook_port}"
        env = {**os.environ, "KHATA_DB": str(self.db), "PYTHONUNBUFFERED": "1",
               "KHATA_COOKIE_KEY": os.environ.get("KHATA_COOKIE_KEY") or "bench-pages-cookie-key-" + "k" * 40}
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.pages_server", str(port), str(hook_port)],
                                     cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("Streamlit did not start:\n" + self.log_path.read_text()[-3000:])

    def clear_cache(self) -> None:
        with urllib.request.urlopen(f"{self.hook}/clear", timeout=10) as response:
            response.read()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "_log", None):
            self._log.close()


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise RuntimeError("Chromium is missing: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_idle(page, timeout=TIMEOUT_MS) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


def log_in(context, base: str, username: str, password: str):
    """Log in through the form; returns the page (now on the app's default page)."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/")
    wait_idle(page)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.locator('[data-testid="stSidebarNav"]').first.wait_for(state="attached", timeout=TIMEOUT_MS)
    wait_idle(page)
    return page


def open_sidebar(page) -> None:
    """On a phone the sidebar starts collapsed: open it like a person would."""
    nav = page.locator('[data-testid="stSidebarNav"]').first
    if nav.is_visible():
        return
    for selector in ('[data-testid="stExpandSidebarButton"]', '[data-testid="stSidebarCollapsedControl"] button'):
        button = page.locator(selector)
        if button.count() and button.first.is_visible():
            button.first.click()
            break
    nav.wait_for(state="visible", timeout=TIMEOUT_MS)


def sidebar_pages(page) -> list[dict]:
    """[{title, path}] of the sidebar's links, in their order."""
    open_sidebar(page)
    return page.eval_on_selector_all(
        '[data-testid="stSidebarNav"] a',
        "links => links.map((a, index) => ({index, path: new URL(a.href).pathname.replace(/^\\//, ''),"
        " title: (a.querySelector('span[label]') || a).getAttribute('label') || a.textContent.trim()}))")


def _sample(page, t0: float, t1: float) -> dict:
    info = page.evaluate(SAMPLE_JS, [t0, t1])
    return {"ms": t1 - t0, **info}


class NotDrawn(RuntimeError):
    """The page was not drawn in time; the message says what was on screen."""


STATE_JS = """
(t0) => ({url: location.href, h1: (document.querySelector('[data-testid="stMain"] h1') || {}).textContent || null,
          status_widget: !!document.querySelector('[data-testid="stStatusWidget"]'),
          stale: document.querySelectorAll('[data-testid="stMain"] [data-stale="true"]').length,
          last_messages: (window.__ws || []).filter(([t]) => t >= t0).slice(-6).map((m) => [Math.round(m[0] - t0),
                                                                                            m[2], m[3]])})
"""


def _wait_drawn(page, target: dict, t0: float) -> float:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        drawn = page.wait_for_function(DRAWN_JS, arg=[target["title"], t0], polling="raf",
                                       timeout=DRAWN_TIMEOUT_MS).json_value()
    except PlaywrightTimeout:
        try:
            state = page.evaluate(STATE_JS, t0)
        except Exception as err:  # noqa: BLE001 - the page itself is gone
            state = f"page state unavailable: {err}"
        raise NotDrawn(f"{target['title']!r} not drawn in {DRAWN_TIMEOUT_MS} ms: {state}") from None
    if isinstance(drawn, dict):
        raise NotDrawn(f"{target['title']!r} asked for, {drawn['wrong']!r} shown at {drawn['url']}")
    return drawn


def navigate(page, target: dict) -> dict:
    """Click ``target``'s sidebar link; time until it is drawn."""
    open_sidebar(page)
    link = page.locator('[data-testid="stSidebarNav"] a').nth(target["index"])
    t0 = link.evaluate(CLICK_JS)
    return _sample(page, t0, _wait_drawn(page, target, t0))


def full_load(page, base: str, target: dict) -> dict:
    """Open ``target``'s URL as a bookmark or a reload would (the login cookie is kept)."""
    page.goto(f"{base}/{target['path']}", wait_until="commit")
    return _sample(page, 0.0, _wait_drawn(page, target, 0.0))
