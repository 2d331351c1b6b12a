"""Phone numbers: validated with ``phonenumbers`` (default region India), stored as E.164."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers

from .errors import ValidationError, shown
from .i18n import _


def normalize_phone(text, region: str = "IN") -> str:
    """'98765 43210' -> '+919876543210', or a clear message."""
    raw = str(text or "").strip()
    if not raw:
        raise ValidationError(_("Phone number is required."))
    if len(raw) > 32:
        raise ValidationError(_("That phone number is too long."))
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("'{text}' is not a phone number; type 10 digits like 98765 43210.").format(
            text=shown(raw))) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("'{text}' is not a valid phone number; type 10 digits like 98765 43210.").format(
            text=shown(raw)))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """+919876543210 -> +91•••••43210, for logs and screens that need no full number."""
    if not e164:
        return ""
    text = str(e164)
    try:
        number = phonenumbers.parse(text, "IN")
        prefix = f"+{number.country_code}"
        national = str(number.national_number)
    except phonenumbers.NumberParseException:
        prefix, national = "", text
    return prefix + "•" * max(len(national) - 5, 0) + national[-5:]


@lru_cache(maxsize=65536)  # a page may show thousands; parsing each costs ~60 us
def pretty_phone(e164: str | None) -> str:
    """Display form: +91 98765 43210."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "IN"),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
