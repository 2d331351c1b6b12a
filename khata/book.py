"""The one door to a shop's book: a ``Book`` is one unit of work.

A Book holds, for one page render, one form submission or one command: the
database connection (opened on first use, closed when the unit ends), the
checked shop, the shop-local ``today`` and ``now``, and who is acting. Services
take it as their first argument, so they never open connections, re-check the
shop or read the clock themselves.

    with open_book(shop_id, path=p) as book:             # reads: one connection
        summary = reports.shop_summary(book)
    loan = write(shop_id, loans.create_loan, cid, amount="250", item="Rice", actor="ravi", path=p)

``write`` runs one service in one transaction and runs it again after a
transaction conflict (so a service must have no side effects outside the book).
``open_book(..., write=True)`` is the same transaction for several services
together, without the retry.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from . import db, permissions
from .dates import parse_date, shop_today
from .errors import NotAllowed, NotFound, ValidationError
from .i18n import _
from .principals import Principal

T = TypeVar("T")


class Book:
    """One unit of work on one shop's book. Use ``open_book``, ``read`` or ``write``."""

    def __init__(self, shop_id, *, path=None, actor: str | None = None, today=None,
                 now: datetime | None = None, writing: bool = False, role: str | None = None,
                 principal: Principal | None = None):
        self.path = db.db_path(path)
        self.actor = actor if actor is not None or principal is None else principal.name
        # who acts, when the caller says it (a customer's link does); the role follows from it
        self.principal = principal
        # the acting login's role; None is the shop's own operator (CLI, the reminder run): the owner
        self.role = permissions.check_role(principal.role if principal is not None else role or permissions.OWNER)
        if self.role == permissions.CUSTOMER and (principal is None or principal.customer_id is None):
            raise NotAllowed(_("Your login may not do this; ask the shop owner."))
        # A customer's link reads the book only through a service that cleared it (``require``
        # with one of the link's own services): every other service is refused at its first read.
        self._cleared = self.role != permissions.CUSTOMER
        self.writing = writing
        self.requested_shop = shop_id
        self._requested_today = today
        self._now = now
        self._con = None
        self._closer = None  # the db.connect context of a lazily opened read connection
        self._shop: dict | None = None
        self._today: date | None = None

    def require(self, service: str) -> None:
        """Refuse (NotAllowed, nothing changed) unless this unit's role may call ``service``."""
        permissions.require(self.role, service)
        self._cleared = True

    @property
    def is_owner(self) -> bool:
        return self.role == permissions.OWNER

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
            permissions.require(self.role, "")  # refused: a customer's link, outside its own services
        if self._con is None:
            if self.writing:
                raise RuntimeError("A writing Book gets its connection from open_book/write.")
            self._closer = db.connect(self.path)
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


class _WritingBook:
    """``open_book(..., write=True)``: one transaction under the process's write lock."""

    def __init__(self, book: Book):
        self.book = book
        self._unit = db.transaction(book.path)

    def __enter__(self) -> Book:
        return self.book.attach(self._unit.__enter__())

    def __exit__(self, *exc):
        return self._unit.__exit__(*exc)


def book_path(path=None):
    """The database file a Book opens: ``path``, else ``KHATA_DB``, else data/khata.duckdb."""
    return db.db_path(path)


def open_book(shop_id, *, path=None, write: bool = False, actor: str | None = None, today=None,
              now: datetime | None = None, role: str | None = None, principal: Principal | None = None):
    """A Book as a context manager: reads open the file lazily; ``write=True`` is one transaction."""
    book = Book(shop_id, path=path, actor=actor, today=today, now=now, writing=write, role=role,
                principal=principal)
    return _WritingBook(book) if write else book


def read(shop_id, service: Callable[..., T], *args, path=None, today=None, now: datetime | None = None,
         role: str | None = None, principal: Principal | None = None, **kwargs) -> T:
    """Run one read service in its own unit of work."""
    with open_book(shop_id, path=path, today=today, now=now, role=role, principal=principal) as book:
        return service(book, *args, **kwargs)


def write(shop_id, service: Callable[..., T], *args, path=None, actor: str | None = None, today=None,
          now: datetime | None = None, role: str | None = None, principal: Principal | None = None, **kwargs) -> T:
    """Run one write service in one transaction; all of it is saved or none of it."""
    def unit(con):
        book = Book(shop_id, path=path, actor=actor, today=today, now=now, writing=True, role=role,
                    principal=principal).attach(con)
        return service(book, *args, **kwargs)
    return db.write(unit, path)


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
