"""Layer rules for the reminders: the flow is thin (no duckdb, no SQL), the core has no Prefect."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted((ROOT / "flows").glob("*.py"))
CORE = sorted((ROOT / "khata").rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_there_is_a_flow():
    assert ROOT / "flows" / "overdue_reminders.py" in FLOWS


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_flows_write_no_sql(path):
    assert "duckdb" not in imports_of(path)
    source = path.read_text()
    for word in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", ".execute("):
        assert word not in source, f"{word!r} in {path.name}"


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_prefect_or_streamlit(path):
    assert not imports_of(path) & {"prefect", "streamlit"}
