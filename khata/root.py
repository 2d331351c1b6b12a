"""The composition root: one per process, built once by each entry point.

Which book, said once. The app (``dashboard/root.py``), each flow, the CLI and the
benchmarks build one ``Root`` from ``khata.settings`` (``Root.from_settings()``) or
from an explicit file (``Root(path)``; tests use a tmp file) and hand it to what
they call. It owns everything about the book's file that used to be module
globals keyed by a path string: opening short connections with lock retry,
migrations (once per root), the per-file write lock that serialises this process's
writes, and the units of work. No service takes a path; they take a ``Root`` (work
across many shops: the reminder run, export, backup, upkeep) or a ``Book``.

Who acts, said once. A unit of work always carries a ``khata.principals.Principal``;
there is no default::

    root = Root.from_settings()                              # once per process
    with root.unit(shop_id, principals.owner("ravi")) as book:          # reads
        summary = reports.shop_summary(book)
    sale = root.write(shop_id, principals.staff("asha"), loans.create_loan, cid, amount="250", item="Rice")
    rows = root.read(shop_id, principals.CLI_OPERATOR, statement.statement_for, cid)
    with root.unit(shop_id, me, write=True) as book:        # one transaction, several services
        ...

``write`` runs one service in one transaction and again after a transaction conflict
(so a service must have no side effects outside the book). A missing book is refused
(``BookMissing``) unless the root is built with ``create=True`` (``khata init``,
``khata demo``, tests).

A command that only reads builds a read-only root (``Root(path, read_only=True)``): its
connections are opened read-only (a read-only file works, other readers are never
blocked), nothing is migrated (a book with migrations still to apply is refused), and a
write is refused.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from . import db, settings
from .book import Book
from .errors import BookMissing
from .principals import Principal

T = TypeVar("T")


class Root:
    """One book file and how this process works on it. Build one per process."""

    def __init__(self, path, *, create: bool = False, lock_timeout: float | None = None,
                 read_only: bool = False):
        self.path = Path(path).expanduser().resolve()
        db.check_database_file(self.path)
        if (read_only or not create) and not self.path.is_file():
            raise BookMissing(self.path)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self.write_lock = threading.RLock()    # this process's writes to the file, one at a time
        self._open_lock = threading.Lock()     # threads open the file one at a time
        self._migrate_lock = threading.Lock()
        self._migrated = False
        # failed logins of names that do not exist, for this process (khata/accounts.py)
        self.unknown_logins: dict[str, dict] = {}
        self.unknown_logins_lock = threading.Lock()

    @classmethod
    def from_settings(cls, *, create: bool = False, read_only: bool = False) -> Root:
        """The root of the book ``KHATA_DB`` names (default data/khata.duckdb)."""
        return cls(settings.get("KHATA_DB"), create=create, read_only=read_only)

    def __repr__(self) -> str:
        return f"Root({str(self.path)!r}{', read_only=True' if self.read_only else ''})"

    # ---- connections (work that spans shops; a single shop's work uses a unit) -----------

    @contextmanager
    def connect(self, *, lock_timeout: float | None = None) -> Iterator:
        """A short connection, closed on exit; the first one of this root migrates the file
        (a read-only root's first one checks that nothing is left to migrate)."""
        timeout = self.lock_timeout if lock_timeout is None else lock_timeout
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = db.open_connection(self.path, timeout, self._open_lock, read_only=self.read_only)
        try:
            if not self._migrated:
                with self._migrate_lock:
                    if not self._migrated:
                        if self.read_only:
                            db.check_up_to_date(con, self.path)
                        else:
                            db.migrate(con)
                        self._migrated = True
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self, *, lock_timeout: float | None = None) -> Iterator:
        """One write transaction under this process's write lock: committed when the block
        ends, rolled back if it raises. Refused on a read-only root."""
        if self.read_only:
            raise RuntimeError("A write was attempted by a command that only reads (a read-only root).")
        with self.write_lock, self.connect(lock_timeout=lock_timeout) as con:
            con.begin()
            try:
                yield con
                con.commit()
            except BaseException:
                try:
                    con.rollback()
                except db.DatabaseError:
                    pass
                raise

    def on_connection(self, fn: Callable[..., T]) -> T:
        """``fn(con)`` on a short read connection."""
        with self.connect() as con:
            return fn(con)

    def in_transaction(self, fn: Callable[..., T], *, attempts: int = 5, lock_timeout: float | None = None) -> T:
        """``fn(con)`` in one transaction, run again after a transaction conflict (so ``fn``
        must have no side effects outside the database)."""
        for attempt in range(attempts):
            try:
                with self.transaction(lock_timeout=lock_timeout) as con:
                    return fn(con)
            except Exception as err:
                if db.is_conflict(err) and attempt < attempts - 1:
                    db.lock_stats["conflict_retries"] += 1
                    time.sleep(0.005 * (attempt + 1))
                    continue
                raise
        raise AssertionError("unreachable")

    # ---- units of work on one shop ---------------------------------------------------------

    def unit(self, shop_id, principal: Principal, *, write: bool = False, today=None,
             now: datetime | None = None):
        """A Book as a context manager: reads open the file lazily; ``write=True`` is one
        transaction (without the conflict retry of ``write``)."""
        book = Book(self, shop_id, principal, today=today, now=now, writing=write)
        return _WritingUnit(self, book) if write else book

    def read(self, shop_id, principal: Principal, service: Callable[..., T], *args, today=None,
             now: datetime | None = None, **kwargs) -> T:
        """Run one read service in its own unit of work."""
        with self.unit(shop_id, principal, today=today, now=now) as book:
            return service(book, *args, **kwargs)

    def write(self, shop_id, principal: Principal, service: Callable[..., T], *args, today=None,
              now: datetime | None = None, **kwargs) -> T:
        """Run one write service in one transaction; all of it is saved or none of it."""
        def work(con):
            book = Book(self, shop_id, principal, today=today, now=now, writing=True).attach(con)
            return service(book, *args, **kwargs)
        return self.in_transaction(work)


def flow_root(db: str | None = None) -> Root:
    """A flow run's root: the ``db`` parameter of the deployment, else ``KHATA_DB``. A flow
    never creates a book."""
    return Root(db) if db else Root.from_settings()


class _WritingUnit:
    """``root.unit(..., write=True)``: one transaction under the process's write lock."""

    def __init__(self, root: Root, book: Book):
        self.book = book
        self._transaction = root.transaction()

    def __enter__(self) -> Book:
        return self.book.attach(self._transaction.__enter__())

    def __exit__(self, *exc):
        return self._transaction.__exit__(*exc)
