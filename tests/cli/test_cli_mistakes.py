"""Ordinary mistakes at the command line: one line on stderr, a non-zero exit, nothing changed."""
import duckdb
import pytest

from khata import accounts
from tests.roots import root_at

from .test_cli import khata, table_count


def _one_line_error(result):
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


@pytest.fixture
def book(tmp_path):
    """A real book with one shop and a customer, and its backup."""
    path = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(path), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    csv = tmp_path / "c.csv"
    csv.write_text("name,phone\nAsha,9876500001\nBina,9876500002\n")
    assert khata("import", "customers", str(csv), "--shop", "ravi", "--db", str(path)).returncode == 0
    assert khata("backup", "--out", str(tmp_path / "good-backup"), "--db", str(path)).returncode == 0
    return path


def test_init_on_a_folder_is_refused(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert "is a folder" in _one_line_error(khata("init", "--db", str(folder)))
    assert list(folder.iterdir()) == []


def test_init_on_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    """DuckDB opens an existing .csv as an in-memory database: 'ready' would have kept nothing."""
    csv = tmp_path / "customers.csv"
    csv.write_text("name,phone\nAsha,9876500001\n")
    before = csv.read_bytes()
    assert "not a Credikhaata database" in _one_line_error(khata("init", "--db", str(csv)))
    assert csv.read_bytes() == before
    assert not (tmp_path / "customers.csv.wal").exists()


def test_init_of_a_new_file_keeps_it(tmp_path):
    path = tmp_path / "new" / "k.duckdb"
    assert khata("init", "--db", str(path)).returncode == 0
    assert table_count(path, "schema_version") >= 3


@pytest.mark.parametrize("damage", ["garbage", "truncated", "not-a-backup"])
def test_restore_of_a_damaged_backup_changes_nothing(book, tmp_path, damage):
    bad = tmp_path / "bad-backup"
    bad.mkdir()
    target = bad / "khata-backup.duckdb"
    good = (tmp_path / "good-backup" / "khata-backup.duckdb").read_bytes()
    if damage == "garbage":
        target.write_bytes(b"this is not a database\n" * 100)
    elif damage == "truncated":
        target.write_bytes(good[: len(good) // 3])
    else:
        duckdb.connect(str(target)).close()  # a valid DuckDB file, but no book in it
    before = {t: table_count(book, t) for t in ("shops", "shopkeepers", "customers")}
    message = _one_line_error(khata("restore", str(bad), "--db", str(book)))
    assert "backup" in message
    assert {t: table_count(book, t) for t in before} == before == {"shops": 1, "shopkeepers": 1, "customers": 2}
    # and a good backup still restores afterwards
    assert khata("restore", str(tmp_path / "good-backup"), "--db", str(book)).returncode == 0
    assert table_count(book, "customers") == 2
