"""The app's own Streamlit server, plus two things only the page benchmark needs.

``python -m bench.pages_server PORT HOOK_PORT`` runs ``streamlit run streamlit_app.py``
in this process (same flags as tests/e2e) and adds:

- a cache-clear hook: ``GET http://127.0.0.1:HOOK_PORT/clear`` calls
  ``st.cache_data.clear()``, exactly what a write in the app does, so a "cold"
  navigation starts from an empty data cache without restarting the server (a
  restart would also re-import pandas/plotly and drop the session) and without
  Streamlit's "Clear caches" menu (which also wipes the session state, and with it
  the cookie login's component state);
- ``GET /stats``: the process's file-lock figures (``khata.db.lock_stats``), for
  ``bench/load.py``;
- the floor page: a page with only a heading behind the same login gate, reached
  at ``/bench-empty``. The app has no such page, so ``st.navigation`` is wrapped:
  when the logged-in navigation (a dict of sections) is built, one hidden page is
  added. Nothing else in the app changes. If the app stops building its
  logged-in navigation as a dict, the page is simply absent and the benchmark
  falls back to the Account page as the floor (and says so).
"""
from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMPTY_PATH = "bench-empty"
EMPTY_TITLE = "Bench empty page"


def _empty_page() -> None:
    import streamlit as st

    st.title(EMPTY_TITLE)


def _add_empty_page() -> None:
    import streamlit as st

    real = st.navigation

    def navigation(pages, *args, **kwargs):
        if isinstance(pages, dict):
            pages = {**pages, "Bench": [st.Page(_empty_page, title=EMPTY_TITLE, url_path=EMPTY_PATH,
                                                visibility="hidden")]}
        return real(pages, *args, **kwargs)

    st.navigation = navigation


class _Hook(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/stats":  # bench/load.py: how often this process waited on the book's file lock
            import json

            from khata import db

            body = json.dumps(db.lock_stats).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path != "/clear":
            self.send_error(404)
            return
        import streamlit as st

        st.cache_data.clear()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"cleared")

    def log_message(self, *args):  # quiet
        pass


def main(argv: list[str]) -> None:
    port, hook_port = argv[0], int(argv[1])
    hook = ThreadingHTTPServer(("127.0.0.1", hook_port), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    _add_empty_page()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                "--server.address", "127.0.0.1", "--server.port", port,
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
