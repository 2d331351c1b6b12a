"""Customers of a shop: create, list with balances, edit, archive or delete.

Every function takes the ``Book`` of the unit of work it runs in."""
from __future__ import annotations

from decimal import Decimal

from .accounts import shop_languages
from .book import Book
from .errors import Conflict, NotFound, ValidationError
from .i18n import N_, _
from .money import format_inr, parse_amount
from .phones import normalize_phone, pretty_phone
from .validate import as_id, checked_language, clean_text, int_in_range

DEFAULT_CREDIT_LIMIT = Decimal("10000.00")
DEFAULT_TRUST_SCORE = 5
CREDIT_TERMS = ("credit_limit", "trust_score")
EDITABLE = ("name", "phone", "address", "trust_score", "credit_limit", "notes", "whatsapp_opt_out", "language")
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
        raise ValidationError(_("Unknown customer field(s): {names}.").format(names=", ".join(sorted(unknown))))
    clean: dict = {}
    if creating or "name" in fields:
        clean["name"] = clean_text(fields.get("name"), N_("Customer name"), required=True, max_len=100)
    if creating or "phone" in fields:
        clean["phone"] = normalize_phone(fields.get("phone"))
    if "address" in fields:
        clean["address"] = clean_text(fields["address"], N_("Address"), max_len=300)
    if "notes" in fields:
        clean["notes"] = clean_text(fields["notes"], N_("Notes"), max_len=1000, multiline=True)
    if "trust_score" in fields and fields["trust_score"] not in (None, ""):
        clean["trust_score"] = int_in_range(fields["trust_score"], N_("Trust score"), 0, 10)
    if "credit_limit" in fields and fields["credit_limit"] not in (None, ""):
        clean["credit_limit"] = parse_amount(fields["credit_limit"], N_("Credit limit"), allow_zero=True)
    if "whatsapp_opt_out" in fields:
        clean["whatsapp_opt_out"] = bool(fields["whatsapp_opt_out"])
    if "language" in fields:  # blank: the shop's default (the owner's language)
        clean["language"] = checked_language(fields["language"], N_("Language"))
    return clean


def customer_language(book: Book, customer: dict) -> str:
    """The language of the customer's reminders and statements: theirs, else the shop's default."""
    return customer.get("language") or shop_languages(book.con, [book.shop_id])[book.shop_id]


def _phone_taken(book: Book, phone: str, except_id: int | None = None) -> str | None:
    return book.value(
        "SELECT name FROM customers WHERE shop_id = ? AND phone = ? AND archived_at IS NULL"
        " AND customer_id IS DISTINCT FROM ?", [book.shop_id, phone, except_id])


def customer_row(book: Book, customer_id, *, include_archived: bool = False) -> dict:
    """The customer's stored row; NotFound for an id of another shop or none at all."""
    customer_id = as_id(customer_id, "customer")
    row = book.row("SELECT * FROM customers WHERE shop_id = ? AND customer_id = ?"
                   + ("" if include_archived else " AND archived_at IS NULL"), [book.shop_id, customer_id])
    if row is None:
        raise NotFound(_("That customer does not exist in this shop."))
    return row


def owed_by(book: Book, customer_id: int):
    """What the customer owes now, from the ledger."""
    return Decimal(book.value(
        "SELECT coalesce(sum(outstanding), 0) FROM loan_balances_for(?, NULL) WHERE customer_id = ?",
        [book.shop_id, customer_id])).quantize(Decimal("0.01"))


def create_customer(book: Book, *, idempotency_key: str | None = None, **fields) -> dict:
    """Add a customer; refused when the shop already has one with that phone.
    A form submitted twice with the same ``idempotency_key`` adds one customer."""
    fields.setdefault("credit_limit", DEFAULT_CREDIT_LIMIT)
    clean = clean_customer_fields(fields, creating=True)
    if not book.is_owner and (clean.get("credit_limit", DEFAULT_CREDIT_LIMIT) != DEFAULT_CREDIT_LIMIT
                              or clean.get("trust_score", DEFAULT_TRUST_SCORE) != DEFAULT_TRUST_SCORE):
        book.require("customers.change_credit_terms")  # staff add customers on the shop's usual terms
    earlier = book.seen_submission(idempotency_key, "create_customer")
    if earlier:
        return customer_row(book, earlier["customer_id"])
    other = _phone_taken(book, clean["phone"])
    if other:
        raise Conflict(_("{name} already has the phone number {phone} in your book.").format(name=other,
                                                                                              phone=clean["phone"]))
    customer_id = book.next_id("customer_id_seq")
    columns = ["customer_id", "shop_id", *clean]
    book.con.execute(
        f"INSERT INTO customers ({', '.join(columns)}) VALUES ({', '.join('?' for _column in columns)})",
        [customer_id, book.shop_id, *clean.values()],
    )
    row = customer_row(book, customer_id)
    book.audit("create", "customer", customer_id, None, row)
    book.remember_submission(idempotency_key, "create_customer", {"customer_id": customer_id})
    return row


def update_customer(book: Book, customer_id, **changes) -> dict:
    """Edit any customer field; the phone stays unique within the shop."""
    clean = clean_customer_fields(changes, creating=False)
    before = customer_row(book, customer_id)
    if "phone" in clean:
        other = _phone_taken(book, clean["phone"], before["customer_id"])
        if other:
            raise Conflict(_("{name} already has the phone number {phone} in your book.").format(name=other,
                                                                                              phone=clean["phone"]))
    changed = {k: v for k, v in clean.items() if before.get(k) != v}
    if any(field in changed for field in CREDIT_TERMS):
        book.require("customers.change_credit_terms")
    if not changed:
        return before
    if changed.get("whatsapp_opt_out") is False:
        raise ValidationError(_("{name} does not get WhatsApp reminders. Turn them back on on the Reminders page, "
                                "with a note saying how the customer agreed.").format(name=before["name"]))
    if "phone" in changed:
        changed["whatsapp_invalid"] = False  # a new number deserves a new chance
    sets = ", ".join(f"{field} = ?" for field in changed)
    book.con.execute(
        f"UPDATE customers SET {sets}, updated_at = current_timestamp WHERE shop_id = ? AND customer_id = ?",
        [*changed.values(), book.shop_id, before["customer_id"]],
    )
    after = customer_row(book, before["customer_id"])
    book.audit("edit", "customer", before["customer_id"],
               {k: before[k] for k in changed}, {k: after[k] for k in changed})
    return after


def remove_customer(book: Book, customer_id) -> str:
    """Delete a customer with no history, archive one whose history is settled,
    refuse one who still owes. Returns 'deleted' or 'archived'."""
    book.require("customers.remove_customer")
    customer = customer_row(book, customer_id)
    sid, cid = book.shop_id, customer["customer_id"]
    owed = owed_by(book, cid)
    if owed > 0:
        raise Conflict(_("{name} still owes {amount}; record the repayment before removing them.").format(
            name=customer["name"], amount=format_inr(owed)))
    history = book.value(
        "SELECT (SELECT count(*) FROM loans WHERE shop_id = ? AND customer_id = ?)"
        " + (SELECT count(*) FROM repayments WHERE shop_id = ? AND customer_id = ?)", [sid, cid] * 2)
    if history:
        book.con.execute("UPDATE customers SET archived_at = current_timestamp, updated_at = current_timestamp"
                         " WHERE shop_id = ? AND customer_id = ?", [sid, cid])
        book.audit("archive", "customer", cid, customer, None)
        return "archived"
    book.con.execute("DELETE FROM customers WHERE shop_id = ? AND customer_id = ?", [sid, cid])
    book.audit("delete", "customer", cid, customer, None)
    return "deleted"


def bring_back_if_owing(book: Book, customer_id: int, why: str) -> bool:
    """An archived customer who owes again (a repayment of theirs was reversed)
    comes back to the customer list, so every screen and the reminders see the
    debt the shop summary counts. Returns True when they were archived."""
    customer = customer_row(book, customer_id, include_archived=True)
    if customer["archived_at"] is None or owed_by(book, customer_id) <= 0:
        return False
    if _phone_taken(book, customer["phone"], customer_id):
        raise Conflict(_("{name} was archived and another customer now has the phone number {phone}; change one "
                         "of the numbers first.").format(name=customer["name"], phone=pretty_phone(customer["phone"])))
    book.con.execute("UPDATE customers SET archived_at = NULL, updated_at = current_timestamp"
                     " WHERE shop_id = ? AND customer_id = ?", [book.shop_id, customer_id])
    book.audit("unarchive", "customer", customer_id, {"archived_at": customer["archived_at"]},
               {"archived_at": None, "reason": why})
    return True


_LIST_SQL = """
SELECT b.customer_id, b.name, b.phone, b.credit_limit, b.outstanding, b.overdue,
       b.available_credit, b.trust_score, b.whatsapp_opt_out, b.whatsapp_invalid,
       b.max_days_past_due, b.open_loans, b.overdue_loans, b.oldest_overdue_due_date,
       c.address, c.notes, b.created_at, b.updated_at,
       CASE WHEN la.last_loan IS NULL AND ra.last_payment IS NULL THEN NULL
            ELSE greatest(coalesce(la.last_loan, ra.last_payment), coalesce(ra.last_payment, la.last_loan))
       END AS last_activity
FROM customer_balances_for(?, ?) b
JOIN customers c ON c.shop_id = b.shop_id AND c.customer_id = b.customer_id
LEFT JOIN (SELECT customer_id, max(issue_date) AS last_loan FROM loans WHERE shop_id = ? GROUP BY ALL) la
       ON la.customer_id = b.customer_id
LEFT JOIN (SELECT customer_id, max(paid_on) AS last_payment FROM repayments WHERE shop_id = ? GROUP BY ALL) ra
       ON ra.customer_id = b.customer_id
WHERE b.shop_id = ?
"""


def _match(search: str | None, alias: str) -> tuple[str, list]:
    """The SQL (and parameters) for 'name contains the text, or phone contains its digits'."""
    text = (search or "").strip()
    if not text:
        return "", []
    digits = "".join(ch for ch in text if ch.isdigit())
    sql = f" AND ({alias}.name ILIKE ? ESCAPE '\\'" + (f" OR {alias}.phone LIKE ?" if digits else "") + ")"
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sql, [f"%{escaped}%", *([f"%{digits}%"] if digits else [])]


def list_customers(book: Book, *, search: str | None = None, sort: str = "name", descending: bool = False,
                   limit: int | None = None, offset: int = 0, only_overdue: bool = False) -> list[dict]:
    """Active customers with outstanding, overdue, available credit and the date of
    their last sale or repayment (none yet: empty)."""
    if sort not in SORTS:
        raise ValidationError(_("Cannot sort by '{sort}'; choose one of {sorts}.").format(sort=sort,
                                                                                         sorts=", ".join(SORTS)))
    sid = book.shop_id
    sql = _LIST_SQL
    params: list = [sid, book.today, sid, sid, sid]
    match, match_params = _match(search, "b")
    sql += match
    params += match_params
    if only_overdue:
        sql += " AND b.overdue > 0"
    direction = "DESC" if descending else "ASC"
    sql += f" ORDER BY {SORTS[sort]} {direction} NULLS LAST, b.customer_id"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return book.rows(sql, params)


PICKER_LIMIT = 50


def find_customers(book: Book, search: str | None = None, *, owing: bool = False, opted_out: bool = False,
                   balances: bool = True, limit: int = PICKER_LIMIT) -> list[dict]:
    """The first ``limit`` active customers whose name or phone matches ``search`` (every one
    when empty), for a picker that must not carry a big shop's 5,000 names: id, name, phone,
    WhatsApp opt-out and (``balances``) outstanding and available credit, by name.
    ``owing``: only those who owe, largest first; ``opted_out``: only those who get no
    WhatsApp reminders. Without balances it reads the customers table alone (cheap)."""
    limit = int_in_range(limit, N_("Limit"), 1, 1000)
    match, params = _match((search or "")[:100], "c")
    if opted_out:
        match += " AND c.whatsapp_opt_out"
    if owing or balances:
        sql = ("SELECT c.customer_id, c.name, c.phone, c.whatsapp_opt_out, c.outstanding, c.available_credit"
               " FROM customer_balances_for(?, ?) c WHERE c.shop_id = ?" + match
               + (" AND c.outstanding > 0 ORDER BY c.outstanding DESC," if owing else " ORDER BY")
               + " lower(c.name), c.customer_id LIMIT ?")
        return book.rows(sql, [book.shop_id, book.today, book.shop_id, *params, limit])
    sql = ("SELECT c.customer_id, c.name, c.phone, c.whatsapp_opt_out FROM customers c"
           " WHERE c.shop_id = ? AND c.archived_at IS NULL" + match + " ORDER BY lower(c.name), c.customer_id LIMIT ?")
    return book.rows(sql, [book.shop_id, *params, limit])


def get_customer(book: Book, customer_id, *, include_archived: bool = False) -> dict:
    """One customer with balances; NotFound for another shop's id."""
    customer = customer_row(book, customer_id, include_archived=include_archived)
    balance = book.row(
        "SELECT coalesce(sum(outstanding), 0) AS outstanding,"
        " coalesce(sum(outstanding) FILTER (WHERE status = 'overdue'), 0) AS overdue"
        " FROM loan_balances_for(?, ?) WHERE customer_id = ?",
        [book.shop_id, book.today, customer["customer_id"]])
    customer["outstanding"] = Decimal(balance["outstanding"]).quantize(Decimal("0.01"))
    customer["overdue"] = Decimal(balance["overdue"]).quantize(Decimal("0.01"))
    customer["available_credit"] = max(customer["credit_limit"] - customer["outstanding"], Decimal("0.00"))
    return customer
