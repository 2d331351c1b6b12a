"""Policy spelled once (issue 17, item 7): the outbox statuses and their words, the daily send
time and the 500-row cap each live in one place; these tests fail when a second spelling appears
in khata/, dashboard/ or flows/ (or in streamlit_app.py)."""
from __future__ import annotations

import ast
from pathlib import Path

from khata.reminders import statuses

ROOT = Path(__file__).resolve().parents[2]
OWNER_OF_STATUSES = ROOT / "khata" / "reminders" / "statuses.py"


def _sources():
    for package in ("khata", "dashboard", "flows"):
        yield from sorted((ROOT / package).rglob("*.py"))
    yield ROOT / "streamlit_app.py"


def _trees():
    for path in _sources():
        yield path, ast.parse(path.read_text())


def _strings(node) -> list[str]:
    return [e.value for e in node if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def _is_words(node) -> bool:
    """A translatable text: ``N_("...")`` or ``_("...")``."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("N_", "_")


def test_outbox_statuses_are_spelled_once():
    """No other dict maps outbox statuses to words and no other sequence lists them."""
    outbox = set(statuses.STATUSES)
    found = []
    for path, tree in _trees():
        if path == OWNER_OF_STATUSES:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                keys = set(_strings(node.keys)) & outbox
                if len(keys) >= 2 and any(_is_words(v) for v in node.values):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} words for {sorted(keys)}")
            elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                listed = set(_strings(node.elts)) & outbox
                if len(listed) >= 6:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} lists {sorted(listed)}")
    assert found == [], "outbox statuses spelled again; use khata.reminders.statuses"


def test_every_outbox_status_has_its_words():
    assert set(statuses.STATUS_NAMES) == set(statuses.STATUSES) == set(statuses.STATUS_CELLS)
    assert set(statuses.STATE_WORDS) == set(statuses.STATUSES) - {"failed", "skipped"}


def test_the_finder_sees_a_second_status_spelling():
    tree = ast.parse('WORDS = {"sent": N_("Sent"), "read": N_("Read")}')
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.Dict))
    assert len(set(_strings(node.keys)) & set(statuses.STATUSES)) >= 2 and all(map(_is_words, node.values))
