"""Backups, exports and snapshots are the owner's alone (files 0600, folders 0700); the
pseudonymised export keeps no one's identity; commands that only read open the book
read-only, so they work while another program reads it (an analyst's `duckdb -readonly`)."""
from __future__ import annotations

import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from khata import accounts, customers, loans, reminders, staff
from khata.notify.outbox import OutboxNotifier
from tests.roots import OWNER, root_at

from .test_cli import khata

NOW = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)
PHONE = "+919876500001"
KEY = "k" * 40


@pytest.fixture
def shop_book(tmp_path):
    """A shop with a staff login, a customer with an address and notes, a sale, a reminder."""
    path = tmp_path / "k.duckdb"
    keeper = accounts.register_shopkeeper(root_at(path), name="Ravi Kumar", shop_name="Ravi Stores",
                                          username="ravi", email="ravi@example.in", phone="9876543210",
                                          password="Demo@1234")
    sid = keeper["shop_id"]
    root_at(path).write(sid, OWNER, staff.add_staff, username="sunil", name="Sunil Rao", password="Staff@1234")
    asha = root_at(path).write(sid, OWNER, customers.create_customer, name="Asha Verma", phone=PHONE,
                               address="12 Gandhi Road", notes="pays on Fridays", credit_limit="5000")
    root_at(path).write(sid, OWNER, loans.create_loan, asha["customer_id"], amount="400.00", item="Rice 5 kg",
                        issue_date=date(2026, 11, 1), due_date=date(2026, 11, 20), grace_days=0, today=date(2026,
                                                                                                            11, 20))
    reminders.run_reminders(root_at(path), today=date(2026, 11, 27), now=NOW, notifier=OutboxNotifier())
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backup_export_and_nightly_backups_are_owner_only(shop_book, tmp_path):
    backups = tmp_path / "backups"
    assert khata("backup", "--out", str(backups), "--db", str(shop_book)).returncode == 0
    assert mode(backups) == 0o700 and mode(backups / "khata-backup.duckdb") == 0o600
    out = tmp_path / "export"
    out.mkdir(mode=0o755)  # an existing, open folder is tightened
    done = khata("export", "--out", str(out), "--db", str(shop_book))
    assert done.returncode == 0, done.stderr
    files = list(out.iterdir())
    assert {f.name for f in files} >= {"snapshot.duckdb", "customers.parquet", "reminder_log.parquet"}
    assert mode(out) == 0o700 and {mode(f) for f in files} == {0o600}
    nightly = tmp_path / "nightly"
    assert khata("maintain", "--backups", str(nightly), "--db", str(shop_book)).returncode == 0
    [dated] = list(nightly.iterdir())
    assert mode(nightly) == 0o700 and mode(dated) == 0o700 and mode(dated / "khata-backup.duckdb") == 0o600


def _all_values(con, table: str) -> str:
    return " ".join(str(v) for row in con.execute(f"SELECT * FROM {table}").fetchall() for v in row)


def test_pseudonymised_export_keeps_no_identity_but_joins(shop_book, tmp_path):
    env = {"KHATA_EXPORT_KEY": KEY}
    out = tmp_path / "pseudo"
    done = khata("export", "--pseudonymise", "--out", str(out), "--db", str(shop_book), env_extra=env)
    assert done.returncode == 0, done.stderr
    assert "Pseudonymised snapshot written" in done.stdout
    con = duckdb.connect(str(out / "snapshot.duckdb"), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        everything = " ".join(_all_values(con, t) for t in tables)
        for identity in ("9876500001", "9876543210", "Asha", "Verma", "Gandhi", "Fridays", "Sunil", "Ravi",
                         "ravi@example.in", "Namaste", "sunil"):
            assert identity not in everything, identity
        assert con.execute("SELECT pseudonymised FROM snapshot_info").fetchone()[0] is True
        assert "before" not in [r[0] for r in con.execute("DESCRIBE audit_log").fetchall()]
        # the same person has the same pseudonym in every table: the customer and their reminder join
        joined = con.execute("SELECT count(*) FROM customers c JOIN reminder_outbox o USING (shop_id, phone)"
                             ).fetchone()[0]
        assert joined == 1
        [pseudo] = con.execute("SELECT phone FROM customers").fetchone()
        assert len(pseudo) == 20 and pseudo != PHONE
        # what analysts count still counts: sales and amounts are all there
        assert con.execute("SELECT count(*), sum(amount) FROM loans").fetchone() == (1, 400)
        logins = con.execute("SELECT count(DISTINCT username) FROM shopkeepers").fetchone()[0]
        assert logins == 2
    finally:
        con.close()
    again = tmp_path / "pseudo2"
    assert khata("export", "--pseudonymise", "--out", str(again), "--db", str(shop_book),
                 env_extra=env).returncode == 0
    con = duckdb.connect(str(again / "snapshot.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT phone FROM customers").fetchone()[0] == pseudo  # same key, same pseudonym
    finally:
        con.close()
    assert mode(out) == 0o700 and {mode(f) for f in out.iterdir()} == {0o600}


def test_without_a_key_one_is_generated_once_into_a_private_file(shop_book, tmp_path):
    key_file = tmp_path / "secret" / ".export_key"
    env = {"KHATA_EXPORT_KEY": "", "KHATA_EXPORT_KEY_FILE": str(key_file)}
    for n in (1, 2):
        assert khata("export", "--pseudonymise", "--out", str(tmp_path / f"p{n}"), "--db", str(shop_book),
                     env_extra=env).returncode == 0
    assert mode(key_file) == 0o600 and len(key_file.read_text().strip()) >= 32
    phones = []
    for n in (1, 2):
        con = duckdb.connect(str(tmp_path / f"p{n}" / "snapshot.duckdb"), read_only=True)
        phones.append(con.execute("SELECT phone FROM customers").fetchone()[0])
        con.close()
    assert phones[0] == phones[1]


HOLDER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(60)
"""


def test_reading_commands_work_while_another_program_reads_the_book(shop_book, tmp_path):
    """DuckDB lets many processes read a file, or one write it: a command that opened the book
    for writing would wait and fail here."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(shop_book)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        env = {"KHATA_LOCK_TIMEOUT": "2"}
        db = str(shop_book)
        listed = khata("staff", "list", "--shop", "ravi", "--db", db, env_extra=env)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.splitlines() == ["ravi\towner\tactive", "sunil\tstaff\tactive"]
        preview = khata("remind", "--dry-run", "--db", db, env_extra=env)
        assert preview.returncode == 0, preview.stderr
        exported = khata("export", "--out", str(tmp_path / "x"), "--db", db, env_extra=env)
        assert exported.returncode == 0, exported.stderr
        # the same moment, a command that writes is told the book is busy (the test can fail)
        busy = khata("remind", "--db", db, env_extra=env)
        assert busy.returncode != 0 and "locked" in busy.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_reading_command_on_a_missing_book_creates_nothing(tmp_path):
    missing = tmp_path / "nope" / "k.duckdb"
    result = khata("staff", "list", "--shop", "ravi", "--db", str(missing))
    assert result.returncode != 0 and "No book at" in result.stderr
    assert not missing.parent.exists()
