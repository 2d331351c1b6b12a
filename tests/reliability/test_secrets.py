"""Secrets and privacy across the product: the Twilio token and the cookie key never
appear on a page, in the outbox or in a log line; phone numbers are masked in logs."""
import logging
from pathlib import Path

import pytest

from bench.fake_twilio import FakeTwilioHttp
from khata import db, demo, reminders
from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier
from tests.pages.conftest import app as logged_in_app

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
# no shop data behind them (first_password.py: only a password form, for a login that must change its
# first password; tests/pages/test_staff_pages.py drives it)
# pages without the shop's login: the customer's own page is checked by its own tests
# (tests/pages/test_customer_link_page.py: one customer only, no notes, nothing as markup)
PUBLIC_PAGES = ("__init__.py", "login.py", "signup.py", "first_password.py", "customer_link.py")
PAGES = sorted(p.name for p in (Path(APP).parent / "dashboard" / "app_pages").glob("*.py")
               if p.name not in PUBLIC_PAGES)
TOKEN = "SECRET-twilio-token-7d1f0c"
COOKIE_KEY = "SECRET-cookie-key-" + "q" * 32
SID = "AC" + "c3" * 16


@pytest.fixture
def demo_with_secrets(db_file, monkeypatch):
    monkeypatch.setenv("KHATA_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886")
    demo.create_demo(path=db_file)
    return db_file


def _run_reminders_with_failures(db_file, caplog):
    with db.connect(db_file) as con:
        phones = [r[0] for r in con.execute("SELECT phone FROM customer_balances WHERE overdue > 0").fetchall()]
    script = {f"whatsapp:{p}": [("rest", 400, 21211, f"Invalid 'To' Phone Number: {p}")] for p in phones[:3]}
    script.update({f"whatsapp:{p}": [("service", 401, 20003, "Authenticate")] for p in phones[3:5]})
    notifier = TwilioWhatsAppNotifier(TwilioConfig(SID, TOKEN, "whatsapp:+14155238886"),
                                      http_client=FakeTwilioHttp(script=script))
    caplog.set_level(logging.DEBUG)
    result = reminders.run_reminders(notifier=notifier, rate_per_s=200, path=db_file)
    assert result["totals"]["failed"] >= 5 and result["totals"]["sent"] > 0
    return phones


def test_no_secret_or_full_number_in_logs_or_outbox(demo_with_secrets, caplog):
    phones = _run_reminders_with_failures(demo_with_secrets, caplog)
    logs = caplog.text
    assert TOKEN not in logs and COOKIE_KEY not in logs
    assert not [p for p in phones if p in logs]  # numbers only masked (+91•••••43210)
    assert "•••••" in logs
    with db.connect(demo_with_secrets) as con:
        outbox = " ".join(str(v) for row in con.execute("SELECT * FROM reminder_outbox").fetchall() for v in row)
        audit = " ".join(str(v) for row in con.execute("SELECT * FROM audit_log").fetchall() for v in row)
    assert TOKEN not in outbox and TOKEN not in audit and COOKIE_KEY not in outbox + audit


@pytest.mark.parametrize("page", PAGES)
def test_no_secret_on_any_page(demo_with_secrets, caplog, page):
    _run_reminders_with_failures(demo_with_secrets, caplog)  # so the reminders page shows failures too
    at = logged_in_app("demo", demo_with_secrets)
    at.run()
    at.switch_page(f"dashboard/app_pages/{page}").run()
    assert not at.exception
    shown = str([e.proto for e in at.main]) + str([e.proto for e in at.sidebar])
    for frame in at.dataframe:
        shown += frame.value.to_csv()
    assert "Log out" in shown  # the capture really holds the rendered page
    assert TOKEN not in shown and COOKIE_KEY not in shown and SID not in shown
