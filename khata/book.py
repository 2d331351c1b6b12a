"""The one door to a shop's book: a ``Book`` is one unit of work.

A Book holds, for one page render, one form submission or one command: the
database connection (opened on first use, closed when the unit ends), the
checked shop, the shop-local ``today`` and ``now``, and who is acting (a
``khata.principals.Principal``, required). Services take it as their first
argument, so they never open connections, re-check the shop or read the clock
themselves. Books are handed out by the process's composition root
(``khata.root.Root.unit`` / ``read`` / ``write``), never built from a path.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from . import db, permissions
from .dates import parse_date, shop_today
from .errors import NotAllowed, NotFound, ValidationError
from .i18n import _
from .principals import Principal


class Book:
    """One unit of work on one shop's book, from ``Root.unit``, ``Root.read`` or ``Root.write``."""

    def __init__(self, root, shop_id, principal: Principal, *, today=None, now: datetime | None = None,
                 writing: bool = False):
        if not isinstance(principal, Principal):
            raise TypeError(f"a unit of work needs a khata.principals.Principal, not {principal!r}")
        self.root = root
        self.principal = principal
        self.writing = writing
        self.requested_shop = shop_id
        self._requested_today = today
        self._now = now
        self._con = None
        self._closer = None  # the root.connect context of a lazily opened read connection
        self._shop: dict | None = None
        self._today: date | None = None
        # a customer's link touches the book only after a service listed for it said so
        self._cleared = principal.customer_id is None
        self._entered_by: str | None = None

    @property
    def actor(self) -> str:
        """Who the audit log names: the principal's name (or, inside ``entered_by``, the maker's)."""
        return self._entered_by or self.principal.name

    @contextmanager
    def entered_by(self, username: str):
        """Record the entries made inside the block as ``username``'s while this principal
        (the owner approving a staff request) acts: the maker-checker's one exception."""
        self._entered_by = username
        try:
            yield self
        finally:
            self._entered_by = None

    @property
    def role(self) -> str:
        return self.principal.role

    def require(self, service: str) -> None:
        """Refuse (NotAllowed, nothing changed) unless this unit's principal may call ``service``."""
        permissions.require(self.principal, service)
        self._cleared = True

    def require_customer(self, customer_id) -> None:
        """A customer's link sees its one customer only; another id looks like one that does
        not exist (NotFound). Every other principal passes."""
        limit = self.principal.customer_id
        if limit is not None and str(customer_id) != str(limit):
            raise NotFound(_("That customer does not exist in this shop."))

    def can(self, service: str) -> bool:
        return permissions.allowed(self.principal, service)

    @property
    def is_owner(self) -> bool:
        return self.principal.is_owner

    # ---- the connection -----------------------------------------------------------------

    def attach(self, con) -> Book:
        """Use a connection the caller already opened (a write transaction)."""
        self._con = con
        return self

    @property
    def con(self):
        """The unit's connection, opened on first use (a page whose reads are all
        cached never opens the file)."""
        if not self._cleared:
            # the link's principal reads only through services that ask for it by name
            raise NotAllowed(permissions.refusal("customer-link"))
        if self._con is None:
            if self.writing:
                raise RuntimeError("A writing Book gets its connection from open_book/write.")
            self._closer = self.root.connect()
            self._con = self._closer.__enter__()
        return self._con

    def close(self) -> None:
        closer = self._closer
        if closer is not None:
            self._closer = None
            self._con = None
            closer.__exit__(None, None, None)

    # ---- the shop, its today and now ------------------------------------------------------

    @property
    def shop(self) -> dict:
        """The shop row; NotFound when it does not exist (a foreign id looks the same)."""
        if self._shop is None:
            try:
                shop_id = int(self.requested_shop)
            except (TypeError, ValueError):
                raise NotFound(_("That shop does not exist.")) from None
            row = self.row("SELECT * FROM shops WHERE shop_id = ?", [shop_id])
            if row is None:
                raise NotFound(_("That shop does not exist."))
            self._shop = row
        return self._shop

    @property
    def shop_id(self) -> int:
        return self.shop["shop_id"]

    @property
    def today(self) -> date:
        """The shop-local date of this unit of work (or the one the caller fixed)."""
        if self._today is None:
            if self._requested_today not in (None, ""):
                self._today = parse_date(self._requested_today, "Today")
            else:
                self._today = shop_today(self.shop["timezone"], self.now)
        return self._today

    @property
    def now(self) -> datetime:
        if self._now is None:
            self._now = datetime.now(UTC)
        return self._now

    # ---- queries --------------------------------------------------------------------------

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        return db.rows_as_dicts(self.con.execute(sql, params or []))

    def row(self, sql: str, params: list | None = None) -> dict | None:
        return db.one_as_dict(self.con.execute(sql, params or []))

    def value(self, sql: str, params: list | None = None) -> Any:
        found = self.con.execute(sql, params or []).fetchone()
        return found[0] if found else None

    def next_id(self, sequence: str) -> int:
        return db.next_id(self.con, sequence)

    def insert_rows(self, table: str, rows: list[dict]) -> int:
        return db.insert_rows(self.con, table, rows)

    # ---- the audit trail and double-submit protection -------------------------------------

    def audit(self, action: str, entity: str, entity_id: int | None,
              before: dict | None = None, after: dict | None = None) -> None:
        """Append one line to the audit trail, in this unit's transaction."""
        record_audit(self.con, self.shop_id, self.actor, action, entity, entity_id, before, after)

    def seen_submission(self, key: str | None, action: str) -> dict | None:
        """What an earlier submission of the same form returned, if there was one."""
        if not key:
            return None
        found = self.con.execute("SELECT action, result FROM idempotency_keys WHERE shop_id = ? AND key = ?",
                                 [self.shop_id, key]).fetchone()
        if found is None:
            return None
        if found[0] != action:
            raise ValidationError(_("This form was already used for something else; please reload the page."))
        return json.loads(found[1])

    def remember_submission(self, key: str | None, action: str, result: dict) -> None:
        if key:
            self.con.execute("INSERT INTO idempotency_keys (shop_id, key, action, result) VALUES (?, ?, ?, ?)",
                             [self.shop_id, key, action, json.dumps(result)])

    # ---- context manager (reads) ----------------------------------------------------------

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def record_audit(con, shop_id: int, actor: str | None, action: str, entity: str, entity_id: int | None,
                 before: dict | None = None, after: dict | None = None) -> None:
    """One audit line on an open connection: for work that spans many shops (the
    reminder run); a single shop's unit of work calls ``Book.audit``."""
    con.execute(
        "INSERT INTO audit_log (audit_id, shop_id, actor, action, entity, entity_id, before, after)"
        " VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?)",
        [shop_id, actor, action, entity, entity_id, to_json(before), to_json(after)],
    )


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
