"""Analyst snapshots and backups.

An analyst never holds the live file open: ``export_snapshot`` writes one Parquet
file per table and per analyst view plus ``snapshot.duckdb`` holding the same,
which can be opened (even read-write) while the app runs, by DuckDB 1.5.x as well as
2.0.x (``attach_for_analysts``): the live book, once upgraded, opens in 2.0.x only. The snapshot is for
analysis, so secrets stay out of it: password hashes, login counters and lockouts,
form tokens, Twilio message ids (see ``LEFT_OUT``). ``backup`` copies the whole
database consistently (one short read), secrets included, because it is for
restoring; ``restore`` brings a backup back in one transaction.
"""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from . import db
from .errors import ValidationError

ANALYST_VIEWS = ("loan_balances", "customer_balances", "daily_collections", "reminder_log", "reminder_effect")

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


# What analysts open files with: the DuckDB CLI that pip installs (duckdb-cli 1.5.6) cannot read
# DuckDB 2.0's storage format, and DuckDB 2.0 can still write the older one.
ANALYST_STORAGE_VERSION = "v1.5.0"


def attach_for_analysts(con, path: Path, alias: str) -> None:
    """ATTACH a new database file at ``path`` as ``alias``, written in a storage format that
    DuckDB 1.5.x and 2.0.x both open (``ANALYST_STORAGE_VERSION``). Every file meant to be
    opened outside the app (snapshot, backups) is created through here."""
    con.execute(f"ATTACH '{_sql_path(path)}' AS {alias} (STORAGE_VERSION '{ANALYST_STORAGE_VERSION}')")


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


def _exported_columns(con, name: str) -> list[str]:
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]).fetchall()]
    secret = LEFT_OUT.get(name, {})
    return [c for c in columns if c not in secret and not SECRET_LOOKING.search(c)]


def export_snapshot(out_dir, *, path=None) -> dict:
    """Write <out>/<name>.parquet for every table and analyst view, and <out>/snapshot.duckdb,
    without the secrets (``OMITTED_TABLES``, ``LEFT_OUT``, secret-looking column names)."""
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    tmp_db = out / "snapshot.duckdb.tmp"
    for leftover in (tmp_db, Path(str(tmp_db) + ".wal")):
        leftover.unlink(missing_ok=True)

    def work(con):
        names = [n for n in _tables(con) + _views(con) if n not in OMITTED_TABLES]
        selects = {n: "SELECT " + ", ".join(f'"{c}"' for c in _exported_columns(con, n)) + f" FROM main.{n}"
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
            con.execute("CREATE TABLE snapshot.snapshot_info AS SELECT ?::TIMESTAMPTZ AS exported_at",
                        [datetime.now(UTC)])
        finally:
            con.execute("DETACH snapshot")
        return counts

    counts = db.read(work, path)
    for name in counts:
        os.replace(out / f"{name}.parquet.tmp", out / f"{name}.parquet")
    for name in OMITTED_TABLES:  # an older export's file must not outlive the rule
        (out / f"{name}.parquet").unlink(missing_ok=True)
    os.replace(tmp_db, out / "snapshot.duckdb")
    return {"out": str(out), "tables": counts}


def backup(out_dir, *, path=None) -> Path:
    """A consistent copy of the whole database (schema, data, sequences) in <out>/khata-backup.duckdb."""
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
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

    db.read(work, path)
    os.replace(tmp, target)
    return target


def restore(backup_dir, *, path=None) -> dict:
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

    with db._write_locks[str(db.db_path(path))]:
        return db.read(work, path)
