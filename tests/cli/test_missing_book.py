"""A book that is not there is refused, never created: by every command but ``init``,
``demo`` and ``restore`` (a backup put back on a new machine), by the app and by the flows.
One line, a non-zero exit, no file left behind."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import APP

from .test_cli import khata

COMMANDS = [
    ("import", "customers", "{csv}", "--shop", "ravi"),
    ("export", "--out", "{tmp}/snap"),
    ("export", "--pseudonymise", "--out", "{tmp}/snap"),
    ("backup", "--out", "{tmp}/bak"),
    ("remind", "--dry-run"),
    ("remind",),
    ("statement", "--shop", "ravi", "--customer", "1", "--out", "{tmp}/s.pdf"),
    ("maintain", "--backups", "{tmp}/backups"),
    ("maintain", "--backups", "{tmp}/backups", "--snapshot", "{tmp}/snapshot"),
    ("upgrade",),
    ("link", "--shop", "ravi", "--customer", "1"),
    ("link", "--shop", "ravi", "--customer", "1", "--revoke"),
    ("staff", "list", "--shop", "ravi"),
    ("staff", "add", "--shop", "ravi", "--username", "sunil", "--name", "Sunil", "--password", "Staff@1234"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_refuses_a_missing_book(tmp_path, command):
    missing = tmp_path / "typo" / "khata.duckdb"
    csv = tmp_path / "c.csv"
    csv.write_text("name,phone\nAsha,9876500001\n")
    (tmp_path / "bak").mkdir()
    args = [a.format(csv=csv, tmp=tmp_path) for a in command]
    done = khata(*args, "--db", str(missing))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.strip() == f"error: No book at {missing}; create it with `khata init --db {missing}`."
    assert not missing.exists() and not missing.parent.exists()


def test_the_missing_book_from_the_environment_is_refused_too(tmp_path):
    missing = tmp_path / "khata.duckdb"
    done = khata("export", "--out", str(tmp_path / "snap"), env_extra={"KHATA_DB": str(missing)})
    assert done.returncode == 1 and "No book at" in done.stderr
    assert not missing.exists()


@pytest.mark.parametrize("command", [("init",), ("demo",)])
def test_init_and_demo_create_the_book(tmp_path, command):
    path = tmp_path / "new" / "khata.duckdb"
    done = khata(*command, "--db", str(path))
    assert done.returncode == 0, done.stderr
    assert path.is_file()


def test_the_app_refuses_a_missing_book(tmp_path, monkeypatch):
    missing = tmp_path / "khata.duckdb"
    monkeypatch.setenv("KHATA_DB", str(missing))
    monkeypatch.setenv("KHATA_COOKIE_KEY", "test-cookie-key-" + "k" * 32)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [f"No book at {missing}; create it with `khata init --db {missing}`."]
    assert not at.text_input  # no login form over a book that is not there
    assert not missing.exists()


def test_the_flows_refuse_a_missing_book(tmp_path):
    from flows.nightly_maintenance import book_maintenance
    from flows.overdue_reminders import overdue_reminders
    from khata.errors import BookMissing

    missing = tmp_path / "khata.duckdb"
    with pytest.raises(BookMissing, match="No book at"):
        overdue_reminders.fn(db=str(missing))
    with pytest.raises(BookMissing, match="No book at"):
        book_maintenance.fn(backups=str(tmp_path / "b"), db=str(missing))
    assert not missing.exists() and not (tmp_path / "b").exists()
