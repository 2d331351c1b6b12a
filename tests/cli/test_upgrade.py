"""`khata upgrade`: a book written by DuckDB 1.5 (really: the pip duckdb-cli 1.5.6 opens it)
rewritten into DuckDB 2.0's format, the same data after, the backup owner-only, and a
failure anywhere leaving the book byte for byte as it was."""
from __future__ import annotations

import hashlib
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from khata import accounts, cli, upgrade
from khata.demo import create_demo
from tests.roots import root_at

ROOT = Path(__file__).resolve().parents[2]
DUCKDB_15 = Path(sys.executable).parent / "duckdb"  # pip duckdb-cli==1.5.6 (requirements-dev.txt)


def khata(*args, preexec_fn=None):
    return subprocess.run([sys.executable, "-m", "khata", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, preexec_fn=preexec_fn)


def cli_15(path: Path, sql: str) -> subprocess.CompletedProcess:
    """The analysts' DuckDB 1.5.6 CLI, read-only, CSV out."""
    return subprocess.run([str(DUCKDB_15), "-readonly", "-csv", "-noheader", str(path), "-c", sql],
                          capture_output=True, text=True, timeout=60)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_old_book(path: Path) -> None:
    """A book as DuckDB 1.5 wrote it: the file is created in 1.5's storage format, and DuckDB
    2.0 keeps a file in the format it finds, so the demo shop is written into it as 1.5 would."""
    duckdb.connect(str(path), config={"storage_compatibility_version": "v1.5.0"}).close()
    create_demo(root_at(path), seed=7)


def contents(path: Path) -> dict:
    """Every table's rows, every view's rows, the sequences and the views' and macros' text."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for t, in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        views = [v for v, in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1")
                 .fetchall()]
        found = {name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in tables + views}
        found["_sequences"] = con.execute(
            "SELECT sequence_name, start_value, last_value FROM duckdb_sequences() ORDER BY 1").fetchall()
        found["_views"] = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1")\
            .fetchall()
        found["_macros"] = con.execute("SELECT function_name, macro_definition FROM duckdb_functions()"
                                       " WHERE NOT internal AND function_type LIKE '%macro' ORDER BY 1").fetchall()
        found["_constraints"] = con.execute("SELECT table_name, constraint_text FROM duckdb_constraints()"
                                            " ORDER BY ALL").fetchall()
        found["_defaults"] = con.execute("SELECT table_name, column_name, column_default FROM duckdb_columns()"
                                         " ORDER BY ALL").fetchall()
        found["_format"] = con.execute("SELECT tags['storage_version'] FROM duckdb_databases()"
                                       " WHERE database_name = current_database()").fetchone()[0]
        return found
    finally:
        con.close()


def backups_beside(book: Path) -> list[Path]:
    return sorted(book.parent.glob(f"{book.stem}-before-duckdb-2.0-*"))


def test_an_old_book_is_upgraded_once_with_the_same_data(tmp_path):
    book = tmp_path / "khata.duckdb"
    make_old_book(book)
    opened = cli_15(book, "SELECT count(*), sum(amount) FROM repayments")
    assert opened.returncode == 0, opened.stderr  # really 1.5's format
    before, before_sha = contents(book), sha256(book)
    assert before["_format"] == "v1.5.0+"
    assert len(before["repayments"]) > 100 and len(before["_macros"]) >= 2 and len(before["_views"]) >= 5

    result = khata("upgrade", "--db", str(book))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.startswith(f"Upgraded {book}"), result.stdout

    after = contents(book)
    assert after["_format"] == "v2.0.0+"
    assert {k: v for k, v in after.items() if k != "_format"} == {k: v for k, v in before.items() if k != "_format"}
    refused = cli_15(book, "SELECT 1")
    assert refused.returncode != 0 and "version number 69" in refused.stderr + refused.stdout
    assert opened.stdout == cli_15(backups_beside(book)[0] / book.name,
                                   "SELECT count(*), sum(amount) FROM repayments").stdout

    # the backup: one folder beside the book, owner-only, the old book's exact bytes
    [folder] = backups_beside(book)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == [book.name]
    assert stat.S_IMODE((folder / book.name).stat().st_mode) == 0o600
    assert sha256(folder / book.name) == before_sha
    assert not list(tmp_path.glob(".*upgrading*"))

    # a second upgrade is a no-op
    upgraded_sha = sha256(book)
    again = khata("upgrade", "--db", str(book))
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"{book} is already in DuckDB 2.0's format; nothing to do.\n"
    assert sha256(book) == upgraded_sha and backups_beside(book) == [folder]

    # the sequences carried on: the next shop gets the next id, through the app's own door
    accounts.register_shopkeeper(root_at(book), name="N", shop_name="N", username="next", email="n@n.in",
                                 phone="9876543211", password="Demo@1234")
    con = duckdb.connect(str(book), read_only=True)
    try:
        assert con.execute("SELECT shop_id FROM shopkeepers WHERE username = 'next'").fetchone()[0] == \
            max(row[0] for row in before["shops"]) + 1
    finally:
        con.close()


def test_a_mismatch_found_midway_leaves_the_book_byte_identical(tmp_path, monkeypatch, capsys):
    book = tmp_path / "khata.duckdb"
    make_old_book(book)
    before_sha = sha256(book)
    real_copy = upgrade._copy_database

    def copy_losing_a_repayment(con, source, target):
        real_copy(con, source, target)
        con.execute(f"DELETE FROM {target}.repayments WHERE repayment_id = (SELECT max(repayment_id)"
                    f" FROM {target}.repayments)")

    monkeypatch.setattr(upgrade, "_copy_database", copy_losing_a_repayment)
    assert cli.main(["upgrade", "--db", str(book)]) == cli.EXIT_ERROR
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "was not upgraded" in err and "repayments has" in err and "unchanged" in err, err
    assert sha256(book) == before_sha
    assert not list(tmp_path.glob(".*upgrading*")) and not Path(str(book) + ".wal").exists()
    assert cli_15(book, "SELECT count(*) FROM repayments").returncode == 0


def _small_disk():
    """In the child: files may not grow past 1 MB (the book is ~4 MB), as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


def test_a_full_disk_leaves_the_book_byte_identical(tmp_path):
    book = tmp_path / "khata.duckdb"
    make_old_book(book)
    before_sha = sha256(book)
    result = khata("upgrade", "--db", str(book), preexec_fn=_small_disk)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "was not upgraded" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert sha256(book) == before_sha
    assert not list(tmp_path.glob(".*upgrading*")) and backups_beside(book) == []  # no half backup either
    assert contents(book)["_format"] == "v1.5.0+"


def test_too_little_free_space_is_said_before_anything_is_written(tmp_path, monkeypatch, capsys):
    book = tmp_path / "khata.duckdb"
    make_old_book(book)
    before_sha = sha256(book)
    real_usage = upgrade.shutil.disk_usage
    monkeypatch.setattr(upgrade.shutil, "disk_usage",
                        lambda p: real_usage(p)._replace(free=book.stat().st_size * 3 // 2))
    assert cli.main(["upgrade", "--db", str(book)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MB free beside the book" in err and "unchanged" in err, err
    assert sha256(book) == before_sha and backups_beside(book) == []


def test_no_book_is_one_line(tmp_path):
    result = khata("upgrade", "--db", str(tmp_path / "missing.duckdb"))
    assert result.returncode == 1
    missing = tmp_path / "missing.duckdb"  # the one missing-book message of every command
    assert result.stderr == f"error: No book at {missing}; create it with `khata init --db {missing}`.\n"
    assert not (tmp_path / "missing.duckdb").exists()


@pytest.mark.parametrize("what", ["a folder", "not duckdb"])
def test_not_a_book_is_refused(tmp_path, what):
    book = tmp_path / "khata.duckdb"
    if what == "a folder":
        book.mkdir()
    else:
        book.write_text("name,phone\n")
    result = khata("upgrade", "--db", str(book))
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "nothing was changed" in result.stderr
    assert os.listdir(tmp_path) == ["khata.duckdb"]


def test_a_write_left_in_the_log_by_a_killed_program_is_kept(tmp_path):
    """A program killed after a write leaves it in the .wal file: the upgraded book and the
    backup both hold it."""
    book = tmp_path / "khata.duckdb"
    make_old_book(book)
    killed = subprocess.run([sys.executable, "-c", (
        "import duckdb, os\n"
        f"con = duckdb.connect({str(book)!r})\n"
        "con.execute(\"SET checkpoint_threshold = '1GB'\")\n"
        "con.execute(\"UPDATE customers SET notes = 'kept from the log' WHERE customer_id = 1\")\n"
        "os._exit(0)\n")], capture_output=True, text=True, timeout=60)
    assert killed.returncode == 0, killed.stderr
    assert Path(str(book) + ".wal").exists()
    result = khata("upgrade", "--db", str(book))
    assert result.returncode == 0, result.stderr
    sql = "SELECT notes FROM customers WHERE customer_id = 1"
    con = duckdb.connect(str(book), read_only=True)
    try:
        assert con.execute(sql).fetchall() == [("kept from the log",)]
    finally:
        con.close()
    [folder] = backups_beside(book)
    assert cli_15(folder / book.name, sql).stdout == "kept from the log\n"
