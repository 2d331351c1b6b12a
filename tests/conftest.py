"""Shared fixtures: a temporary DuckDB file per test and a registered shop."""
from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest

from khata import accounts
from tests.roots import root_at

ROOT = Path(__file__).resolve().parent.parent  # the project directory (tests run commands from it)

# Tests never read the developer's own .env (real Twilio credentials, another KHATA_DB...):
# every setting comes from the test's environment or its default. Subprocesses inherit this.
os.environ["KHATA_DOTENV"] = str(Path(tempfile.gettempdir()) / "credikhaata-tests-have-no.env")
# The key that signs customers' links: one per test run (shared with the app servers tests start),
# never the project's data/.link_key.
os.environ["KHATA_LINK_KEY_FILE"] = str(Path(tempfile.mkdtemp(prefix="credikhaata-tests-")) / ".link_key")

_counter = itertools.count(1)


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    """A fresh database file on disk; KHATA_DB points at it for code that reads the env."""
    path = tmp_path / "khata.duckdb"
    monkeypatch.setenv("KHATA_DB", str(path))
    return path


def make_shop(db_file, username: str | None = None, **overrides) -> dict:
    n = next(_counter)
    fields = dict(name="Ravi Kumar", shop_name=f"Ravi Kirana {n}", username=username or f"shop{n}",
                  email=f"shop{n}@example.in", phone="9876543210", password="Demo@1234")
    fields.update(overrides)
    return accounts.register_shopkeeper(root_at(db_file), **fields)


@pytest.fixture
def shop(db_file) -> dict:
    return make_shop(db_file, "ravi")


@pytest.fixture
def other_shop(db_file) -> dict:
    return make_shop(db_file, "meena", name="Meena Devi", phone="9123456780")


def pytest_addoption(parser):
    parser.addoption("--locale-dir", default=None,
                     help="the catalogs the i18n tests check (default khata/locale); e.g. fake ones made by "
                          "`python -m tests.i18n_catalogs /tmp/khata-fake-locale`")


@pytest.fixture
def locale_dir(request, monkeypatch) -> Path:
    """The catalogs under test; the app reads its translations from there for this test."""
    from khata import i18n

    chosen = request.config.getoption("--locale-dir")
    path = Path(chosen).resolve() if chosen else i18n.LOCALE_DIR
    monkeypatch.setattr(i18n, "LOCALE_DIR", path)
    i18n.translations.cache_clear()
    yield path
    i18n.translations.cache_clear()
