"""The login page's policy (khata.accounts.authenticate): an unknown username costs
the same bcrypt check as a real one, and locks the same way."""
from __future__ import annotations

import statistics
import time

import pytest

from khata import accounts
from khata.errors import AuthError
from tests.roots import env_root

from .conftest import app, errors, submit


def _cost(password_hash: str) -> int:
    return int(password_hash.split("$")[2])


def test_unknown_users_are_checked_at_the_same_bcrypt_cost(demo_db):
    assert _cost(accounts.UNKNOWN_USER_HASH) == accounts.BCRYPT_ROUNDS
    assert _cost(accounts.get_shopkeeper(env_root(), "demo")["password_hash"]) == accounts.BCRYPT_ROUNDS
    assert _cost(accounts.hash_password("Asha@2026")) == accounts.BCRYPT_ROUNDS


def _time_failed_login(username: str) -> float:
    started = time.perf_counter()
    with pytest.raises(AuthError):
        accounts.authenticate(env_root(), username, "Wrong@1234", max_attempts=1000)
    return time.perf_counter() - started


def test_response_time_does_not_tell_whether_a_username_exists(demo_db):
    known, unknown = [], []
    for _ in range(5):  # interleaved, so a busy moment hits both
        known.append(_time_failed_login("demo"))
        unknown.append(_time_failed_login("nobody-here"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.7 <= ratio <= 1.4, (known, unknown)


def test_unknown_name_locks_like_a_real_one_and_stays_locked(demo_db):
    for _ in range(2):
        with pytest.raises(AuthError, match="incorrect"):
            accounts.authenticate(env_root(), "ghost", "Wrong@1234", max_attempts=3, lock_minutes=7)
    with pytest.raises(AuthError) as locked:
        accounts.authenticate(env_root(), "ghost", "Wrong@1234", max_attempts=3, lock_minutes=7)
    assert str(locked.value) == accounts.LOCKED.format(minutes=7)
    with pytest.raises(AuthError, match="locked"):  # stays locked, like a real account
        accounts.authenticate(env_root(), "ghost", "Wrong@1234", max_attempts=3, lock_minutes=7)
    for _ in range(3):
        with pytest.raises(AuthError):
            accounts.authenticate(env_root(), "demo", "Wrong@1234", max_attempts=3, lock_minutes=7)
    with pytest.raises(AuthError) as real:
        accounts.authenticate(env_root(), "demo", "Demo@1234", max_attempts=3, lock_minutes=7)
    assert str(real.value) == str(locked.value)


def test_login_page_uses_the_policy(demo_db, monkeypatch):
    calls = []
    real = accounts.authenticate
    monkeypatch.setattr(accounts, "authenticate", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    at = app(None)
    at.run()
    at.text_input(key="login_user").input("no-such-user")
    at.text_input(key="login_password").input("Wrong@1234")
    submit(at, "Log in")
    assert calls == ["no-such-user"] and errors(at) == [accounts.LOGIN_FAILED]
