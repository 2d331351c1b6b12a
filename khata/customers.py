"""Customers of a shop: create, list with balances, edit, archive or delete."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import db
from .book import (as_id, audit, clean_text, int_in_range, remember_submission, resolve_today,
                   seen_submission, shop_row)
from .errors import Conflict, NotFound, ValidationError
from .money import format_inr, parse_amount
from .phones import normalize_phone

DEFAULT_CREDIT_LIMIT = Decimal("10000.00")
EDITABLE = ("name", "phone", "address", "trust_score", "credit_limit", "notes", "whatsapp_opt_out")
SORTS = {
    "name": "lower(b.name)",
    "outstanding": "b.outstanding",
    "overdue": "b.overdue",
    "available_credit": "b.available_credit",
    "trust_score": "b.trust_score",
    "last_activity": "last_activity",
    "created_at": "b.created_at",
}


def clean_customer_fields(fields: dict, *, creating: bool) -> dict:
    """Validate customer fields typed by a shopkeeper (also used by the CSV importer)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown customer field(s): {', '.join(sorted(unknown))}.")
    clean: dict = {}
    if creating or "name" in fields:
        clean["name"] = clean_text(fields.get("name"), "Customer name", required=True, max_len=100)
    if creating or "phone" in fields:
        clean["phone"] = normalize_phone(fields.get("phone"))
    if "address" in fields:
        clean["address"] = clean_text(fields["address"], "Address", max_len=300)
    if "notes" in fields:
        clean["notes"] = clean_text(fields["notes"], "Notes", max_len=1000)
    if "trust_score" in fields and fields["trust_score"] not in (None, ""):
        clean["trust_score"] = int_in_range(fields["trust_score"], "Trust score", 0, 10)
    if "credit_limit" in fields and fields["credit_limit"] not in (None, ""):
        clean["credit_limit"] = parse_amount(fields["credit_limit"], "Credit limit", allow_zero=True)
    if "whatsapp_opt_out" in fields:
        clean["whatsapp_opt_out"] = bool(fields["whatsapp_opt_out"])
    return clean


def _phone_taken(con, shop_id: int, phone: str, except_id: int | None = None) -> str | None:
    row = con.execute(
        "SELECT name FROM customers WHERE shop_id = ? AND phone = ? AND archived_at IS NULL"
        " AND customer_id IS DISTINCT FROM ?", [shop_id, phone, except_id]).fetchone()
    return row[0] if row else None


def _customer(con, shop_id: int, customer_id, *, include_archived: bool = False) -> dict:
    customer_id = as_id(customer_id, "customer")
    row = db.one_as_dict(con.execute(
        "SELECT * FROM customers WHERE shop_id = ? AND customer_id = ?"
        + ("" if include_archived else " AND archived_at IS NULL"), [shop_id, customer_id]))
    if row is None:
        raise NotFound("That customer does not exist in this shop.")
    return row


def create_customer(shop_id, *, actor: str | None = None, idempotency_key: str | None = None, path=None,
                    **fields) -> dict:
    """Add a customer; refused when the shop already has one with that phone.
    A form submitted twice with the same ``idempotency_key`` adds one customer."""
    fields.setdefault("credit_limit", DEFAULT_CREDIT_LIMIT)
    clean = clean_customer_fields(fields, creating=True)

    def work(con):
        shop = shop_row(con, shop_id)
        earlier = seen_submission(con, shop["shop_id"], idempotency_key, "create_customer")
        if earlier:
            return _customer(con, shop["shop_id"], earlier["customer_id"])
        other = _phone_taken(con, shop["shop_id"], clean["phone"])
        if other:
            raise Conflict(f"{other} already has the phone number {clean['phone']} in your book.")
        customer_id = db.next_id(con, "customer_id_seq")
        columns = ["customer_id", "shop_id", *clean]
        con.execute(
            f"INSERT INTO customers ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [customer_id, shop["shop_id"], *clean.values()],
        )
        row = _customer(con, shop["shop_id"], customer_id)
        audit(con, shop["shop_id"], actor, "create", "customer", customer_id, None, row)
        remember_submission(con, shop["shop_id"], idempotency_key, "create_customer", {"customer_id": customer_id})
        return row

    return db.write(work, path)


def update_customer(shop_id, customer_id, *, actor: str | None = None, path=None, **changes) -> dict:
    """Edit any customer field; the phone stays unique within the shop."""
    clean = clean_customer_fields(changes, creating=False)

    def work(con):
        shop = shop_row(con, shop_id)
        before = _customer(con, shop["shop_id"], customer_id)
        if "phone" in clean:
            other = _phone_taken(con, shop["shop_id"], clean["phone"], before["customer_id"])
            if other:
                raise Conflict(f"{other} already has the phone number {clean['phone']} in your book.")
        changed = {k: v for k, v in clean.items() if before.get(k) != v}
        if not changed:
            return before
        if "phone" in changed:
            changed["whatsapp_invalid"] = False  # a new number deserves a new chance
        sets = ", ".join(f"{field} = ?" for field in changed)
        con.execute(
            f"UPDATE customers SET {sets}, updated_at = current_timestamp WHERE shop_id = ? AND customer_id = ?",
            [*changed.values(), shop["shop_id"], before["customer_id"]],
        )
        after = _customer(con, shop["shop_id"], before["customer_id"])
        audit(con, shop["shop_id"], actor, "edit", "customer", before["customer_id"],
              {k: before[k] for k in changed}, {k: after[k] for k in changed})
        return after

    return db.write(work, path)


def remove_customer(shop_id, customer_id, *, actor: str | None = None, path=None) -> str:
    """Delete a customer with no history, archive one whose history is settled,
    refuse one who still owes. Returns 'deleted' or 'archived'."""

    def work(con):
        shop = shop_row(con, shop_id)
        customer = _customer(con, shop["shop_id"], customer_id)
        owed = con.execute(
            "SELECT coalesce(sum(outstanding), 0) FROM loan_balances_for(?, NULL) WHERE customer_id = ?",
            [shop["shop_id"], customer["customer_id"]]).fetchone()[0]
        if owed > 0:
            raise Conflict(f"{customer['name']} still owes {format_inr(owed)}; "
                           "record the repayment before removing them.")
        history = con.execute(
            "SELECT (SELECT count(*) FROM loans WHERE shop_id = ? AND customer_id = ?)"
            " + (SELECT count(*) FROM repayments WHERE shop_id = ? AND customer_id = ?)",
            [shop["shop_id"], customer["customer_id"]] * 2).fetchone()[0]
        if history:
            con.execute("UPDATE customers SET archived_at = current_timestamp, updated_at = current_timestamp"
                        " WHERE shop_id = ? AND customer_id = ?", [shop["shop_id"], customer["customer_id"]])
            audit(con, shop["shop_id"], actor, "archive", "customer", customer["customer_id"], customer, None)
            return "archived"
        con.execute("DELETE FROM customers WHERE shop_id = ? AND customer_id = ?",
                    [shop["shop_id"], customer["customer_id"]])
        audit(con, shop["shop_id"], actor, "delete", "customer", customer["customer_id"], customer, None)
        return "deleted"

    return db.write(work, path)


_LIST_SQL = """
SELECT b.customer_id, b.name, b.phone, b.credit_limit, b.outstanding, b.overdue,
       b.available_credit, b.trust_score, b.whatsapp_opt_out, b.whatsapp_invalid,
       b.max_days_past_due, b.open_loans, b.overdue_loans, b.oldest_overdue_due_date,
       c.address, c.notes, b.created_at, b.updated_at,
       greatest(coalesce(la.last_loan, DATE '1900-01-01'), coalesce(ra.last_payment, DATE '1900-01-01'),
                CAST(b.created_at AS DATE)) AS last_activity
FROM customer_balances_for(?, ?) b
JOIN customers c ON c.shop_id = b.shop_id AND c.customer_id = b.customer_id
LEFT JOIN (SELECT customer_id, max(issue_date) AS last_loan FROM loans WHERE shop_id = ? GROUP BY ALL) la
       ON la.customer_id = b.customer_id
LEFT JOIN (SELECT customer_id, max(paid_on) AS last_payment FROM repayments WHERE shop_id = ? GROUP BY ALL) ra
       ON ra.customer_id = b.customer_id
WHERE b.shop_id = ?
"""


def list_customers(shop_id, *, search: str | None = None, sort: str = "name", descending: bool = False,
                   today: date | None = None, limit: int | None = None, offset: int = 0,
                   only_overdue: bool = False, path=None) -> list[dict]:
    """Active customers with outstanding, overdue, available credit and last activity."""
    if sort not in SORTS:
        raise ValidationError(f"Cannot sort by '{sort}'; choose one of {', '.join(SORTS)}.")

    def work(con):
        shop = shop_row(con, shop_id)
        as_of = resolve_today(con, shop["shop_id"], today)
        sql = _LIST_SQL
        params: list = [shop["shop_id"], as_of, shop["shop_id"], shop["shop_id"], shop["shop_id"]]
        text = (search or "").strip()
        if text:
            digits = "".join(ch for ch in text if ch.isdigit())
            sql += " AND (b.name ILIKE ? ESCAPE '\\'" + (" OR b.phone LIKE ?" if digits else "") + ")"
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
            if digits:
                params.append(f"%{digits}%")
        if only_overdue:
            sql += " AND b.overdue > 0"
        direction = "DESC" if descending else "ASC"
        sql += f" ORDER BY {SORTS[sort]} {direction}, b.customer_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return db.rows_as_dicts(con.execute(sql, params))

    return db.read(work, path)


def get_customer(shop_id, customer_id, *, today: date | None = None, include_archived: bool = False,
                 path=None) -> dict:
    """One customer with balances; NotFound for another shop's id."""

    def work(con):
        shop = shop_row(con, shop_id)
        customer = _customer(con, shop["shop_id"], customer_id, include_archived=include_archived)
        as_of = resolve_today(con, shop["shop_id"], today)
        balance = db.one_as_dict(con.execute(
            "SELECT coalesce(sum(outstanding), 0) AS outstanding,"
            " coalesce(sum(outstanding) FILTER (WHERE status = 'overdue'), 0) AS overdue"
            " FROM loan_balances_for(?, ?) WHERE customer_id = ?",
            [shop["shop_id"], as_of, customer["customer_id"]]))
        customer["outstanding"] = Decimal(balance["outstanding"]).quantize(Decimal("0.01"))
        customer["overdue"] = Decimal(balance["overdue"]).quantize(Decimal("0.01"))
        customer["available_credit"] = max(customer["credit_limit"] - customer["outstanding"], Decimal("0.00"))
        return customer

    return db.read(work, path)
