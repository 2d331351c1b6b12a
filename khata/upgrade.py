"""Rewrite a book into DuckDB 2.0's storage format, one way, without risking it.

Why: DuckDB 2.0 opens a book written by 1.5.x in place but keeps it in the old format,
and with it most of the old write cost (a repayment on a fresh connection 76 ms instead
of 29 ms, docs/architecture.md). The rewrite is one-way: DuckDB 1.5.x cannot open the
new file, so analysts open the snapshot (``khata export``), never the live book.

The order keeps the shop's book safe at every step:
1. the book is attached read-only for the whole run, so no other process can write to it
   meanwhile (they wait and retry, as for any unit of work);
2. its format is read from DuckDB itself (``duckdb_databases().tags['storage_version']``);
   a book already in 2.0's format is left alone;
3. a backup: a byte copy in a folder beside the book, owner-only (folder 0700, file 0600),
   checked twice: same bytes (SHA-256), and opened by DuckDB with the same catalog and data;
4. the new file is written beside the book (same filesystem) with ``COPY FROM DATABASE``,
   closed, opened again, and compared with the book: the catalog (tables, columns with
   defaults, constraints, views, macros, sequences with their current values) and every
   table's rows (count, the sum of every money column, a checksum of all rows);
5. only then ``os.replace`` puts it where the book was (atomic), and the app's migrations
   run on it. Any failure before the replace removes the half-written file and leaves the
   book as it was, byte for byte.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

from . import db
from .errors import KhataError

NEW_STORAGE_VERSION = "v2.0.0"  # what ATTACH ... (STORAGE_VERSION ...) is told to write
BACKUP_FOLDER = "{stem}-before-duckdb-2.0-{stamp}"  # beside the book

# The catalog, as DuckDB describes it; `?` is the attached database's alias.
CATALOG = {
    "tables": "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = ? ORDER BY ALL",
    "columns": "SELECT table_name, column_index, column_name, data_type, column_default, is_nullable"
               " FROM duckdb_columns() WHERE database_name = ? ORDER BY ALL",
    "constraints": "SELECT table_name, constraint_type, constraint_text, expression"
                   " FROM duckdb_constraints() WHERE database_name = ? ORDER BY ALL",
    "views": "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal ORDER BY ALL",
    "macros": "SELECT function_name, function_type, macro_definition, parameters"
              " FROM duckdb_functions() WHERE database_name = ? AND NOT internal ORDER BY ALL",
    "sequences": "SELECT sequence_name, start_value, min_value, max_value, increment_by, cycle, last_value"
                 " FROM duckdb_sequences() WHERE database_name = ? ORDER BY ALL",
    "indexes": "SELECT index_name, table_name, sql FROM duckdb_indexes() WHERE database_name = ? ORDER BY ALL",
}


class UpgradeFailed(KhataError):
    """The book could not be upgraded; it was left exactly as it was."""


def storage_version(con, alias: str) -> str:
    """The storage format DuckDB reports for an attached file: 'v1.5.0+', 'v2.0.0+', ..."""
    tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = ?", [alias]).fetchone()[0]
    return dict(tags).get("storage_version", "")


def is_new_format(version: str) -> bool:
    major = version.lstrip("v").split(".")[0]
    return major.isdigit() and int(major) >= 2


def fingerprint(con, alias: str) -> dict:
    """Everything the upgrade must keep, for one attached database: its catalog, and per
    table the row count, the sum of every DECIMAL (money) column and a checksum of all rows."""
    found = {name: con.execute(sql, [alias]).fetchall() for name, sql in CATALOG.items()}
    rows = {}
    for table, in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1",
                              [alias]).fetchall():
        money = [c for c, in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ?"
            " AND data_type LIKE 'DECIMAL%' ORDER BY column_index", [alias, table]).fetchall()]
        sums = "".join(f', sum("{c}")' for c in money)
        count, *rest = con.execute(
            f'SELECT count(*){sums}, sum(hash(r)::HUGEINT) FROM {alias}.main."{table}" AS r').fetchone()
        rows[table] = {"rows": count, "money": dict(zip(money, rest[:-1], strict=True)), "checksum": rest[-1]}
    found["rows"] = rows
    return found


def differences(before: dict, after: dict) -> list[str]:
    """What differs between two fingerprints, in words (empty when identical)."""
    found = [f"{part} differ" for part in CATALOG if before[part] != after[part]]
    for table, was in before["rows"].items():
        now = after["rows"].get(table)
        if now is None:
            found.append(f"table {table} is missing")
        elif now["rows"] != was["rows"]:
            found.append(f"{table} has {now['rows']} rows instead of {was['rows']}")
        elif now["money"] != was["money"]:
            found.append(f"{table}'s money totals differ")
        elif now["checksum"] != was["checksum"]:
            found.append(f"{table}'s rows differ")
    found += [f"unexpected table {t}" for t in after["rows"] if t not in before["rows"]]
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _owner_only_copy(book: Path) -> Path:
    """A byte copy of ``book`` in a new folder beside it: folder 0700, file 0600, synced to disk."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    folder = book.parent / BACKUP_FOLDER.format(stem=book.stem, stamp=stamp)
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o700)  # whatever the umask
    target = folder / book.name
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, book.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        _fsync_dir(folder)
    except BaseException:  # a half copy is no backup: leave nothing that looks like one
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def _copy_database(con, source: str, target: str) -> None:
    """The rewrite itself: every table, view, macro and sequence, into the new file."""
    con.execute(f"COPY FROM DATABASE {source} TO {target}")


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _merge_wal(book: Path) -> None:
    """A book with a write-ahead log left over (the last program was killed) has part of its
    data there: let DuckDB fold it into the file first, so the backup's bytes are the whole book."""
    if Path(str(book) + ".wal").exists():
        with db.scratch() as con:
            db.attach(con, book, "book")
            con.execute("CHECKPOINT book")
            con.execute("DETACH book")


def upgrade(root) -> dict:
    """Upgrade the book of ``root`` (a ``khata.root.Root``, not yet used) to DuckDB 2.0's format.

    Returns ``{"book", "upgraded": False, "format"}`` for a book already in the new format, else
    ``{"book", "upgraded": True, "from", "to", "backup", "tables", "rows", "schema_version"}``.
    Raises ``UpgradeFailed`` (the book untouched) on any failure."""
    book = root.path
    if not book.is_file():
        raise UpgradeFailed(f"There is no book at {book}; nothing was upgraded.")
    tmp = book.with_name(f".{book.name}.upgrading")
    tmp_wal = Path(str(tmp) + ".wal")
    backup = None

    def failed(reason: str) -> UpgradeFailed:
        kept = f"; the backup made first is in {backup.parent}" if backup else ""
        return UpgradeFailed(f"{book} was not upgraded ({reason}); the book is unchanged{kept}.")

    try:
        _merge_wal(book)
        with db.scratch() as con:
            con.execute("SET enable_progress_bar = false")
            db.attach(con, book, "book", "READ_ONLY")  # held to the end: nobody writes meanwhile
            old_format = storage_version(con, "book")
            if is_new_format(old_format):
                return {"book": str(book), "upgraded": False, "format": old_format}
            needed, free = 2 * book.stat().st_size, shutil.disk_usage(book.parent).free  # backup + new file
            if free < needed:
                raise failed(f"it needs {needed / 1e6:,.0f} MB free beside the book for the backup and the new"
                             f" file, and {free / 1e6:,.0f} MB are free")
            before = fingerprint(con, "book")

            backup = _owner_only_copy(book)
            if _sha256(backup) != _sha256(book):
                raise failed("the backup's bytes differ from the book's")
            db.attach(con, backup, "backup_copy", "READ_ONLY")
            try:
                wrong = differences(before, fingerprint(con, "backup_copy"))
            finally:
                con.execute("DETACH backup_copy")
            if wrong:
                raise failed("the backup does not read back the same: " + "; ".join(wrong))

            _remove(tmp, tmp_wal)
            db.attach(con, tmp, "upgraded", f"STORAGE_VERSION '{NEW_STORAGE_VERSION}'")
            try:
                _copy_database(con, "book", "upgraded")
            finally:
                con.execute("DETACH upgraded")  # checkpoints: everything is in the file
            db.attach(con, tmp, "upgraded", "READ_ONLY")
            try:
                new_format = storage_version(con, "upgraded")
                wrong = differences(before, fingerprint(con, "upgraded"))
            finally:
                con.execute("DETACH upgraded")
            if wrong:
                raise failed("the rewritten book does not match the old one: " + "; ".join(wrong))
            if not is_new_format(new_format):
                raise failed(f"the rewritten file is in format {new_format}")
            if tmp_wal.exists():
                raise failed("the rewritten file was not closed cleanly")

            os.chmod(tmp, stat.S_IMODE(book.stat().st_mode))
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, book)  # same folder, same filesystem: all or nothing
    except UpgradeFailed:
        _remove(tmp, tmp_wal)
        raise
    except OSError as err:  # a full disk, a folder we may not write to...
        _remove(tmp, tmp_wal)
        raise failed(f"{err.strerror or err}" + (f": {err.filename}" if err.filename else "")) from None
    except db.DatabaseError as err:
        _remove(tmp, tmp_wal)
        text = str(err).strip().splitlines()
        raise failed(text[0] if text else type(err).__name__) from None
    except BaseException:
        _remove(tmp, tmp_wal)
        raise
    try:
        _fsync_dir(book.parent)  # the replace itself, on disk (the new book is in place either way)
    except OSError:
        pass

    with root.connect() as con:  # the app's migrations, as every program runs them on open
        versions = db.applied_migrations(con)
    expected = sorted(int(f.name[:3]) for f in db.MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    if [v for v in versions if v in expected] != expected:
        raise UpgradeFailed(f"{book} was upgraded but its migrations are incomplete: {versions}; "
                            f"the old book is in {backup.parent}.")
    return {"book": str(book), "upgraded": True, "from": old_format, "to": new_format, "backup": str(backup),
            "tables": len(before["rows"]), "rows": sum(t["rows"] for t in before["rows"].values()),
            "schema_version": max(versions)}
