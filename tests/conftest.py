"""Shared fixtures: a temporary DuckDB file per test and a registered shop."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from khata import accounts  # noqa: E402

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
    return accounts.register_shopkeeper(path=db_file, **fields)


@pytest.fixture
def shop(db_file) -> dict:
    return make_shop(db_file, "ravi")


@pytest.fixture
def other_shop(db_file) -> dict:
    return make_shop(db_file, "meena", name="Meena Devi", phone="9123456780")
