"""Policy spelled once (issue 17, item 7): the outbox statuses and their words, the daily send
time and the 500-row cap each live in one place; these tests fail when a second spelling appears
in khata/, dashboard/ or flows/ (or in streamlit_app.py)."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from khata.reminders import statuses
from khata.reminders.ladder import SEND_TIME
from khata.row_cap import ROW_CAP

ROOT = Path(__file__).resolve().parents[2]
OWNER_OF_STATUSES = ROOT / "khata" / "reminders" / "statuses.py"
OWNER_OF_SEND_TIME = ROOT / "khata" / "reminders" / "ladder.py"
# the send time written as a clock (8:00, 8.00, 8 am), not 08:00 in an example timestamp nor
# the deployment's name (daily-8am-ist, prefect.yaml)
SEND_TIME_TEXT = re.compile(rf"(?<![\d:.]){SEND_TIME.hour}(?::|\.){SEND_TIME.minute:02d}(?!\d)|"
                            rf"(?<![-\w]){SEND_TIME.hour}\s*(?:am|a\.m\.)", re.I)


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


def _texts(path: Path):
    """Every string and comment of a source file, with its line."""
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type in (tokenize.STRING, tokenize.COMMENT) or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            yield token.start[0], token.string


def test_the_send_time_is_spelled_once():
    """Pages and messages say ``ladder.SEND_TIME`` (formatted in the page's language); no text,
    comment or second ``time(8, 0)`` repeats it."""
    found = [f"{path.relative_to(ROOT)}:{line}" for path in _sources() for line, text in _texts(path)
             if SEND_TIME_TEXT.search(text)]
    for path, tree in _trees():
        if path == OWNER_OF_SEND_TIME:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "time" \
                    and [getattr(a, "value", None) for a in node.args][:1] == [SEND_TIME.hour]:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} time({SEND_TIME.hour}, ...)")
    assert found == [], "the send time spelled again; use khata.reminders.ladder.SEND_TIME"


def test_the_send_time_finder_sees_a_spelling():
    assert SEND_TIME_TEXT.search(f"sent at {SEND_TIME.hour}:{SEND_TIME.minute:02d} on days")
    assert SEND_TIME_TEXT.search(f"the {SEND_TIME.hour} am run")
    assert not SEND_TIME_TEXT.search("27 Nov 2026, 08:00 (deployment daily-8am-ist)")


def test_pages_say_the_send_time_in_their_language():
    from khata.dates import format_clock
    assert format_clock(SEND_TIME, "hi") == f"{SEND_TIME.hour}:{SEND_TIME.minute:02d}"


# 500 as another policy's own named value (not the screen-row cap)
OTHER_FIVE_HUNDREDS = {("khata/row_cap.py", "ROW_CAP"), ("khata/validate.py", "MAX_TEXT"),
                       ("khata/reminders/outbox.py", "DEFAULT_BATCH"), ("khata/reminders/run.py", "PLAN_CHUNK"),
                       ("khata/importer.py", "PROGRESS_EVERY")}
AN_AMOUNT = {"e.g. 500"}  # an example amount in rupees, not a number of rows


def _translatable(node) -> str | None:
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_", "ngettext"):
        return " ".join(_strings(node.args))
    return None


def _five_hundreds(path: Path, tree) -> list[str]:
    cap = ROW_CAP
    named = {id(node.value) for node in tree.body if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)
             and (str(path.relative_to(ROOT)), target.id) in OTHER_FIVE_HUNDREDS}
    http = {id(c) for node in ast.walk(tree) if isinstance(node, ast.Compare)
            and "status" in ast.unparse(node.left) for c in node.comparators}  # HTTP 5xx, not rows
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value == cap and type(node.value) is int \
                and id(node) not in named | http:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {cap}")
        text = _translatable(node)
        if text and text not in AN_AMOUNT and re.search(rf"(?<![\d,.]){cap}(?![\d,])", text):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {text!r}")
    return found


def test_the_row_cap_is_spelled_once():
    """The reminder log, customer list and audit log stop at ``ROW_CAP`` and say so with it."""
    found = [hit for path, tree in _trees() for hit in _five_hundreds(path, tree)]
    assert found == [], "the row cap spelled again; use khata.row_cap.ROW_CAP"


def test_the_row_cap_finder_sees_a_spelling():
    tree = ast.parse('rows = reads.customer_list(sid, 500)\nst.caption(_("The newest 500 rows"))')
    assert len(_five_hundreds(ROOT / "dashboard" / "x.py", tree)) == 2
