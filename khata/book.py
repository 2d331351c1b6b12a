"""Pieces every unit of work shares: the shop row, its local today, the audit
trail and idempotency keys. Each takes an open connection inside a transaction."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from . import db
from .dates import parse_date, shop_today
from .errors import NotFound, ValidationError

MAX_TEXT = 500


def shop_row(con, shop_id) -> dict:
    """The shop, or NotFound (a missing and a foreign shop look the same)."""
    try:
        shop_id = int(shop_id)
    except (TypeError, ValueError):
        raise NotFound("That shop does not exist.") from None
    row = db.one_as_dict(con.execute("SELECT * FROM shops WHERE shop_id = ?", [shop_id]))
    if row is None:
        raise NotFound("That shop does not exist.")
    return row


def resolve_today(con, shop_id, today: date | None) -> date:
    """``today`` if given, else the shop-local date now."""
    if today is not None:
        return parse_date(today, "Today")
    return shop_today(shop_row(con, shop_id)["timezone"])


def as_id(value, what: str) -> int:
    """Ids from forms/URLs; anything that is not a positive integer is simply not found."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound(f"That {what} does not exist in this shop.") from None
    if isinstance(value, bool) or number <= 0 or str(number) != str(value).strip():
        raise NotFound(f"That {what} does not exist in this shop.")
    return number


def clean_text(value, field: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
    """Trim text; refuse missing required text, very long text and control characters."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValidationError(f"{field} must be text.")
    if not text:
        if required:
            raise ValidationError(f"{field} is required.")
        return None
    if len(text) > max_len:
        raise ValidationError(f"{field} is too long (at most {max_len} characters).")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text) or "\x00" in text:
        raise ValidationError(f"{field} contains characters that cannot be stored.")
    return text


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def to_json(record: dict | None) -> str | None:
    if record is None:
        return None
    return json.dumps({k: _jsonable(v) for k, v in record.items()}, ensure_ascii=False, sort_keys=True)


def audit(con, shop_id: int, actor: str | None, action: str, entity: str, entity_id: int | None,
          before: dict | None = None, after: dict | None = None) -> None:
    """Append one line to the audit trail, in the caller's transaction."""
    con.execute(
        "INSERT INTO audit_log (audit_id, shop_id, actor, action, entity, entity_id, before, after)"
        " VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?)",
        [shop_id, actor, action, entity, entity_id, to_json(before), to_json(after)],
    )


def seen_submission(con, shop_id: int, key: str | None, action: str) -> dict | None:
    """What an earlier submission with this key returned, if there was one."""
    if not key:
        return None
    row = con.execute(
        "SELECT action, result FROM idempotency_keys WHERE shop_id = ? AND key = ?", [shop_id, key]
    ).fetchone()
    if row is None:
        return None
    if row[0] != action:
        raise ValidationError("This form was already used for something else; please reload the page.")
    return json.loads(row[1])


def remember_submission(con, shop_id: int, key: str | None, action: str, result: dict) -> None:
    if key:
        con.execute(
            "INSERT INTO idempotency_keys (shop_id, key, action, result) VALUES (?, ?, ?, ?)",
            [shop_id, key, action, json.dumps(result)],
        )


def int_in_range(value, field: str, low: int, high: int) -> int:
    """A whole number typed in a form, within bounds."""
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be a whole number.")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{field} must be a whole number.") from None
    if not low <= number <= high:
        raise ValidationError(f"{field} must be between {low} and {high}.")
    return number
