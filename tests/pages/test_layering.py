"""The dashboard's layer rules, checked on the source (AST):
- nothing under dashboard/ (or streamlit_app.py) imports duckdb or runs SQL;
- pages do no arithmetic at all (so never on money): no + - * / // % **, no
  augmented assignment, no sum(), no Decimal(); totals come from the core and
  formatting from dashboard.format."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = sorted((ROOT / "dashboard").rglob("*.py")) + [ROOT / "streamlit_app.py"]
PAGES = sorted((ROOT / "dashboard" / "app_pages").glob("*.py"))
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(), filename=str(path))


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def arithmetic_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
            found.append(f"line {node.lineno}: {type(node.op).__name__}")
        elif isinstance(node, ast.AugAssign):
            found.append(f"line {node.lineno}: augmented assignment")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and not isinstance(
                node.operand, ast.Constant):
            found.append(f"line {node.lineno}: negation")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("sum", "Decimal"):
            found.append(f"line {node.lineno}: {node.func.id}()")
    return found


def test_there_are_pages():
    assert len(PAGES) >= 8


@pytest.mark.parametrize("path", DASHBOARD, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_duckdb_or_sql_in_the_dashboard(path):
    assert not {n for n in imports_of(path) if n.split(".")[0] == "duckdb"}
    source = path.read_text()
    for word in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", ".execute("):
        assert word not in source, f"{word!r} in {path.name}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_do_no_arithmetic(path):
    assert arithmetic_in(path) == []


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_do_not_touch_the_db_module(path):
    assert not {n for n in imports_of(path) if n in ("khata.db", "khata.book") or n.startswith("khata.db.")}


def test_the_checker_catches_arithmetic(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("total = row['outstanding'] + row['overdue']\nx -= 1\ns = sum(v)\n")
    assert len(arithmetic_in(bad)) == 3
    bad.write_text("import duckdb\n")
    assert "duckdb" in imports_of(bad)


SERVICES = {f"khata.{name}" for name in ("customers", "loans", "repayments", "reports", "reminders", "importer",
                                         "dashboard_queries", "accounts", "demo", "export", "maintenance",
                                         "statement")}
DOOR = {"reads.py", "writes.py", "auth.py"}  # the dashboard's one door to khata's services


def _khata_imports(path: Path) -> set[str]:
    return {n for n in imports_of(path) if n == "khata" or n.startswith("khata.")}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_use_the_door_not_services(path):
    """Pages import from khata only its errors and the language's ``_``; every read and write goes
    through dashboard.reads/writes."""
    assert {n for n in _khata_imports(path) if not n.startswith(("khata.errors", "khata.i18n"))} == set()


@pytest.mark.parametrize("path", DASHBOARD, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_door_imports_services(path):
    if path.name in DOOR and path.parent.name == "dashboard":
        return
    touched = {n for n in _khata_imports(path) if any(n == s or n.startswith(s + ".") for s in SERVICES)}
    assert touched == set(), f"{path.name} calls khata services directly"


@pytest.mark.parametrize("path", DASHBOARD, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_guards(path):
    """A broken import fails loudly instead of hiding a page or a feature."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
            assert not names & {"ImportError", "ModuleNotFoundError"}, f"line {node.lineno} of {path.name}"
