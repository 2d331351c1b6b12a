"""Delivery (``khata.reminders.delivery``) with the real ``twilio`` client over a fake transport: the
exact request, Twilio's errors, retries, timeouts, the rate limit, and no connection held while sending."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime

import pytest
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from bench.fake_twilio import FakeTwilioHttp, FakeTwilioServer
from khata import reminders
from khata.notify import OutgoingMessage
from khata.notify.outbox import OutboxNotifier
from khata.notify.ratelimit import RateLimiter
from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier, classify
from tests.roots import root_at

from .helpers import customer, loan, run

SID = "AC" + "a1" * 16
TOKEN = "tok-" + "z9" * 14
SENDER = "whatsapp:+14155238886"
TODAY = date(2026, 11, 27)


def config(content_sid=None, timeout_s=5.0):
    return TwilioConfig(SID, TOKEN, SENDER, content_sid, timeout_s)


def message(to="+919876543210", body="Namaste Asha, ₹1,200.00 is overdue", variables=None):
    return OutgoingMessage(to=to, body=body, variables=variables or {"1": "Asha", "3": "₹1,200.00"})


def to(number="+919876543210"):
    return f"whatsapp:{number}"


def test_template_request_has_exactly_the_twilio_fields():
    fake = FakeTwilioHttp()
    notifier = TwilioWhatsAppNotifier(config(content_sid="HX" + "0" * 32), http_client=fake)
    variables = {"1": "Asha Verma", "2": "Ravi Kirana", "3": "₹1,23,456.50", "4": "20 Nov 2026",
                 "5": "upi://pay?pa=ravi@okaxis&pn=Ravi%20Kirana&am=123456.50&cu=INR&tn=Khata"}
    result = notifier.send(message(variables=variables))
    assert result.status == "sent" and result.sid.startswith("SM")
    [req] = fake.requests
    assert req["method"] == "POST"
    assert req["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert set(req["data"]) == {"To", "From", "ContentSid", "ContentVariables"}
    assert req["data"]["To"] == "whatsapp:+919876543210"
    assert req["data"]["From"] == SENDER
    assert req["data"]["ContentSid"] == "HX" + "0" * 32
    assert json.loads(req["data"]["ContentVariables"]) == variables
    assert fake.auth_seen == [(SID, TOKEN)]


def test_free_form_body_without_a_template():
    fake = FakeTwilioHttp()
    notifier = TwilioWhatsAppNotifier(TwilioConfig(SID, TOKEN, "+14155238886"), http_client=fake)
    notifier.send(message(body="Namaste Asha"))
    [req] = fake.requests
    assert req["data"] == {"To": "whatsapp:+919876543210", "From": "whatsapp:+14155238886", "Body": "Namaste Asha"}


@pytest.mark.parametrize("code, invalid", [(21211, False), (63003, True), (63016, False), (63014, False),
                                           (63018, False)])
def test_permanent_errors_are_rest_exceptions_recorded_without_retry(code, invalid):
    fake = FakeTwilioHttp(script={to(): [("rest", 400, code, f"Twilio says {code} for +919876543210")]})
    client = Client(SID, TOKEN, http_client=fake)
    with pytest.raises(TwilioRestException) as raised:  # what the real client raises for this answer
        client.messages.create(to=to(), from_=SENDER, body="x")
    assert raised.value.code == code

    fake = FakeTwilioHttp(script={to(): [("rest", 400, code, f"Twilio says {code} for +919876543210")]})
    notifier = TwilioWhatsAppNotifier(config(), http_client=fake)
    [result] = reminders.deliver([row()], notifier, rate_per_s=100, backoff_s=0.01)
    assert (result["status"], result["error_code"], result["attempts"]) == ("failed", str(code), 1)
    assert result["invalid_number"] is invalid
    assert len(fake.sends()) == 1
    assert "9876543210" not in (result["error_message"] or "")


def test_service_exception_is_caught_too():
    fake = FakeTwilioHttp(script={to(): [("service", 400, 20001, "Invalid parameter")]})
    client = Client(SID, TOKEN, http_client=fake)
    with pytest.raises(TwilioServiceException):
        client.messages.create(to=to(), from_=SENDER, body="x")
    assert not issubclass(TwilioServiceException, TwilioRestException)

    fake = FakeTwilioHttp(script={to(): [("service", 400, 20001, "Invalid parameter")],
                                  to("+919876500000"): [("service", 503, 20500, "Service unavailable")]})
    notifier = TwilioWhatsAppNotifier(config(), http_client=fake)
    results = reminders.deliver([row(), row(customer_id=2, phone="+919876500000")], notifier,
                                rate_per_s=100, backoff_s=0.01)
    assert (results[0]["status"], results[0]["error_code"], results[0]["attempts"]) == ("failed", "20001", 1)
    assert "Invalid parameter" in results[0]["error_message"]
    assert (results[1]["status"], results[1]["attempts"]) == ("sent", 2)  # a 503 is retried


def test_429_then_success_is_retried():
    fake = FakeTwilioHttp(script={to(): [("rest", 429, 20429, "Too Many Requests"),
                                         ("rest", 500, 20500, "Internal error")]})
    notifier = TwilioWhatsAppNotifier(config(), http_client=fake)
    [result] = reminders.deliver([row()], notifier, rate_per_s=100, backoff_s=0.01)
    assert (result["status"], result["attempts"]) == ("sent", 3)
    assert result["message_sid"].startswith("SM")
    assert len(fake.sends()) == 3


def test_timeout_is_retried_then_given_up_over_real_http():
    script = {to(): [("hang", 1.5)], to("+919876500000"): [("hang", 1.5)] * 5}
    with FakeTwilioServer(latency_s=0.0, script=script) as server:
        notifier = TwilioWhatsAppNotifier(config(timeout_s=0.3), base_url=server.url)
        results = reminders.deliver([row(), row(customer_id=2, phone="+919876500000"),
                                     row(customer_id=3, phone="+919876511111")],
                                    notifier, rate_per_s=100, max_attempts=3, backoff_s=0.01)
    by_customer = {r["customer_id"]: r for r in results}
    assert (by_customer[1]["status"], by_customer[1]["attempts"]) == ("sent", 2)
    assert (by_customer[2]["status"], by_customer[2]["error_code"], by_customer[2]["attempts"]) == \
        ("failed", "timeout", 3)
    assert by_customer[3]["status"] == "sent"  # one customer's trouble never stops the others


def test_classify_unexpected_errors():
    assert classify(ValueError("boom")).status == "failed"
    assert not classify(ValueError("boom")).transient
    assert classify(TwilioRestException(503, "/x", "down", 20503)).transient
    assert not classify(TwilioRestException(401, "/x", "Authenticate", 20003)).transient


def max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_rate_limit_holds_and_is_used():
    rate = 20
    fake = FakeTwilioHttp(latency_s=0.05)
    notifier = TwilioWhatsAppNotifier(config(), http_client=fake)
    rows = [row(customer_id=n, phone=f"+9198765{n:05d}") for n in range(1, 61)]
    started = datetime.now()
    results = reminders.deliver(rows, notifier, rate_per_s=rate, workers=8)
    elapsed = (datetime.now() - started).total_seconds()
    assert {r["status"] for r in results} == {"sent"}
    arrivals = [r["t"] for r in fake.sends()]
    assert len(arrivals) == 60
    assert max_in_any_second(arrivals) <= rate             # never above the setting ...
    assert 60 / elapsed >= 0.85 * rate                     # ... and close to it (workers overlap latency)


def test_rate_limiter_spacing_counts_retries_too():
    limiter = RateLimiter(50)
    for _ in range(30):
        limiter.acquire()
    gaps = [b - a for a, b in zip(limiter.released, limiter.released[1:])]
    assert min(gaps) >= 1 / 50
    assert max_in_any_second(limiter.released) <= 50


def row(customer_id=1, phone="+919876543210", shop_id=1):
    return {"shop_id": shop_id, "customer_id": customer_id, "reminder_date": TODAY, "phone": phone,
            "message_text": "Namaste", "variables": {"1": "x"}}


def test_config_from_env_and_dotenv_and_secrets_hidden(tmp_path):
    assert TwilioConfig.from_env(env={}, dotenv_file=None) is None
    env = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_WHATSAPP_FROM": SENDER}
    cfg = TwilioConfig.from_env(env=env, dotenv_file=None)
    assert (cfg.account_sid, cfg.from_number, cfg.content_sid) == (SID, SENDER, None)
    assert TOKEN not in repr(cfg) and TOKEN not in str(cfg)
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"TWILIO_ACCOUNT_SID={SID}\nTWILIO_AUTH_TOKEN=from-file\nTWILIO_WHATSAPP_FROM={SENDER}\n"
                      "TWILIO_CONTENT_SID=HXabc\n")
    cfg = TwilioConfig.from_env(env={"TWILIO_AUTH_TOKEN": TOKEN}, dotenv_file=dotenv)
    assert (cfg.auth_token, cfg.content_sid) == (TOKEN, "HXabc")  # the environment wins over .env
    assert TwilioConfig.from_env(env={"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": " "}, dotenv_file=None) is None


OPENER = "import sys, duckdb; duckdb.connect(sys.argv[1]).close(); print('opened')"


class ProbeNotifier(OutboxNotifier):
    """While 'sending', another process must be able to open the file: we hold no connection."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.probes = []

    def send(self, message):
        if not self.probes:
            proc = subprocess.run([sys.executable, "-c", OPENER, str(self.path)], capture_output=True, text=True,
                                  timeout=60)
            self.probes.append((proc.returncode, proc.stdout.strip(), proc.stderr[-300:]))
        return super().send(message)


def test_no_database_connection_is_held_while_sending(db_file, shop):
    loan(shop, db_file, customer(shop, db_file), "150.00", date(2026, 11, 26))
    notifier = ProbeNotifier(db_file)
    with root_at(db_file).connect():  # the probe itself can tell a held file: prove it once
        proc = subprocess.run([sys.executable, "-c", OPENER, str(db_file)], capture_output=True, text=True,
                              timeout=60)
    assert proc.returncode != 0 and "lock" in proc.stderr.lower()
    run(db_file, shop, TODAY, notifier)
    assert notifier.probes == [(0, "opened", "")] or notifier.probes[0][:2] == (0, "opened")
