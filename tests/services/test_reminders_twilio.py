"""The real ``twilio`` client over a fake transport: the exact request, Twilio's errors,
retries, timeouts, the rate limit, status refresh, and no secret or full number in logs."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from bench.fake_twilio import FakeTwilioHttp, FakeTwilioServer
from khata import customers, db, loans, reminders
from khata.notify import OutgoingMessage
from khata.notify.ratelimit import RateLimiter
from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier, classify

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


# ---- the request -----------------------------------------------------------------------

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


# ---- errors ------------------------------------------------------------------------------

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


# ---- the rate limit ----------------------------------------------------------------------

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


# ---- the whole run with Twilio, status refresh, flags, logs --------------------------------

def row(customer_id=1, phone="+919876543210", shop_id=1):
    return {"shop_id": shop_id, "customer_id": customer_id, "reminder_date": TODAY, "phone": phone,
            "message_text": "Namaste", "variables": {"1": "x"}}


def test_run_with_twilio_records_sids_flags_invalid_and_refreshes_status(db_file, shop, caplog):
    people = []
    for n, phone in enumerate(["9876500001", "9876500002", "9876500003"]):
        c = customers.create_customer(shop["shop_id"], name=f"Cust {n}", phone=phone, path=db_file)
        loans.create_loan(shop["shop_id"], c["customer_id"], amount="100", item="Tea", issue_date=date(2026, 11, 1),
                          due_date=date(2026, 11, 26), today=TODAY, path=db_file)
        people.append(c)
    fake = FakeTwilioHttp(script={to("+919876500002"): [("rest", 400, 63003, "Not a WhatsApp user +919876500002")]})
    notifier = TwilioWhatsAppNotifier(config(content_sid="HX" + "1" * 32), http_client=fake)
    caplog.set_level(logging.DEBUG)
    result = reminders.run_reminders(today=TODAY, notifier=notifier, path=db_file, rate_per_s=50)
    assert result["totals"] == {"selected": 3, "sent": 2, "simulated": 0, "skipped": 0, "failed": 1, "unknown": 0}
    with db.connect(db_file) as con:
        rows = {r[0]: r[1:] for r in con.execute(
            "SELECT customer_id, status, message_sid, error_code FROM reminder_outbox").fetchall()}
        flagged = con.execute("SELECT customer_id FROM customers WHERE whatsapp_invalid").fetchall()
    assert rows[people[1]["customer_id"]][0] == "failed" and rows[people[1]["customer_id"]][2] == "63003"
    assert flagged == [(people[1]["customer_id"],)]
    sid0 = rows[people[0]["customer_id"]][1]
    sid2 = rows[people[2]["customer_id"]][1]
    assert sid0.startswith("SM") and sid2.startswith("SM")
    logs = caplog.text
    assert TOKEN not in logs and "+919876500002" not in logs and "•••••00002" in logs

    # Next morning: Twilio now knows more about yesterday's messages.
    fake.set_status(sid0, "read")
    fake.set_status(sid2, "undelivered", 63016, "Outside window")
    before = len(fake.sends())
    morning = datetime(2026, 11, 28, 2, 30, tzinfo=timezone.utc)
    refreshed = reminders.refresh_statuses(notifier, now=morning, path=db_file)
    assert refreshed == {"checked": 2, "updated": 2}
    log = {e["customer_id"]: e for e in reminders.reminder_log(shop["shop_id"], path=db_file)}
    assert log[people[0]["customer_id"]]["status"] == "read"
    assert (log[people[2]["customer_id"]]["status"], log[people[2]["customer_id"]]["error_code"]) == ("failed", "63016")
    assert len(fake.sends()) == before  # a refresh only reads
    # Older than 3 days: not asked again.
    assert reminders.refresh_statuses(notifier, now=morning + timedelta(days=4), path=db_file)["checked"] == 0

    # Day 3 of the ladder: the flagged number is skipped, the others get their reminder.
    day3 = reminders.run_reminders(today=date(2026, 11, 29), notifier=notifier, path=db_file, now=morning)
    assert (day3["totals"]["sent"], day3["totals"]["skipped"]) == (2, 1)


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
