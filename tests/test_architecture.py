"""The whiteboard rules, checked on the source: only khata/ reaches khata/db.py, and
only khata/db.py calls duckdb.connect. Benchmarks (bench/) are exempt: their
baselines measure the engine without the services on purpose."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_CODE = sorted([ROOT / "streamlit_app.py", *(ROOT / "dashboard").rglob("*.py"), *(ROOT / "flows").rglob("*.py")])
CORE = sorted((ROOT / "khata").rglob("*.py"))


def reaches_db(source: str) -> list[str]:
    """Every import in ``source`` that names khata.db (or duckdb)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name in ("khata.db", "duckdb") or a.name.startswith("duckdb.")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module in ("khata.db", "duckdb") or (module == "khata" and any(a.name == "db" for a in node.names)):
                found.append(module + ":" + ",".join(a.name for a in node.names))
    return found


def test_there_is_app_code():
    assert len(APP_CODE) > 10


@pytest.mark.parametrize("path", APP_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_outside_khata_reaches_the_db_module(path):
    assert reaches_db(path.read_text()) == []


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_khata_db_connects(path):
    if path.name == "db.py" and path.parent.name == "khata":
        return
    assert "duckdb.connect" not in path.read_text()


def test_the_checker_catches_an_import():
    assert reaches_db("from khata import db\n") and reaches_db("import duckdb\n")
    assert reaches_db("from khata.db import connect\n") and not reaches_db("from khata import book\n")
