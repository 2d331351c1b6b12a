"""The shopkeeper's language: gettext catalogs managed with Babel, one current language per unit of work.

Strings in the code are English and wrapped in ``_()`` (translated now, in the current
language) or ``N_()`` (only marked, for module-level constants translated where they are
shown). ``pybabel extract`` (babel.cfg) finds both. The current language lives in a
context variable: a page render, a CLI command or a reminder for one customer sets it
with ``use_language``; services that raise a message to the user need nothing more.

Adding a language: one line in ``LANGUAGES`` and a catalog ``khata/locale/<code>/LC_MESSAGES/messages.po``.
"""
from __future__ import annotations

import contextlib
import contextvars
import re
from functools import cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"

# code -> (name in its own script, Babel locale used for numbers, money and dates)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "en_IN"),
    "hi": ("हिन्दी", "hi_IN"),
    "mr": ("मराठी", "mr_IN"),
    "gu": ("ગુજરાતી", "gu_IN"),
    "bn": ("বাংলা", "bn_IN"),
    "ta": ("தமிழ்", "ta_IN"),
    "te": ("తెలుగు", "te_IN"),
    "kn": ("ಕನ್ನಡ", "kn_IN"),
}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("khata_language", default=DEFAULT_LANGUAGE)


def supported(code) -> str | None:
    """The language code if the app offers it (``hi``, ``hi-IN``, ``HI`` -> ``hi``), else None."""
    if not isinstance(code, str):
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def current_language() -> str:
    return _current.get()


def set_language(code) -> str:
    """Make ``code`` (or English, when it is not offered) the current language; returns it."""
    language = supported(code) or DEFAULT_LANGUAGE
    _current.set(language)
    return language


@contextlib.contextmanager
def use_language(code):
    """The current language for a block (a reminder in the customer's language, say)."""
    token = _current.set(supported(code) or DEFAULT_LANGUAGE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@cache
def translations(code: str) -> NullTranslations:
    """The compiled catalog of one language (English needs none: the code is English)."""
    if code == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [code], domain=DOMAIN)


def _(message: str) -> str:
    """``message`` in the current language (English when the catalog lacks it)."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for the catalog without translating it yet (module-level constants)."""
    return message


def babel_locale(code: str | None = None) -> Locale:
    """The Babel locale for numbers, money and dates in a language (the current one by default)."""
    return _babel_locale(supported(code) or _current.get())


@cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(LANGUAGES[code][1])


def language_name(code: str) -> str:
    """The language's name in its own script (what the pickers show)."""
    return LANGUAGES[code][0]


LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
