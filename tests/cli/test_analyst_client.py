"""Analysts keep their client: the DuckDB CLI that pip installs (duckdb-cli 1.5.6, pinned in
requirements-dev.txt) cannot open a book in DuckDB 2.0's format, but it opens the snapshot
(`khata export`) and the backups (`khata backup`, `khata maintain`) and gets the same numbers
from the documented queries in docs/analyst.md as DuckDB 2.0 gets from the live book."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import pytest

from khata.demo import create_demo
from tests.roots import root_at

from .test_cli import khata
from .test_upgrade import cli_15

ROOT = Path(__file__).resolve().parents[2]


def documented_query(title: str) -> str:
    """The query under ``-- title`` in docs/analyst.md's example block, as an analyst copies it."""
    text = (ROOT / "docs" / "analyst.md").read_text()
    found = re.search(r"-- " + re.escape(title) + r"\n(.*?;)", text, re.S)
    assert found, title
    return found.group(1)


def rows_15(path: Path, sql: str) -> list[tuple]:
    result = cli_15(path, sql)
    assert result.returncode == 0, result.stderr
    return sorted(tuple(row) for row in csv.reader(io.StringIO(result.stdout)))


def rows_live(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(tuple("" if v is None else str(v) for v in row) for row in con.execute(sql).fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("analyst") / "khata.duckdb"
    create_demo(root_at(path), seed=7)
    return path


def test_the_live_book_is_in_2_0_format_which_1_5_cannot_open(book):
    refused = cli_15(book, "SELECT count(*) FROM loans")
    assert refused.returncode != 0 and "version number 69" in refused.stderr + refused.stdout


@pytest.mark.parametrize("title", ["outstanding by aging bucket, per shop", "issued vs collected by month"])
def test_the_snapshot_answers_the_documented_queries_in_duckdb_1_5(book, tmp_path, title):
    out = tmp_path / "today"
    result = khata("export", "--out", str(out), "--db", str(book))
    assert result.returncode == 0, result.stderr
    sql = documented_query(title)
    expected = rows_live(book, sql)
    assert expected and any(v not in ("", "0", "0.00") for row in expected for v in row[1:])
    assert rows_15(out / "snapshot.duckdb", sql) == expected
    parquet = documented_query("straight from the Parquet files, no database at all")\
        .replace("data/exports/today", str(out))
    assert rows_15(out / "snapshot.duckdb", parquet) == rows_live(
        book, "SELECT status, count(*), sum(outstanding) FROM loan_balances GROUP BY 1")


def test_backups_open_in_duckdb_1_5(book, tmp_path):
    result = khata("backup", "--out", str(tmp_path / "b"), "--db", str(book))
    assert result.returncode == 0, result.stderr
    result = khata("maintain", "--backups", str(tmp_path / "nightly"), "--db", str(book))
    assert result.returncode == 0, result.stderr
    [nightly] = (tmp_path / "nightly").glob("*/khata-backup.duckdb")
    sql = "SELECT count(*), sum(amount) FROM repayments"
    for copy in (tmp_path / "b" / "khata-backup.duckdb", nightly):
        assert rows_15(copy, sql) == rows_live(book, sql)
