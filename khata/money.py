"""Money rules: exact Decimal rupees, never float.

Amounts are > 0 with at most 2 decimals and fit DECIMAL(18,2) comfortably.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import parse_pattern

from .errors import ValidationError
from .i18n import N_, _

PAISA = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000.00")  # ₹10 crore: far above any shop's single entry


def parse_amount(value, field: str = N_("Amount"), *, allow_zero: bool = False) -> Decimal:
    """Turn typed input into an exact amount, or raise a message the shopkeeper understands."""
    if value is None or isinstance(value, bool):
        raise ValidationError(_("{field} is required.").format(field=_(field)))
    if isinstance(value, float):
        value = repr(value)  # keeps 0.1 as "0.1", and NaN/inf are caught below
    text = str(value).strip().replace(",", "").replace("₹", "").strip()
    if not text:
        raise ValidationError(_("{field} is required.").format(field=_(field)))
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("{field} must be a number of rupees, like 250 or 99.50.").format(
            field=_(field))) from None
    if not amount.is_finite():
        raise ValidationError(_("{field} must be a number of rupees, like 250 or 99.50.").format(field=_(field)))
    if amount < 0 or (amount == 0 and not allow_zero):
        message = _("{field} cannot be negative.") if allow_zero else _("{field} must be more than ₹0.")
        raise ValidationError(message.format(field=_(field)))
    if amount > MAX_AMOUNT:
        raise ValidationError(_("{field} is too large (the most is {amount}).").format(
            field=_(field), amount=format_inr(MAX_AMOUNT)))
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(PAISA):
        raise ValidationError(_("{field} can have at most 2 decimal places (paise).").format(field=_(field)))
    return amount.quantize(PAISA)


_EN_IN = Locale.parse("en_IN")
_INR_PATTERN = parse_pattern(_EN_IN.currency_formats["standard"])


def format_inr(amount) -> str:
    """₹ with Indian grouping: ₹12,34,567.50 (Babel's en_IN pattern, parsed once: a
    big shop's page formats thousands of amounts)."""
    return _INR_PATTERN.apply(Decimal(amount), _EN_IN, currency="INR")
