"""Logged out: only login and sign-up. Login, lockout, sign-up, cookies, password change."""
from __future__ import annotations

import os
import stat
import time
from datetime import UTC, datetime

import jwt
import pytest

from dashboard import auth
from khata import accounts
from tests.roots import env_root

from .conftest import app, errors, open_page, submit, texts

LOGGED_IN_PAGES = ("overview.py", "customers.py", "customer.py", "loans.py", "repayments.py", "reminders.py",
                   "account.py", "import_export.py")


def login_with(at, username, password):
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    return submit(at, "Log in")


def test_logged_out_sees_only_login(demo_db):
    at = app(None)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["📒 Credikhaata"]
    assert at.text_input(key="login_user") is not None
    assert not at.metric and not at.dataframe
    assert "Outstanding" not in texts(at)


@pytest.mark.parametrize("page", LOGGED_IN_PAGES)
def test_any_page_shows_only_login_once_logged_out(demo_db, page):
    """Whatever page the session is on, without a login the next run shows the login page
    and no shop data (the browser test checks a real deep link)."""
    at = open_page(app(), page)
    at.session_state["authentication_status"] = None
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["📒 Credikhaata"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert "Demo Kirana" not in texts(at)


def test_login_success_then_logout(demo_db):
    at = app(None)
    at.run()
    login_with(at, "demo", "Demo@1234")
    assert at.session_state["authentication_status"] is True
    assert [t.value for t in at.title] == ["Overview"]
    at.run()  # the run that sets the cookie
    assert not at.exception
    at.button(key="logout_button").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["📒 Credikhaata"]
    assert not at.session_state["authentication_status"]


def test_wrong_password_and_unknown_user_get_the_same_message(demo_db):
    at = app(None)
    at.run()
    login_with(at, "demo", "Wrong@1234")
    wrong = errors(at)
    login_with(at, "nobody-here", "Wrong@1234")
    unknown = errors(at)
    assert wrong == unknown == [accounts.LOGIN_FAILED]
    assert accounts.get_shopkeeper(env_root(), "demo")["failed_logins"] == 1
    assert at.text_input(key="login_user").value == "nobody-here"  # what was typed stays


def test_lockout_after_five_failures_for_real_and_unknown_users(demo_db, monkeypatch):
    at = app(None)
    at.run()
    for _ in range(4):
        login_with(at, "demo", "Wrong@1234")
        assert errors(at) == [accounts.LOGIN_FAILED]
    login_with(at, "demo", "Wrong@1234")
    locked_real = errors(at)
    assert "locked" in locked_real[0]
    assert accounts.is_locked(env_root(), "demo")
    login_with(at, "demo", "Demo@1234")  # the right password does not open a locked account
    assert "locked" in errors(at)[0]
    assert not at.session_state["authentication_status"]
    for _ in range(5):
        login_with(at, "ghost-user", "Wrong@1234")
    assert errors(at) == locked_real  # same words whether or not the username exists


def test_lockout_is_configurable(demo_db, monkeypatch):
    monkeypatch.setenv("KHATA_LOGIN_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("KHATA_LOCK_MINUTES", "3")
    at = app(None)
    at.run()
    login_with(at, "demo", "Wrong@1234")
    login_with(at, "demo", "Wrong@1234")
    assert "3 minutes" in errors(at)[0]
    keeper = accounts.get_shopkeeper(env_root(), "demo")
    left = (keeper["locked_until"] - datetime.now(UTC)).total_seconds()
    assert 150 < left <= 180


def test_signup_form(demo_db):
    at = _signup_page()
    fields = {"su_name": "Asha Rao", "su_shop": "Asha Stores", "su_user": "asha", "su_email": "asha@example.in",
              "su_phone": "98450 12345", "su_password": "weak", "su_repeat": "weak"}
    for key, value in fields.items():
        at.text_input(key=key).input(value)
    submit(at, "Create my shop")
    assert errors(at) == [f"The password must be {accounts.PASSWORD_RULES}."]
    assert accounts.get_shopkeeper(env_root(), "asha") is None
    assert at.text_input(key="su_shop").value == "Asha Stores"
    at.text_input(key="su_password").input("Asha@2026")
    at.text_input(key="su_repeat").input("Asha@2027")
    submit(at, "Create my shop")
    assert errors(at) == ["The two passwords are not the same."]
    at.text_input(key="su_repeat").input("Asha@2026")
    at.text_input(key="su_user").input("demo")
    submit(at, "Create my shop")
    assert errors(at) == ["The username 'demo' is taken; please choose another."]
    at.text_input(key="su_user").input("asha")
    submit(at, "Create my shop")
    assert not errors(at)
    keeper = accounts.get_shopkeeper(env_root(), "asha")
    assert keeper["shop_name"] == "Asha Stores" and keeper["phone"] == "+919845012345"
    assert accounts.check_password("Asha@2026", keeper["password_hash"])


def _signup_page():
    """The sign-up page alone (in the app it is the public page at /signup)."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest
    page = Path(__file__).resolve().parents[2] / "dashboard" / "app_pages" / "signup.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_cookie_key_generated_once_with_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("KHATA_COOKIE_KEY", raising=False)
    monkeypatch.setenv("KHATA_COOKIE_KEY_FILE", str(tmp_path / "data" / ".cookie_key"))
    key = auth.cookie_key()
    path = tmp_path / "data" / ".cookie_key"
    assert len(key) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.cookie_key() == key
    monkeypatch.setenv("KHATA_COOKIE_KEY", "short")
    with pytest.raises(RuntimeError):
        auth.cookie_key()


def test_gitignore_covers_the_cookie_key():
    from pathlib import Path
    assert "data/.cookie_key" in (Path(__file__).resolve().parents[2] / ".gitignore").read_text()


def test_cookie_issued_before_password_change_is_refused(demo_db):
    cfg = auth.AuthSettings(cookie_key="k" * 40, cookie_days=30)
    token = auth.make_token("demo", cfg)
    assert auth.token_is_current(token, auth.load_credentials())
    time.sleep(0.01)
    accounts.change_password(env_root(), "demo", "Demo@1234", "Demo@5678")
    assert not auth.token_is_current(token, auth.load_credentials())
    fresh = auth.make_token("demo", cfg)
    assert auth.token_is_current(fresh, auth.load_credentials())
    assert not auth.token_is_current({**fresh, "username": "ghost"}, auth.load_credentials())


def test_revocation_does_not_depend_on_cookie_days(demo_db, monkeypatch):
    """A 30-day cookie issued before a password change stays refused after the expiry
    setting is lowered to 1 day (an issue time derived as exp_date - expiry would make
    it look issued 29 days in the future)."""
    monkeypatch.setenv("KHATA_COOKIE_DAYS", "30")
    cookie = jwt.encode(auth.make_token("demo", auth.settings()), "k" * 40, algorithm="HS256")
    time.sleep(0.01)
    accounts.change_password(env_root(), "demo", "Demo@1234", "Demo@5678")
    monkeypatch.setenv("KHATA_COOKIE_DAYS", "1")
    assert auth.settings().cookie_days == 1
    token = jwt.decode(cookie, "k" * 40, algorithms=["HS256"])  # as the library reads it
    assert not auth.token_is_current(token, auth.load_credentials())


def test_cookie_without_issue_time_is_refused(demo_db):
    """The library's own format ({username, exp_date}) says nothing about when it was issued."""
    assert not auth.token_is_current({"username": "demo", "exp_date": time.time() + 86400},
                                     auth.load_credentials())


def test_session_ends_when_password_changed_elsewhere(demo_db):
    at = app()
    at.run()
    assert [t.value for t in at.title] == ["Overview"]
    accounts.change_password(env_root(), "demo", "Demo@1234", "Demo@5678")
    at.run()
    assert [t.value for t in at.title] == ["📒 Credikhaata"]
    assert "password was changed" in texts(at)
