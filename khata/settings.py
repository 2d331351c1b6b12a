"""Every setting the project reads from the environment, in one place.

Why one module: the CLI, the Streamlit app (even under a bare ``streamlit run``),
the Prefect flows and the scripts must agree on what a setting means, its default,
and how ``.env`` is read. A value comes from the process environment, else from
``.env`` in the project (or the file ``KHATA_DOTENV`` names), else the default; the
environment always wins, and ``.env`` is never copied into ``os.environ``.

A bad value raises ``SettingError`` with one line naming the setting, what it must
be and where the value came from. The README's configuration table lists exactly
``SETTINGS`` (``tests/unit/test_settings.py`` checks both ways).

``python -m khata.settings`` prints every setting (secrets masked); ``--check``
validates them; ``--shell`` prints ``export NAME=value`` lines for the scripts.
"""
from __future__ import annotations

import os
import secrets
import shlex
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import KhataError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingError(KhataError, RuntimeError):
    """A setting has a value the program cannot use; the message says which and why.
    (Also a RuntimeError: a configuration problem, not something a shopkeeper typed.)"""


def _number(kind, *, low: float, low_inclusive: bool, what: str) -> Callable[[str], Any]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(what) from None
        if value < low or (value == low and not low_inclusive):
            raise ValueError(what)
        return value
    return parse


def _path(text: str) -> Path:
    return Path(text).expanduser()


def _port(text: str) -> int:
    value = _number(int, low=1, low_inclusive=True, what="a port number (1-65535)")(text)
    if value > 65535:
        raise ValueError("a port number (1-65535)")
    return value


def _cookie_key(text: str) -> str:
    if len(text.encode()) < 32:
        raise ValueError("at least 32 characters long")
    return text


def _public_url(text: str) -> str:
    """The address customers reach the app at: https, or plain http only on this machine."""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.hostname or parts.query or parts.fragment or not (
            parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ValueError("an https:// address such as https://khata.example.in (http:// only for localhost)")
    return text.rstrip("/")


def _reliability(text: str) -> str:
    if text not in ("quick", "full"):
        raise ValueError("'quick' or 'full'")
    return text


def _text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: Any
    meaning: str
    secret: bool = False


_SECONDS = _number(float, low=0, low_inclusive=True, what="a number of seconds (0 or more)")
_POSITIVE_FLOAT = _number(float, low=0, low_inclusive=False, what="a number more than 0")
_POSITIVE_INT = _number(int, low=1, low_inclusive=True, what="a whole number more than 0")

SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("KHATA_DB", _path, PROJECT_ROOT / "data" / "khata.duckdb", "the database file"),
    Setting("KHATA_LOCK_TIMEOUT", _SECONDS, 20.0,
            "seconds to wait when another program holds the file, then a clear 'busy' message"),
    Setting("KHATA_COOKIE_KEY", _cookie_key, None,
            "secret for the login cookie, at least 32 characters (else generated into KHATA_COOKIE_KEY_FILE)",
            secret=True),
    Setting("KHATA_COOKIE_KEY_FILE", _path, PROJECT_ROOT / "data" / ".cookie_key",
            "where the generated cookie key is kept (mode 0600) when KHATA_COOKIE_KEY is unset"),
    Setting("KHATA_EXPORT_KEY", _cookie_key, None,
            "key of the phone-number hash in `khata export --pseudonymise`, at least 32 characters"
            " (else generated into KHATA_EXPORT_KEY_FILE)", secret=True),
    Setting("KHATA_EXPORT_KEY_FILE", _path, PROJECT_ROOT / "data" / ".export_key",
            "where the generated export key is kept (mode 0600) when KHATA_EXPORT_KEY is unset"),
    Setting("KHATA_SNAPSHOT_DIR", _path, None,
            "the analyst snapshot the nightly upkeep rewrites (default: snapshot/ next to the database)"),
    Setting("KHATA_ALERT_WEBHOOK_URL", _text, None,
            "where Prefect posts alerts (a run failed, crashed, is late or runs 30 min); unset: UI only",
            secret=True),
    Setting("KHATA_COOKIE_DAYS", _POSITIVE_FLOAT, 30.0, "how long a login lasts across reloads and deep links"),
    Setting("KHATA_PUBLIC_URL", _public_url, None,
            "the https address customers reach the app at; set: every reminder carries the customer's own link"),
    Setting("KHATA_LINK_DAYS", _POSITIVE_INT, 90, "days a customer's link stays valid after it is issued"),
    Setting("KHATA_LINK_KEY", _cookie_key, None,
            "secret that signs customers' links, at least 32 characters (else generated into KHATA_LINK_KEY_FILE)",
            secret=True),
    Setting("KHATA_LINK_KEY_FILE", _path, PROJECT_ROOT / "data" / ".link_key",
            "where the generated link key is kept (mode 0600) when KHATA_LINK_KEY is unset"),
    Setting("KHATA_LOGIN_MAX_ATTEMPTS", _POSITIVE_INT, 5, "failed logins before an account is locked"),
    Setting("KHATA_LOCK_MINUTES", _POSITIVE_INT, 15, "how long a locked account stays locked"),
    Setting("KHATA_REMINDER_RATE", _POSITIVE_FLOAT, 10.0, "WhatsApp messages per second"),
    Setting("KHATA_REMINDER_WORKERS", _POSITIVE_INT, None, "sender threads (default: enough for the rate)"),
    Setting("KHATA_DOTENV", _path, PROJECT_ROOT / ".env",
            "the .env file read for every other setting (tests point it at an empty file)"),
    Setting("KHATA_PORT", _port, 8501, "the app's port in `make run`"),
    Setting("KHATA_APP_PROCESSES", _POSITIVE_INT, 1,
            "app processes in `make run`; more than 1 puts them behind HAProxy with sticky sessions"),
    Setting("KHATA_STREAMLIT_COOKIE_SECRET", _cookie_key, None,
            "Streamlit's server.cookieSecret, the same in every app process, at least 32 characters "
            "(else generated into KHATA_STREAMLIT_COOKIE_SECRET_FILE)", secret=True),
    Setting("KHATA_STREAMLIT_COOKIE_SECRET_FILE", _path, PROJECT_ROOT / "data" / ".streamlit_cookie_secret",
            "where the generated Streamlit cookie secret is kept (mode 0600)"),
    Setting("PREFECT_PORT", _port, 4200, "the local Prefect server's port in `make run`"),
    Setting("PREFECT_HOME", _path, PROJECT_ROOT / ".prefect",
            "Prefect's state (server database, logs) for `make run`; `make test` uses .prefect/test"),
    Setting("KHATA_RELIABILITY", _reliability, "quick", "`full` makes tests/reliability run its long version"),
    Setting("TWILIO_ACCOUNT_SID", _text, None, "Twilio account (AC...); unset: reminders are a dry run"),
    Setting("TWILIO_AUTH_TOKEN", _text, None, "Twilio auth token", secret=True),
    Setting("TWILIO_WHATSAPP_FROM", _text, None, "the WhatsApp sender, whatsapp:+..."),
    Setting("TWILIO_CONTENT_SID", _text, None, "approved WhatsApp template (HX...)"),
    Setting("TWILIO_CONTENT_SID_HI", _text, None, "the template approved in Hindi (else TWILIO_CONTENT_SID)"),
    Setting("TWILIO_CONTENT_SID_MR", _text, None, "the template approved in Marathi (else TWILIO_CONTENT_SID)"),
    Setting("TWILIO_CONTENT_SID_GU", _text, None, "the template approved in Gujarati (else TWILIO_CONTENT_SID)"),
    Setting("TWILIO_CONTENT_SID_BN", _text, None, "the template approved in Bengali (else TWILIO_CONTENT_SID)"),
    Setting("TWILIO_CONTENT_SID_TA", _text, None, "the template approved in Tamil (else TWILIO_CONTENT_SID)"),
    Setting("TWILIO_CONTENT_SID_TE", _text, None, "the template approved in Telugu (else TWILIO_CONTENT_SID)"),
    Setting("TWILIO_CONTENT_SID_KN", _text, None, "the template approved in Kannada (else TWILIO_CONTENT_SID)"),
    Setting("TWILIO_TIMEOUT_S", _POSITIVE_FLOAT, 15.0, "seconds to wait for Twilio's answer to one request"),
)}

_dotenv_cache: dict[tuple[str, int], dict[str, str]] = {}


def dotenv_path() -> Path:
    """``KHATA_DOTENV`` from the environment (never from a .env), else the project's ``.env``."""
    chosen = os.environ.get("KHATA_DOTENV", "").strip()
    return _path(chosen) if chosen else SETTINGS["KHATA_DOTENV"].default


def dotenv_values() -> dict[str, str]:
    """The .env file's values (cached until the file changes); {} when there is none."""
    path = dotenv_path()
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return {}
    if stamp not in _dotenv_cache:
        from dotenv import dotenv_values as read

        _dotenv_cache.clear()
        _dotenv_cache[stamp] = {k: v for k, v in read(path).items() if v is not None}
    return _dotenv_cache[stamp]


def raw(name: str) -> tuple[str | None, str]:
    """(the text as set, where it came from): the environment, else .env; blank counts as unset."""
    if name not in SETTINGS:
        raise KeyError(f"{name} is not a setting in khata/settings.py")
    value = os.environ.get(name, "").strip()
    if value:
        return value, "environment"
    if name == "KHATA_DOTENV":
        return None, "default"
    value = (dotenv_values().get(name) or "").strip()
    if value:
        return value, str(dotenv_path())
    return None, "default"


def get(name: str) -> Any:
    """The typed value of a setting, or its default when unset."""
    text, source = raw(name)  # a name that is not a setting raises KeyError here
    return parse_value(name, text, source)


_secret_lock = threading.Lock()


def secret_or_generated(name: str, file_setting: str, what: str) -> str:
    """The secret setting ``name`` (at least 32 characters), else a random one generated once into the
    file the setting ``file_setting`` names (mode 0600). The file is created exclusively, so processes
    starting together agree on one key (the loser reads the winner's); a file too short to be a key
    is refused (SettingError naming ``what`` and the file), never quietly replaced."""
    value = get(name)  # SettingError when set but shorter than 32 characters
    if value:
        return value
    path = Path(get(file_setting))
    with _secret_lock:  # threads of one process: one writes, the others read
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: use theirs
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
        value = path.read_text().strip()
    if len(value.encode()) < 32:
        raise SettingError(f"The {what} in {path} is too short; delete the file to make a new one.")
    return value


def parse_value(name: str, text: str | None, source: str = "the configuration") -> Any:
    """``text`` read as the setting ``name`` (its default when blank), or SettingError."""
    setting = SETTINGS[name]
    text = "" if text is None else str(text).strip()
    if not text:
        return setting.default
    try:
        return setting.parse(text)
    except ValueError as err:
        shown = "(hidden)" if setting.secret else repr(text)
        raise SettingError(f"{name} must be {err}, not {shown} (from {source}).") from None


def check() -> list[str]:
    """Every setting's problem, one line each (empty when all are usable)."""
    problems = []
    for name in SETTINGS:
        try:
            get(name)
        except SettingError as err:
            problems.append(str(err))
    return problems


def _shell_lines() -> list[str]:
    lines = []
    for name in SETTINGS:
        value = get(name)
        if value is not None:
            lines.append(f"export {name}={shlex.quote(str(value))}")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    problems = check()
    if problems:
        for line in problems:
            print(f"error: {line}", file=sys.stderr)
        return 1
    if args[:1] == ["--shell"]:
        print("\n".join(_shell_lines()))
    elif args[:1] != ["--check"]:
        for name, setting in SETTINGS.items():
            text, source = raw(name)
            shown = "(set)" if setting.secret and text else get(name)
            print(f"{name}={shown if shown is not None else ''}  [{source}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
