"""Checks for what a person types, at the service boundary: ids, text, whole numbers.

Text is normalised here once, so nothing downstream (screens, CSV, WhatsApp
template variables, which Twilio rejects when they hold newlines or tabs) meets
a control character.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import NotFound, ValidationError, shown
from .i18n import LANGUAGE_TAG, LANGUAGES, N_, _, supported

MAX_TEXT = 500
_SPACES = re.compile(r"[ \t\r\n\f\v\u0085\u2028\u2029\u00a0]+")
_LINE_SPACES = re.compile(r"[ \t\f\v\u00a0]+")


# one whole sentence per kind of id, so a translation need not splice a word in
_NOT_FOUND = {"customer": N_("That customer does not exist in this shop."),
              "sale": N_("That sale does not exist in this shop."),
              "repayment": N_("That repayment does not exist in this shop.")}


def _not_found(what: str) -> NotFound:
    if what in _NOT_FOUND:
        return NotFound(_(_NOT_FOUND[what]))
    return NotFound(_("That {what} does not exist in this shop.").format(what=what))


def as_id(value, what: str) -> int:
    """Ids from forms/URLs; anything that is not a positive integer is simply not found."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise _not_found(what) from None
    if isinstance(value, bool) or number <= 0 or str(number) != str(value).strip():
        raise _not_found(what)
    return number


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text)


def clean_text(value, field: str, *, required: bool = False, max_len: int = MAX_TEXT,
               multiline: bool = False) -> str | None:
    """Trimmed text with runs of spaces, tabs and line breaks made one space
    (``multiline`` keeps single line breaks, for notes); other control
    characters are refused. Required text must not be empty."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    else:
        raise ValidationError(_("{field} must be text.").format(field=_(field)))
    if multiline:
        lines = [_LINE_SPACES.sub(" ", line).strip() for line in re.split(r"\r\n|[\r\n\u0085\u2028\u2029]", text)]
        text = "\n".join(line for line in lines if line)
    else:
        text = _SPACES.sub(" ", text).strip()
    if not text:
        if required:
            raise ValidationError(_("{field} is required.").format(field=_(field)))
        return None
    if _has_control(text):
        raise ValidationError(_("{field} contains characters that cannot be stored (control characters).").format(
            field=_(field)))
    if len(text) > max_len:
        raise ValidationError(_("{field} is too long (at most {max_len} characters).").format(field=_(field),
                                                                                           max_len=max_len))
    return text


def int_in_range(value, field: str, low: int, high: int) -> int:
    """A whole number typed in a form, within bounds."""
    if isinstance(value, bool):
        raise ValidationError(_("{field} must be a whole number.").format(field=_(field)))
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("{field} must be a whole number.").format(field=_(field))) from None
    if not low <= number <= high:
        raise ValidationError(_("{field} must be between {low} and {high}.").format(field=_(field), low=low, high=high))
    return number


def checked_language(value, field: str = "Language") -> str | None:  # field: an N_() label
    """A language typed or stored for a shopkeeper or a customer: None when blank (not
    chosen), else an offered code (``hi``, ``HI``, ``hi-IN`` or ``हिन्दी`` -> ``hi``);
    anything else is refused with the codes that would do."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    for code, (name, _locale) in LANGUAGES.items():
        if text == name:
            return code
    code = supported(text)
    if code is None or not LANGUAGE_TAG.match(text):
        raise ValidationError(_("{field}: '{value}' is not a language the app speaks; use one of {codes}.").format(
            field=_(field), value=shown(text), codes=", ".join(LANGUAGES)))
    return code
