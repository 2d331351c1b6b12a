"""Choosing the language in the app: ?lang= for the session, the login page's pick stored with
the account, Account's picker, and the stored choice applied again at the next login."""
from __future__ import annotations

from khata import accounts
from khata.i18n import translations
from tests.catalogs import compiled, hindi
from tests.roots import env_root

from .conftest import app, open_page


def _picker(at):
    [box] = [b for b in at.selectbox if (b.key or "").endswith("_language")]
    return box


def _log_in(at, username="demo", password="Demo@1234"):
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    [button] = [b for b in at.button if b.label in ("Log in", hindi("Log in"))]
    button.click()
    at.run()
    assert not at.exception, at.exception


def setup_module():
    compiled()


def test_lang_in_the_url_switches_the_login_page_and_stays_for_the_session(demo_db):
    at = app(None)
    at.query_params["lang"] = "hi"
    at.run()
    assert not at.exception, at.exception
    assert _picker(at).label == hindi("Language") and _picker(at).value == "hi"
    at.query_params.clear()
    at.run()  # the next page of the session, without ?lang=
    assert _picker(at).value == "hi"


def test_an_unknown_lang_is_ignored(demo_db):
    at = app(None)
    at.query_params["lang"] = "xx"
    at.run()
    assert not at.exception
    assert _picker(at).label == "Language" and _picker(at).value == "en"


def test_a_language_picked_on_the_login_page_is_stored_at_login_and_applied_next_time(demo_db):
    assert accounts.get_shopkeeper(env_root(), "demo")["language"] is None
    at = app(None)
    at.run()
    _picker(at).select("hi").run()
    assert _picker(at).label == hindi("Language")
    _log_in(at)
    assert accounts.get_shopkeeper(env_root(), "demo")["language"] == "hi"
    again = open_page(app("demo"), "account.py")  # another device: a new session, no ?lang=
    assert _picker(again).value == "hi" and hindi("Language") in [s.value for s in again.subheader]


def test_the_account_picker_stores_the_choice_and_lang_still_wins_for_a_session(demo_db):
    at = open_page(app("demo"), "account.py")
    assert _picker(at).value == "en"
    _picker(at).select("ta").run()
    assert not at.exception, at.exception
    assert accounts.get_shopkeeper(env_root(), "demo")["language"] == "ta"
    assert _picker(at).value == "ta"
    later = open_page(app("demo"), "account.py")
    assert _picker(later).value == "ta"
    visitor = app("demo")
    visitor.query_params["lang"] = "hi"
    visitor.run()
    visitor.switch_page("dashboard/app_pages/account.py").run()
    assert _picker(visitor).value == "hi"
    assert accounts.get_shopkeeper(env_root(), "demo")["language"] == "ta"  # ?lang= is for the session, not stored


def test_signing_up_from_a_lang_link_stores_that_language(demo_db):
    at = app(None)
    at.query_params["lang"] = "mr"
    at.run()
    at.switch_page("dashboard/app_pages/signup.py").run()
    for key, value in (("su_name", "Sunita Patil"), ("su_shop", "Patil Kirana"), ("su_user", "sunita"),
                       ("su_email", "sunita@example.in"), ("su_phone", "98220 11111"),
                       ("su_password", "Sunita@2026"), ("su_repeat", "Sunita@2026")):
        at.text_input(key=key).input(value)
    [button] = [b for b in at.button if b.label == translations("mr").gettext("Create my shop")]
    button.click()
    at.run()
    assert not at.exception, at.exception
    assert accounts.get_shopkeeper(env_root(), "sunita")["language"] == "mr"
    assert accounts.get_shopkeeper(env_root(), "demo")["language"] is None
