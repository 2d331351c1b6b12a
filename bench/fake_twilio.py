"""A fake Twilio for tests and the reminder benchmark (the only fake in the reminder tests).

Two ways to put it under the real ``twilio`` client:

- ``FakeTwilioHttp``: a ``twilio.http.HttpClient`` subclass, passed as
  ``Client(sid, token, http_client=fake)``; no sockets.
- ``FakeTwilioServer``: a local HTTP server on 127.0.0.1; the real
  ``TwilioHttpClient`` (requests, timeouts) talks to it after
  ``client.api.base_url = server.url``.

Both answer ``POST /2010-04-01/Accounts/{sid}/Messages.json``,
``GET .../Messages/{MessageSid}.json`` and the list ``GET .../Messages.json?To=..&DateSent>=..``
(the customers' replies added with ``add_reply``, in pages of ``PageSize``) like Twilio does, after ``latency_s``, and
record every request (time, method, path, form fields). ``script[to]`` is a list
of answers used in order for messages to that number (``whatsapp:+91...``): an
answer is ``("ok",)``, ``("rest", http_status, code, message)`` (legacy error
body -> TwilioRestException), ``("service", http_status, code, title)`` (RFC 9457
body -> TwilioServiceException), or ``("hang", seconds)`` (server only: answer
late, to make the client time out).
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

_counter = itertools.count(1)


class _Brain:
    """What both fakes share: the script, the recorded requests and message statuses."""

    def __init__(self, latency_s: float = 0.0, script: dict | None = None):
        self.latency_s = latency_s
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.requests: list[dict] = []
        self.statuses: dict[str, dict] = {}     # sid -> {"status": ..., "error_code": ...}
        self.replies: list[dict] = []           # inbound messages, as Twilio's list returns them
        self.list_error: tuple | None = None    # (http_status, code, message): the list fails once
        self.lock = threading.Lock()

    def add_reply(self, from_number: str, body: str, date_sent: datetime, to: str = "whatsapp:+14155238886",
                  sid: str | None = None) -> str:
        """A message a customer sent to ``to`` (``from_number`` E.164); returns its sid."""
        sid = sid or f"SM{next(_counter):032x}"
        with self.lock:
            self.replies.append({
                "sid": sid, "account_sid": "ACfake", "from": f"whatsapp:{from_number}", "to": to, "body": body,
                "direction": "inbound", "status": "received", "num_segments": "1", "num_media": "0",
                "date_sent": format_datetime(date_sent.astimezone(UTC), usegmt=True),
                "date_created": format_datetime(date_sent.astimezone(UTC), usegmt=True),
                "date_updated": format_datetime(date_sent.astimezone(UTC), usegmt=True),
                "price": None, "error_code": None, "error_message": None, "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/ACfake/Messages/{sid}.json"})
        return sid

    def _list(self, path: str, params: dict) -> tuple[int, str, float]:
        """Twilio's page of messages: To filter, DateSent> filter (on or after), newest first."""
        if self.list_error is not None:
            status, code, message = self.list_error
            self.list_error = None
            return status, json.dumps({"code": code, "message": message, "status": status}), 0.0
        after = params.get("DateSent>")
        since = datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
        from email.utils import parsedate_to_datetime

        found = [m for m in self.replies if m["to"] == params.get("To", m["to"])
                 and (since is None or parsedate_to_datetime(m["date_sent"]) >= since)]
        found.sort(key=lambda m: parsedate_to_datetime(m["date_sent"]), reverse=True)
        size, page = int(params.get("PageSize") or 50), int(params.get("Page") or 0)
        chunk = found[page * size:(page + 1) * size]
        more = (page + 1) * size < len(found)
        query = {k: v for k, v in params.items() if k not in ("Page", "PageToken")}
        next_uri = f"{path}?{urlencode({**query, 'Page': page + 1, 'PageSize': size})}" if more else None
        return 200, json.dumps({"messages": chunk, "page": page, "page_size": size, "start": page * size,
                                "end": page * size + len(chunk), "first_page_uri": path,
                                "previous_page_uri": None, "next_page_uri": next_uri,
                                "uri": f"{path}?{urlencode(params)}"}), 0.0

    def answer(self, method: str, path: str, form: dict, params: dict | None = None) -> tuple[int, str, float]:
        """(http status, body, extra delay)."""
        with self.lock:
            self.requests.append({"t": time.monotonic(), "method": method, "path": path, "data": dict(form),
                                  "params": dict(params or {})})
            if method == "GET" and path.endswith("/Messages.json"):
                return self._list(path, dict(params or {}))
            if method == "GET" and "/Messages/" in path:
                sid = path.rsplit("/", 1)[-1].removesuffix(".json")
                known = self.statuses.get(sid)
                if known is None:
                    return 404, json.dumps({"code": 20404, "message": "not found", "status": 404}), 0.0
                return 200, json.dumps({"sid": sid, **known}), 0.0
            answers = self.script.get(form.get("To", ""))
            step = answers.pop(0) if answers else ("ok",)
        kind = step[0]
        if kind == "hang":
            return 200, self._ok(form), float(step[1])
        if kind == "rest":
            _, status, code, message = step
            return status, json.dumps({"code": code, "message": message, "status": status,
                                       "more_info": f"https://www.twilio.com/docs/errors/{code}"}), 0.0
        if kind == "service":
            _, status, code, title = step
            return status, json.dumps({"type": f"https://www.twilio.com/docs/errors/{code}", "title": title,
                                       "status": status, "code": code, "detail": title}), 0.0
        return 201, self._ok(form), 0.0

    def _ok(self, form: dict) -> str:
        sid = f"SM{next(_counter):032x}"
        with self.lock:
            self.statuses[sid] = {"status": "queued", "error_code": None, "error_message": None}
        return json.dumps({"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                           "body": form.get("Body"), "error_code": None, "error_message": None,
                           "account_sid": "ACfake", "num_segments": "1"})

    def set_status(self, sid: str, status: str, error_code: int | None = None, error_message: str | None = None):
        with self.lock:
            self.statuses[sid] = {"status": status, "error_code": error_code, "error_message": error_message}

    def sends(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]


class FakeTwilioHttp(HttpClient, _Brain):
    """In-process transport: the real ``twilio.rest.Client`` with this as its ``http_client``."""

    def __init__(self, latency_s: float = 0.0, script: dict | None = None):
        HttpClient.__init__(self, logger=None, is_async=False, timeout=None)
        _Brain.__init__(self, latency_s, script)
        self.auth_seen: list[tuple] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.auth_seen.append(auth)
        parts = urlsplit(uri)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        status, body, extra = self.answer(method.upper(), parts.path, dict(data or {}),
                                          {**query, **{k: str(v) for k, v in (params or {}).items()}})
        if self.latency_s or extra:
            time.sleep(self.latency_s + extra)
        return Response(status, body, {})


class FakeTwilioServer(_Brain):
    """A local HTTP server speaking enough of Twilio's REST API; use as a context manager."""

    def __init__(self, latency_s: float = 0.0, script: dict | None = None):
        super().__init__(latency_s, script)
        brain = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                form = dict(parse_qsl(raw, keep_blank_values=True))
                parts = urlsplit(self.path)
                status, body, extra = brain.answer(method, parts.path, form,
                                                   dict(parse_qsl(parts.query, keep_blank_values=True)))
                time.sleep(brain.latency_s + extra)
                payload = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):
                self._reply("POST")

            def do_GET(self):
                self._reply("GET")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        return False
