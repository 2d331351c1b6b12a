"""Analyst snapshots and backups.

An analyst never holds the live file open: ``export_snapshot`` writes one Parquet
file per table and per analyst view plus ``snapshot.duckdb`` holding the same,
which can be opened (even read-write) while the app runs, by DuckDB 1.5.x as well as
2.0.x (``attach_for_analysts``): the live book, once upgraded, opens in 2.0.x only. The snapshot is for
analysis, so secrets stay out of it: password hashes, login counters and lockouts,
form tokens, Twilio message ids (see ``LEFT_OUT``). ``backup`` copies the whole
database consistently (one short read), secrets included, because it is for
restoring; ``restore`` brings a backup back in one transaction.

Backups, exports and snapshots are the owner's alone: their folders are made 0700 and
their files 0600 (a backup holds the password hashes; an export, customers' phones).
"""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from . import db
from .errors import ValidationError

ANALYST_VIEWS = ("loan_balances", "customer_balances", "daily_collections", "reminder_log", "reminder_effect",
                 "reminder_link_opened")

# What the analyst snapshot leaves out, and why.
OMITTED_TABLES = {
    "idempotency_keys": "form tokens and what each submission returned: nothing to analyse, and a token is a key",
}
LEFT_OUT = {
    "shopkeepers": {
        "password_hash": "bcrypt hash: enough to guess weak passwords offline",
        "failed_logins": "login security state",
        "locked_until": "login security state",
        "password_changed_at": "decides which login cookies are still valid",
    },
    "reminder_outbox": {"message_sid": "Twilio message id: opens the message in the Twilio account"},
    "reminder_log": {"message_sid": "Twilio message id: opens the message in the Twilio account"},
}
# Any column whose name looks like a secret is left out too, so a new one cannot leak by default.
SECRET_LOOKING = re.compile(r"(password|hash|secret|token|cookie|api_key|(^|_)sid$)", re.IGNORECASE)

# The pseudonymised export (``pseudonymise=True``), for analysts who need no one's identity:
# these columns become a keyed hash (the same person gets the same pseudonym in every table
# and every export made with the same key, so joins and counts still work) ...
PSEUDONYMISED = re.compile(r"^(phone|.*_phone|inbox|email|username|actor|created_by|requested_by|decided_by)$")
# ... and these are left out: names, addresses, notes, message texts, the audit log's
# before/after, and other free text in which a person may be named or a number typed.
PERSONAL = re.compile(r"^(name|.*_name|address|notes?|.*_note|message_text|before|after|upi_id|details|reason"
                      r"|error_message)$")
PSEUDONYM_HEX = 20  # characters of the HMAC-SHA256 kept: 80 bits, no collisions at any shop's scale


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path) -> Path:
    """``path`` as a folder only its owner can enter (made if missing, tightened if not)."""
    folder = Path(path).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(folder, PRIVATE_DIR)
    return folder


def private_file(path: Path) -> Path:
    """A written file readable and writable by its owner only."""
    os.chmod(path, PRIVATE_FILE)
    return path


# What analysts open files with: the DuckDB CLI that pip installs (duckdb-cli 1.5.6) cannot read
# DuckDB 2.0's storage format, and DuckDB 2.0 can still write the older one.
ANALYST_STORAGE_VERSION = "v1.5.0"


def attach_for_analysts(con, path: Path, alias: str) -> None:
    """ATTACH a new database file at ``path`` as ``alias``, written in a storage format that
    DuckDB 1.5.x and 2.0.x both open (``ANALYST_STORAGE_VERSION``). Every file meant to be
    opened outside the app (snapshot, backups) is created through here."""
    # READ_WRITE: a command that only reads the book opens it read-only, and an ATTACH on such a
    # connection would otherwise be read-only too (and fail on a file that does not exist yet)
    con.execute(f"ATTACH '{_sql_path(path)}' AS {alias} (READ_WRITE, STORAGE_VERSION '{ANALYST_STORAGE_VERSION}')")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _tables(con, database: str = "main") -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
        " ORDER BY table_name" if database == "main" else
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name",
        [] if database == "main" else [database]).fetchall()]


def _views(con) -> list[str]:
    present = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()").fetchall()}
    return [v for v in ANALYST_VIEWS if v in present]


def _exported_columns(con, name: str, pseudonymise: bool = False) -> list[str]:
    """The SELECT list for one table or view: secrets left out; when ``pseudonymise``, personal
    columns left out too and identifying ones replaced by their pseudonym (same name)."""
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]).fetchall()]
    secret = LEFT_OUT.get(name, {})
    kept = [c for c in columns if c not in secret and not SECRET_LOOKING.search(c)]
    if not pseudonymise:
        return [f'"{c}"' for c in kept]
    return [f'khata_pseudonym(CAST("{c}" AS VARCHAR)) AS "{c}"' if PSEUDONYMISED.match(c) else f'"{c}"'
            for c in kept if not PERSONAL.match(c)]


def export_key() -> bytes:
    """``KHATA_EXPORT_KEY``, else a random key generated once into ``KHATA_EXPORT_KEY_FILE`` (0600)."""
    from . import settings

    return settings.secret_or_generated("KHATA_EXPORT_KEY", "KHATA_EXPORT_KEY_FILE", "export key").encode()


def pseudonym(value: str | None, key: bytes) -> str | None:
    """The keyed hash that stands for a phone number or login in a pseudonymised export."""
    import hashlib
    import hmac

    if value is None:
        return None
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def export_snapshot(root, out_dir, *, pseudonymise: bool = False) -> dict:
    """Write <out>/<name>.parquet for every table and analyst view, and <out>/snapshot.duckdb,
    without the secrets (``OMITTED_TABLES``, ``LEFT_OUT``, secret-looking column names);
    ``pseudonymise``: without names, addresses, notes, texts, and phones/logins as pseudonyms."""
    out = private_dir(out_dir)
    key = export_key() if pseudonymise else None
    tmp_db = out / "snapshot.duckdb.tmp"
    for leftover in (tmp_db, Path(str(tmp_db) + ".wal")):
        leftover.unlink(missing_ok=True)

    def work(con):
        if pseudonymise:
            con.create_function("khata_pseudonym", lambda v: pseudonym(v, key), ["VARCHAR"], "VARCHAR",
                                side_effects=False)
        names = [n for n in _tables(con) + _views(con) if n not in OMITTED_TABLES]
        selects = {n: "SELECT " + ", ".join(_exported_columns(con, n, pseudonymise)) + f" FROM main.{n}"
                   for n in names}
        counts = {}
        for name in names:
            target = out / f"{name}.parquet.tmp"
            con.execute(f"COPY ({selects[name]}) TO '{_sql_path(target)}' (FORMAT parquet)")
            counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        attach_for_analysts(con, tmp_db, "snapshot")
        try:
            for name in names:
                con.execute(f"CREATE TABLE snapshot.{name} AS {selects[name]}")
            con.execute("CREATE TABLE snapshot.snapshot_info AS SELECT ?::TIMESTAMPTZ AS exported_at,"
                        " ?::BOOLEAN AS pseudonymised", [datetime.now(UTC), pseudonymise])
        finally:
            con.execute("DETACH snapshot")
        return counts

    counts = root.on_connection(work)
    for name in counts:
        os.replace(private_file(out / f"{name}.parquet.tmp"), out / f"{name}.parquet")
    for name in OMITTED_TABLES:  # an older export's file must not outlive the rule
        (out / f"{name}.parquet").unlink(missing_ok=True)
    os.replace(private_file(tmp_db), out / "snapshot.duckdb")
    return {"out": str(out), "tables": counts, "pseudonymised": pseudonymise}


def backup(root, out_dir) -> Path:
    """A consistent copy of the whole database (schema, data, sequences) in <out>/khata-backup.duckdb."""
    out = private_dir(out_dir)
    target = out / "khata-backup.duckdb"
    tmp = out / "khata-backup.duckdb.tmp"
    tmp.unlink(missing_ok=True)

    def work(con):
        source = con.execute("SELECT current_database()").fetchone()[0]
        attach_for_analysts(con, tmp, "backup_copy")
        try:
            con.execute(f"COPY FROM DATABASE \"{source}\" TO backup_copy")
        finally:
            con.execute("DETACH backup_copy")

    root.on_connection(work)
    os.replace(private_file(tmp), target)
    return target


def restore(root, backup_dir) -> dict:
    """Replace every table's rows with the backup's, in one transaction, and move the
    id sequences to where the backup had them. Returns row counts per table."""
    source = Path(backup_dir).expanduser().resolve()
    if source.is_dir():
        source = source / "khata-backup.duckdb"
    if not source.is_file():
        raise ValidationError(f"There is no backup at {source}.")
    db.check_database_file(source, "backup")

    def work(con):
        try:
            con.execute(f"ATTACH '{_sql_path(source)}' AS backup_copy (READ_ONLY)")
        except db.DatabaseError as err:
            raise ValidationError(
                f"{source} could not be read as a backup ({_first_line(err)}); nothing was changed.") from None
        try:
            theirs = set(_tables(con, "backup_copy"))
            ours = set(_tables(con))
            if "schema_version" not in theirs:
                raise ValidationError(f"{source} is not a Credikhaata backup.")
            newest_theirs = con.execute("SELECT max(version) FROM backup_copy.main.schema_version").fetchone()[0]
            newest_ours = con.execute("SELECT max(version) FROM main.schema_version").fetchone()[0]
            if newest_theirs > newest_ours:
                raise ValidationError("This backup comes from a newer version of Credikhaata; update first.")
            counts = {}
            con.execute("BEGIN")
            for table in sorted(ours & theirs - {"schema_version"}):
                con.execute(f"DELETE FROM main.{table}")
                columns = [r[0] for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 'backup_copy'"
                    " AND table_name = ?", [table]).fetchall()]
                cols = ", ".join(columns)
                con.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM backup_copy.main.{table}")
                counts[table] = con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]
            for name, last in con.execute(
                    "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE database_name = 'backup_copy'"
            ).fetchall():
                start = (last or 0) + 1
                con.execute(f"CREATE OR REPLACE SEQUENCE main.{name} START {int(start)}")
            con.execute("COMMIT")
            return counts
        except Exception:
            try:
                con.execute("ROLLBACK")
            except Exception:
                pass
            raise
        finally:
            con.execute("DETACH backup_copy")

    with root.write_lock:
        return root.on_connection(work)
