"""AppTest fixtures: a demo-shop database copied from a template made once per run,
and helpers to drive the app as a logged-in shopkeeper."""
from __future__ import annotations

import logging
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from khata import accounts, demo
from tests.roots import env_root, root_at

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
TODAY = None  # the demo is built for the real shop-local today, like `make run`


class _TracebackLog(logging.Handler):
    """Keeps every log record that carries a traceback."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if record.exc_info or "Traceback (most recent call last)" in record.getMessage():
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_traceback_logged(request):
    """Every page test fails when rendering logged a traceback (Streamlit logs, at INFO, the Arrow
    error of a column that mixes types before it patches the column; an app error logs one too).
    Streamlit's loggers do not propagate to the root logger, so the handler sits on each of them,
    at INFO for the run. A test that expects one says ``@pytest.mark.logs_traceback``."""
    handler = _TracebackLog()
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)
                                       if name.startswith("streamlit")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)
    if request.node.get_closest_marker("logs_traceback") is None and handler.records:
        first = handler.records[0]
        trace = logging.Formatter().formatException(first.exc_info) if first.exc_info else ""
        pytest.fail(f"{len(handler.records)} traceback(s) logged while rendering; first from {first.name}: "
                    f"{first.getMessage()}\n{trace}")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "template.duckdb"
    demo.create_demo(root_at(path))
    return path


@pytest.fixture
def demo_db(demo_template, db_file, monkeypatch) -> Path:
    """A fresh copy of the demo database; KHATA_DB points at it."""
    shutil.copyfile(demo_template, db_file)
    monkeypatch.setenv("KHATA_COOKIE_KEY", "test-cookie-key-" + "k" * 32)
    st.cache_data.clear()
    return db_file


def app(username: str | None = "demo", path=None) -> AppTest:
    """An AppTest of streamlit_app.py, logged in as ``username`` (None: logged out)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if username:
        keeper = accounts.get_shopkeeper(root_at(path) if path else env_root(), username)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = keeper["username"]
        at.session_state["name"] = keeper["name"]
        at.session_state["_khata_login_at"] = time.time()
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(f"dashboard/app_pages/{page}").run()
    assert not at.exception, at.exception
    return at


def by_label(elements, label: str):
    found = [e for e in elements if e.label == label]
    assert found, f"no element labelled {label!r}; have {[e.label for e in elements]}"
    return found[0]


def submit(at: AppTest, label: str) -> AppTest:
    by_label(at.button, label).click()
    at.run()
    assert not at.exception, at.exception
    return at


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """What a person reads for Markdown source made of plain text: backslash escapes
    and invisible word joiners (see dashboard.text.plain) removed."""
    return _ESCAPED.sub(r"\1", str(markdown)).replace("\u2060", "")


def texts(at: AppTest) -> str:
    """Everything shown as text, tables included, for 'does X appear' checks."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "error", "success",
                 "warning"):
        parts.extend(shown(e.value) for e in getattr(at, kind))
    parts.extend(f"{shown(m.label)} {m.value}" for m in at.metric)
    parts.extend(shown(link.proto.label) for link in at.get("page_link"))  # names that open a customer
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for frame in at.table:  # a static table's cells are Markdown: read as shown
        parts.append(shown(frame.value.to_csv()).replace("\u00a0", " "))
    for box in at.selectbox:
        parts.extend(str(o) for o in box.options)
    return "\n".join(parts)


def read_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A static table (st.table: its cells are Markdown) as a person reads it: escapes resolved,
    no-break spaces as spaces."""
    return frame.map(lambda v: shown(v).replace("\u00a0", " "))


def errors(at: AppTest) -> list[str]:
    return [shown(e.value) for e in at.error]


def keyed(elements, prefix: str):
    """The one element whose key starts with ``prefix`` (form widgets carry a token in their key)."""
    found = [e for e in elements if (e.key or "").startswith(prefix)]
    assert len(found) == 1, f"{len(found)} elements with key {prefix}*: {[e.key for e in elements]}"
    return found[0]


def find(at: AppTest, box_prefix: str, text: str) -> AppTest:
    """Type ``text`` into a customer search box (key starting with ``box_prefix``), as a
    shopkeeper does before choosing from the matches."""
    keyed(at.text_input, box_prefix).input(text)
    at.run()
    assert not at.exception, at.exception
    return at


def count(sql: str, params=(), path=None):
    root = root_at(path) if path else env_root()
    return root.on_connection(lambda con: con.execute(sql, list(params)).fetchone()[0])
