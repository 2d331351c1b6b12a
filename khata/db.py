"""The only module that calls ``duckdb.connect``.

Rules (docs/architecture.md, "One connection per unit of work"):
- one short connection per unit of work, closed at once, never kept in a
  global or a Streamlit cache, so the app, the reminder flow and the CLI (three
  processes) can take turns on one file;
- DuckDB locks the whole file per process: on "Could not set lock" we retry with
  backoff for ``KHATA_LOCK_TIMEOUT`` seconds, then raise ``DatabaseBusy``;
- migrations (``migrations/NNN_*.sql``) are applied by ``migrate``;
- a command that only reads uses a read-only root (``Root(path, read_only=True)``): its
  connections are opened with DuckDB's ``read_only=True`` (works on a read-only file and
  never blocks other readers), nothing is migrated, and a write is refused.

Which file, the per-file write lock (DuckDB's optimistic transactions catch two
updates of one row, but not two inserts that together break a rule, so this
process's writes are serialised), and "migrated once" belong to the process's
composition root, ``khata.root.Root``: nothing here is keyed by a path.
"""
from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from . import settings
from .errors import DatabaseBusy, ValidationError
from .i18n import N_, _

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB = settings.SETTINGS["KHATA_DB"].default

BUSY_MESSAGE = N_(
    "The shop's book is open in another program and stayed locked for {secs} s. "
    "Nothing was changed; please try again in a moment."
)

DatabaseError = duckdb.Error  # what callers outside this module catch, without importing duckdb
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
T = TypeVar("T")

# Figures for the reliability report: how often and how long we waited on the file lock.
lock_stats = {"retries": 0, "longest_wait_s": 0.0, "conflict_retries": 0}

PENDING_MIGRATIONS = ("{path} was written by an older version of Credikhaata and can only be read after it is"
                      " brought up to date: run `khata init --db {path}` once (it needs write access).")


def check_database_file(path: Path, what: str = "database") -> None:
    """Refuse a folder, or an existing file that is not a DuckDB database. DuckDB would
    fail with a traceback on the first, and for a file such as a .csv it quietly opens
    an in-memory database, so "ready" would mean nothing was kept."""
    if path.is_dir():
        raise ValidationError(f"{path} is a folder, not a {what} file; nothing was changed.")
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            head = fh.read(12)
        if head[8:12] != DUCKDB_MAGIC:
            raise ValidationError(f"{path} is not a Credikhaata {what} (not a DuckDB file); nothing was changed.")


def lock_timeout_s() -> float:
    return settings.get("KHATA_LOCK_TIMEOUT")


def _is_lock_error(err: Exception) -> bool:
    text = str(err)
    # "Unique file handle conflict": two threads of this process opening the file at the
    # same instant while no connection had it open; transient like the file lock.
    return "Could not set lock" in text or "Conflicting lock" in text or "Unique file handle conflict" in text


def is_conflict(err: Exception) -> bool:
    """A transaction conflict (two transactions touched one row): the unit may be run again."""
    return isinstance(err, duckdb.TransactionException) or "Conflict on" in str(err)


def open_connection(path: Path, timeout: float | None, open_lock: threading.Lock, *,
                    read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` (read-only if asked), retried with backoff while another process
    holds the file's lock (``DatabaseBusy`` after ``timeout`` s, default ``KHATA_LOCK_TIMEOUT``)."""
    return _retry_on_lock(timeout, open_lock, lambda: duckdb.connect(str(path), read_only=read_only))


def _retry_on_lock(timeout: float | None, open_lock: threading.Lock, opening: Callable[[], T]) -> T:
    """``opening()`` (which opens a file), retried with backoff while another process holds it."""
    timeout = lock_timeout_s() if timeout is None else timeout
    started = time.monotonic()
    delay = 0.01
    while True:
        try:
            with open_lock:  # threads of one process open the file one at a time
                opened = opening()
            waited = time.monotonic() - started
            if waited > lock_stats["longest_wait_s"]:
                lock_stats["longest_wait_s"] = waited
            return opened
        except (duckdb.IOException, duckdb.ConnectionException) as err:
            if not _is_lock_error(err):
                raise
            if time.monotonic() - started >= timeout:
                raise DatabaseBusy(_(BUSY_MESSAGE).format(secs=f"{timeout:.0f}")) from None
            lock_stats["retries"] += 1
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection for work across whole files (``attach`` them); closed on exit.
    No book is opened, so no migration runs: the files are taken as they are."""
    con = duckdb.connect()
    try:
        yield con
    finally:
        con.close()


def attach(con, path: str | os.PathLike, alias: str, options: str = "", *, lock_timeout: float | None = None) -> None:
    """``ATTACH path AS alias (options)`` on a ``scratch`` connection, retried like a root's
    ``connect`` while another process holds the file."""
    resolved = Path(path).expanduser().resolve()
    quoted = str(resolved).replace("'", "''")
    sql = f"ATTACH '{quoted}' AS {alias}" + (f" ({options})" if options else "")
    _retry_on_lock(lock_timeout, threading.Lock(), lambda: con.execute(sql))


def check_up_to_date(con, path: Path) -> None:
    """A read-only connection cannot migrate: refuse a book with migrations still to apply."""
    try:
        done = set(applied_migrations(con))
    except duckdb.CatalogException:
        done = set()
    if any(int(f.name[:3]) not in done for f in MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        raise ValidationError(PENDING_MIGRATIONS.format(path=path))


def applied_migrations(con) -> list[int]:
    return [row[0] for row in con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()]


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded in ``schema_version``; return their names."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    done = set(applied_migrations(con))
    applied = []
    for file in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        version = int(file.name[:3])
        if version in done:
            continue
        con.begin()
        try:
            con.execute(file.read_text())
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, file.name])
            con.commit()
        except Exception:
            con.rollback()
            raise
        applied.append(file.name)
    return applied


def next_id(con, sequence: str) -> int:
    return con.execute(f"SELECT nextval('{sequence}')").fetchone()[0]


def rows_as_dicts(cursor) -> list[dict]:
    """Fetch all rows as dicts (DECIMAL stays Decimal, unlike ``.df()``)."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one_as_dict(cursor) -> dict | None:
    rows = rows_as_dicts(cursor)
    return rows[0] if rows else None


def register(con, name: str, frame) -> None:
    """``con.register`` after running any unfinished result to its end: DuckDB 2.0 streams
    results, and a connection with one still open refuses other work."""
    con.complete()
    con.register(name, frame)


def insert_rows(con, table: str, rows: list[dict]) -> int:
    """Bulk insert (through Arrow, not row by row); columns are the dict keys."""
    if not rows:
        return 0
    import pyarrow as pa

    frame = pa.Table.from_pylist(rows)
    register(con, "_incoming_rows", frame)
    try:
        columns = ", ".join(frame.column_names)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _incoming_rows")
    finally:
        con.unregister("_incoming_rows")
    return len(rows)
