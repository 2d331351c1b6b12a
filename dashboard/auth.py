"""Login, sign-up and logout: streamlit-authenticator 0.4.2 glue, accounts kept in DuckDB.

What the library does here: the signed login cookie (HS256 JWT, read on every
run by ``login(location="unrendered")`` so a reload or a deep link stays logged
in), the session keys it owns (``authentication_status``, ``username``,
``name``, ``logout``) and logout (clears the session, deletes the cookie).

What we do instead of its widgets, and why:
- the login form checks the password with ``khata.accounts.authenticate``, which
  keeps failed attempts and the lockout in DuckDB (they survive restarts and
  apply across browsers) and answers the same way whether or not a username
  exists. The library's own counter lives in a dict, never expires and says
  "Maximum number of login attempts exceeded" only for real usernames.
- sign-up needs a shop name and a phone number, which ``register_user`` does not
  ask for; ``khata.accounts.register_shopkeeper`` validates and stores them.
So the credentials dict handed to the library is loaded from DuckDB on every run
and the library never writes to it anything we need to keep (it only marks
``logged_in``); the ``finally`` that the design notes suggest is not needed.

Cookies issued before a password change are refused: we write the cookie
ourselves (the library's JWT ``{username, exp_date}`` plus ``issued_at``, the
time it was issued), so revocation never depends on ``KHATA_COOKIE_DAYS``
(deriving the issue time from ``exp_date - expiry`` let old cookies look new
once the setting was lowered). A token without ``issued_at``, or issued before
``password_changed_at``, is deleted and the visitor must log in. A logged-in
session is also ended on its next run when the password was changed after it
logged in (in another browser).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from khata import accounts
from khata import settings as khata_settings
from khata.i18n import N_

from . import language
from .door import app_root
from .session import ME

COOKIE_NAME = "credikhaata_auth"
LOGIN_AT = "_khata_login_at"
SET_COOKIE = "_khata_set_cookie"
LOGOUT = "_khata_logout"
NOTICE = "_khata_auth_notice"
PUBLIC_PAGES = "_khata_public_pages"
ISSUED_AT = "issued_at"  # our claim; not JWT's "iat", which PyJWT validates and the library does not catch
PASSWORD_CHANGED = N_("Your password was changed; please log in again.")


@dataclass(frozen=True)
class AuthSettings:
    cookie_key: str
    cookie_name: str = COOKIE_NAME
    cookie_days: float = 30.0
    max_attempts: int = 5
    lock_minutes: int = 15


def cookie_key_file() -> Path:
    return Path(khata_settings.get("KHATA_COOKIE_KEY_FILE"))


def cookie_key() -> str:
    """``KHATA_COOKIE_KEY``, else a random key generated once into data/.cookie_key (0600)."""
    return khata_settings.secret_or_generated("KHATA_COOKIE_KEY", "KHATA_COOKIE_KEY_FILE", "cookie key")


def settings() -> AuthSettings:
    return AuthSettings(
        cookie_key=cookie_key(),
        cookie_days=khata_settings.get("KHATA_COOKIE_DAYS"),
        max_attempts=khata_settings.get("KHATA_LOGIN_MAX_ATTEMPTS"),
        lock_minutes=khata_settings.get("KHATA_LOCK_MINUTES"),
    )


def load_credentials() -> dict:
    """Every login from DuckDB, in the library's format (hashes only)."""
    users = {}
    for row in accounts.all_credentials(app_root()):
        users[row["username"]] = {
            "name": row["name"], "email": row["email"], "password": row["password_hash"],
            "failed_login_attempts": row["failed_logins"], "shop_id": row["shop_id"],
            "password_changed_at": row["password_changed_at"], "role": row["role"], "active": row["active"],
            "must_change_password": row["must_change_password"],
        }
    return {"usernames": users}


def make_token(username: str, cfg: AuthSettings, *, now: float | None = None) -> dict:
    """The cookie's claims: what the library reads (username, exp_date) and when it was issued."""
    now = time.time() if now is None else now
    return {"username": username, "exp_date": now + cfg.cookie_days * 86400, ISSUED_AT: now}


def set_cookie(authenticator: stauth.Authenticate, cfg: AuthSettings) -> None:
    """Write the login cookie with its issue time (instead of ``cookie_controller.set_cookie``)."""
    claims = make_token(st.session_state["username"], cfg)
    authenticator.cookie_controller.cookie_model.cookie_manager.set(
        cfg.cookie_name, jwt.encode(claims, cfg.cookie_key, algorithm="HS256"),
        expires_at=datetime.now() + timedelta(days=cfg.cookie_days))


def token_issued_at(token: dict) -> float | None:
    """When the cookie was issued, as written in it; None for a cookie without that claim."""
    value = token.get(ISSUED_AT)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def token_is_current(token: dict, credentials: dict) -> bool:
    """False for a token of an unknown or disabled user, without an issue time, or issued
    before the last password change."""
    user = credentials["usernames"].get(str(token.get("username", "")).lower())
    issued = token_issued_at(token)
    if user is None or issued is None or not user.get("active", True):
        return False
    changed = user.get("password_changed_at")
    return changed is None or issued >= changed.timestamp()


def _notice_for(token: dict, credentials: dict) -> str:
    user = credentials["usernames"].get(str(token.get("username", "")).lower())
    if user is not None and not user.get("active", True):
        return accounts.DISABLED  # msgids: the login page translates the notice
    return PASSWORD_CHANGED if token_issued_at(token) is not None else N_("Please log in again.")


def _session_for(keeper: dict) -> dict:
    return {"shop_id": keeper["shop_id"], "username": keeper["username"], "name": keeper["name"],
            "shop_name": keeper.get("shop_name"), "timezone": keeper.get("timezone") or "Asia/Kolkata",
            "language": keeper.get("language"),
            "role": keeper["role"], "must_change_password": bool(keeper.get("must_change_password"))}


def gate() -> dict | None:
    """Run on every rerun before navigation: the logged-in shopkeeper, or None."""
    cfg = settings()
    ss = st.session_state
    credentials = load_credentials()
    authenticator = stauth.Authenticate(credentials, cfg.cookie_name, cfg.cookie_key, cfg.cookie_days,
                                        auto_hash=False, login_sleep_time=0)
    ss["_khata_authenticator"] = authenticator

    if ss.pop(LOGOUT, False) and ss.get("authentication_status"):
        authenticator.logout(location="unrendered")  # clears the session, deletes the cookie
        ss.pop(ME, None)
        ss.pop(LOGIN_AT, None)
        return None
    if ss.pop(SET_COOKIE, False) and ss.get("authentication_status"):
        set_cookie(authenticator, cfg)

    if not ss.get("authentication_status"):
        token = authenticator.cookie_controller.get_cookie()
        if token and not token_is_current(token, credentials):
            authenticator.cookie_controller.delete_cookie()
            ss["logout"] = True  # the library then ignores this cookie for the session
            ss[NOTICE] = _notice_for(token, credentials)
            token = None
        try:
            authenticator.login(location="unrendered")
        except stauth.LoginError:
            ss["authentication_status"] = None
        if ss.get("authentication_status") and token:
            ss[LOGIN_AT] = token_issued_at(token)

    if not ss.get("authentication_status"):
        ss.pop(ME, None)
        return None

    username = ss.get("username")
    user = credentials["usernames"].get(username or "")
    changed = user and user.get("password_changed_at")
    if user is None or not user.get("active", True) or (changed and ss.get(LOGIN_AT, 0) < changed.timestamp()):
        # account gone or turned off by the owner, or the password was changed after this session logged in
        authenticator.logout(location="unrendered")
        ss.pop(ME, None)
        ss[NOTICE] = PASSWORD_CHANGED if user and user.get("active", True) else accounts.DISABLED
        return None
    me = ss.get(ME)
    if not me or me.get("username") != username:
        keeper = accounts.get_shopkeeper(app_root(), username)
        me = _session_for(keeper)
    # the role and the first-password flag are read again on every run: an owner's change applies at once
    me = {**me, "role": user["role"], "must_change_password": bool(user.get("must_change_password"))}
    ss[ME] = me
    return me


def log_in(keeper: dict) -> None:
    """Mark the session logged in; the cookie is set on the next run (a rerun now would drop its iframe).
    A language picked on the login page becomes the account's (every device follows it)."""
    ss = st.session_state
    chosen = language.picked()
    if chosen and chosen != keeper.get("language"):
        keeper = {**keeper, "language": accounts.set_language(app_root(), keeper["username"], chosen)}
    ss.pop(language.PICKED, None)
    ss["authentication_status"] = True
    ss["username"] = keeper["username"]
    ss["name"] = keeper["name"]
    ss["email"] = keeper.get("email")
    ss["logout"] = None
    ss[LOGIN_AT] = time.time()
    ss[ME] = _session_for(keeper)
    ss[SET_COOKIE] = True


def password_changed() -> None:
    """This session changed the password: keep it logged in with a fresh cookie."""
    st.session_state[LOGIN_AT] = time.time()
    st.session_state[SET_COOKIE] = True


def request_logout() -> None:
    st.session_state[LOGOUT] = True


# ---- what the login and sign-up pages (app_pages/login.py, signup.py) call -------------

def check_login(username: str, password: str) -> dict:
    """The shopkeeper for a right login; AuthError otherwise. Failure counting and the
    lockout, for real and unknown names alike, are ``khata.accounts.authenticate``'s."""
    cfg = settings()
    return accounts.authenticate(app_root(), username, password, max_attempts=cfg.max_attempts,
                                 lock_minutes=cfg.lock_minutes)


def register(**fields) -> dict:
    """A new shop and its shopkeeper (KhataError with the reason otherwise)."""
    return accounts.register_shopkeeper(app_root(), **fields)


def public_link(name: str, label: str, icon: str) -> None:
    """A link between the login and sign-up pages (registered by streamlit_app.py)."""
    page = (st.session_state.get(PUBLIC_PAGES) or {}).get(name)
    if page is not None:
        st.page_link(page, label=label, icon=icon)
