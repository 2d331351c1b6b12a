"""Every page renders in every language; on a Hindi page no English label of the app is left.

The catalogs are khata/locale (or ``--locale-dir``, e.g. fake ones: tests/i18n_catalogs.py).
Until translators fill khata/locale the Hindi checks fail; the renders pass with any catalog
(a missing one means English), so they also prove a translation cannot break a page
(placeholders that ``.format`` does not know would raise here).
"""
from __future__ import annotations

import json
import re
from itertools import chain

import pytest
from google.protobuf.descriptor import FieldDescriptor

from dashboard.language import SESSION as LANGUAGE
from khata import customers
from khata.i18n import LANGUAGES
from tests.i18n_catalogs import extract
from tests.roots import OWNER, env_root

from .conftest import app, by_label, shown

LEDGER_PAGES = ["overview.py", "customers.py", "customer.py", "loans.py", "repayments.py", "remind_today.py",
                "reminders.py", "account.py", "import_export.py", "audit.py"]
PUBLIC_PAGES = ["login.py", "signup.py"]
# names, not words to translate (a translator may keep them in Latin letters)
KEPT = {"UPI", "UPI ID", "SMS", "WhatsApp", "PDF", "CSV", "Excel", "Credikhaata"}
# proto fields that are ids, keys, addresses or data, not words for the shopkeeper
NOT_WORDS = {"id", "key", "form_id", "page_script_hash", "url_path", "url", "icon", "type", "spec", "data",
             "mime_type", "file_name", "format", "theme", "selection_mode", "column_order", "columns",
             "default", "value", "raw_value", "page", "href", "link", "json_args", "component_name"}


def _proto_strings(message):
    for field, value in message.ListFields():
        if field.name in NOT_WORDS:
            continue
        single = isinstance(value, (str, bytes, int, float)) or hasattr(value, "ListFields")
        values = [value] if single else list(value)
        for item in values:
            if field.type == FieldDescriptor.TYPE_STRING:
                yield item
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                yield from _proto_strings(item)


def _chart_strings(spec: str):
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    for part in (layout, layout.get("xaxis", {}), layout.get("yaxis", {})):
        title = part.get("title")
        yield title.get("text", "") if isinstance(title, dict) else str(title or "")
    for trace in figure.get("data", []):
        yield str(trace.get("name") or "")
        for axis in ("x", "y", "labels"):
            values = trace.get(axis)
            if isinstance(values, list):
                yield from (v for v in values if isinstance(v, str))


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def visible_text(at) -> str:
    """Every word a shopkeeper can read on the page: texts, labels, help, placeholders,
    options, table headers, chart titles, axes and legends."""
    parts = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        parts.extend(_proto_strings(proto))
        spec = getattr(proto, "spec", None)
        if isinstance(spec, str) and spec.startswith("{"):
            parts.extend(_chart_strings(spec))
    for frame in at.dataframe:
        parts.extend(str(column) for column in frame.value.columns)
    for frame in at.table:
        parts.extend(str(column) for column in frame.value.columns)
    return "\n".join(shown(part) for part in parts)


@pytest.fixture(scope="module")
def english_labels() -> set[str]:
    """The app's own short labels (from the code's msgids): Customers, Repayments, Overdue, Save..."""
    label = re.compile(r"^[A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}$")
    return {msgid for msgid in extract() if label.match(msgid) and msgid not in KEPT}


def english_left(text: str, labels: set[str]) -> list[str]:
    return sorted(word for word in labels if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text))


def _customer_id() -> int:
    return env_root().read(1, OWNER, customers.list_customers)[0]["customer_id"]


def walk_ledger(code: str):
    """Each ledger page of the demo shop in ``code``: (page, AppTest after its run)."""
    at = app()
    at.session_state[LANGUAGE] = code
    at.session_state["customer_id"] = _customer_id()
    at.run()
    assert not at.exception, (code, at.exception)
    for page in LEDGER_PAGES:
        at.switch_page(f"dashboard/app_pages/{page}").run()
        yield page, at


def walk_public(code: str):
    at = app(None)
    at.session_state[LANGUAGE] = code
    at.run()
    for page in PUBLIC_PAGES:
        at.switch_page(f"dashboard/app_pages/{page}").run()
        yield page, at


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_page_renders_in_every_language(demo_db, locale_dir, code):
    for page, at in chain(walk_ledger(code), walk_public(code)):  # lazily: one AppTest, page after page
        assert not at.exception, (code, page, at.exception)
        assert not at.error, (code, page, [e.value for e in at.error])
        assert at.title, (code, page)


def test_no_english_label_is_left_on_a_hindi_page(demo_db, locale_dir, english_labels):
    left = {}
    for page, at in chain(walk_ledger("hi"), walk_public("hi")):
        assert not at.exception, (page, at.exception)
        found = english_left(visible_text(at), english_labels)
        if found:
            left[page] = found
    assert not left, f"English labels on Hindi pages: {left}"


def test_a_refusal_from_the_services_is_in_hindi(demo_db, locale_dir, english_labels):
    """A form the core refuses (an empty name, a wrong login) shows the message in Hindi."""
    at = app(None)
    at.session_state[LANGUAGE] = "hi"
    at.run()
    at.text_input(key="login_user").set_value("demo")
    at.text_input(key="login_password").set_value("Wrong@1234")
    at.button[0].click().run()
    assert at.error, "no refusal shown"
    assert "Username or password is incorrect." not in at.error[0].value
    assert not english_left(at.error[0].value, english_labels | {"Username", "password", "incorrect"})


def test_the_checks_see_english_when_the_catalog_is_missing(demo_db, tmp_path, monkeypatch, english_labels):
    """With no Hindi catalog (English shown) the word check does find the labels: it can fail."""
    from khata import i18n

    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)  # empty: no catalogs at all
    i18n.translations.cache_clear()
    try:
        page, at = next(walk_ledger("hi"))
        assert page == "overview.py"
        found = english_left(visible_text(at), english_labels)
        assert {"Overview", "Outstanding", "Overdue", "Customers", "Log out"} <= set(found), found
    finally:
        i18n.translations.cache_clear()


def test_lang_in_the_address_switches_the_session(demo_db, locale_dir):
    at = app(None)
    at.query_params["lang"] = "hi"
    at.run()
    assert not at.exception
    assert at.session_state[LANGUAGE] == "hi"
    at.query_params["lang"] = "xx"  # not offered: the session keeps its language
    at.run()
    assert at.session_state[LANGUAGE] == "hi"
    assert by_label(at.button, at.button[0].label)  # the form is still drawn
