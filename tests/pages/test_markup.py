"""Text from the book is shown as typed on every page, never rendered as Markdown.

A shop whose name, customers, items, notes, addresses, notes of repayments and
reversal reasons carry markup (an image, a link, ``:red[...]``, ``$...$``, bold,
HTML, a bare ``www.`` address, an emoji shortcode) is rendered page by page, after
a write (flash) and after a refused write (error). Every proto field that Streamlit
renders as Markdown must hold the payload only in escaped form; tables and
selectbox options (plain text in the browser) hold it raw.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from google.protobuf.message import Message

from dashboard.text import chart_text, plain
from khata import customers, loans, reminders, repayments
from khata.dates import shop_today
from khata.notify.outbox import OutboxNotifier
from tests.conftest import make_shop
from tests.roots import OWNER, env_root

from .conftest import app, errors, keyed, open_page, shown, submit, texts

IMG = "![i](http://evil.example/i.png)"
LINK = "[c](http://evil.example/c)"
RED = ":red[r]"
TEX = "$x$"
BOLD = "**b**"
HTML = "<b>h</b>"
AUTO = "www.evil.example"
EMOJI = ":smile:"
MAIL = "pay@evil.example"
PAYLOADS = (IMG, LINK, RED, TEX, BOLD, HTML, AUTO, EMOJI, MAIL)
# GitHub autolinks are found after escapes are resolved (seen in Chromium), so these
# must not survive in Markdown source even escaped.
AUTOLINK = re.compile(r"://|\bwww\\?\.|\w\\?@\w", re.IGNORECASE)

SHOP_NAME = f"Shop {IMG} {BOLD} {HTML}"
ASHA = f"Asha {IMG} {LINK} {RED}"
BABU = f"Babu {TEX} {BOLD} {HTML} {AUTO} {EMOJI}"
ITEM = f"Rice {IMG} {RED} {TEX}"
NOTE = f"paid {LINK} {HTML}"
REASON = f"oops {IMG} {BOLD}"

ROOT = Path(__file__).resolve().parents[2]
ALL_PAGES = sorted(p.name for p in (ROOT / "dashboard" / "app_pages").glob("*.py") if p.name != "__init__.py")
PUBLIC = ("login.py", "signup.py")  # what a logged-out visitor sees
LINK_PAGE = "customer_link.py"  # the customer's own page: tests/pages/test_customer_link_page.py, with a link
PAGES = [page for page in ALL_PAGES if page not in PUBLIC and page != LINK_PAGE]
# Streamlit 1.67 draws these as Markdown (checked in Chromium); selectbox options are plain text.
MARKDOWN_FIELDS = {"body", "label", "help", "options"}
PLAIN_OPTIONS = {"Selectbox", "MultiSelect"}
PLAIN_BODIES = {"Text"}  # st.text: shown as typed, in a fixed-width font, never as Markdown


def _nodes(node):
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def _strings(message: Message, path=()):
    """(field path, type name, string) for every string in a proto, nested ones included."""
    for field, value in message.ListFields():
        repeated = not isinstance(value, (str, bytes, Message)) and hasattr(value, "__len__")
        values = value if repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from _strings(item, (*path, field.name))
            elif isinstance(item, str):
                yield (*path, field.name), type(message).__name__, item


def markdown_strings(at) -> list[str]:
    """Every string the browser renders as Markdown on this run."""
    found = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not isinstance(proto, Message):
            continue
        for path, owner, text in _strings(proto):
            if path[-1] in MARKDOWN_FIELDS and not (path[-1] == "options" and owner in PLAIN_OPTIONS) \
                    and not (path[-1] == "body" and owner in PLAIN_BODIES):
                found.append(text)
    return found


def assert_no_live_markup(at, where: str) -> None:
    assert not at.exception, at.exception
    rendered = markdown_strings(at)
    assert rendered, f"nothing rendered on {where}"
    for text in rendered:
        for payload in PAYLOADS:
            assert payload not in text, f"{payload!r} reaches Markdown unescaped on {where}: {text!r}"
        assert "](" not in text.replace("\\]\\(", ""), f"a live Markdown link on {where}: {text!r}"
        assert not AUTOLINK.search(text), f"an autolink on {where}: {text!r}"
    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        assert "<b>" not in spec and "<a " not in spec, f"HTML in a chart on {where}"
    for frame in at.table:  # st.table renders every cell as Markdown
        for cell in frame.value.astype(str).to_numpy().ravel():
            for payload in PAYLOADS:
                assert payload not in cell, f"{payload!r} reaches a table cell unescaped on {where}: {cell!r}"
            assert not AUTOLINK.search(cell), f"an autolink in a table cell on {where}: {cell!r}"


@pytest.fixture
def marked_shop(db_file, monkeypatch):
    monkeypatch.setenv("KHATA_COOKIE_KEY", "k" * 40)
    shop = make_shop(db_file, "marked", shop_name=SHOP_NAME, name=f"Ravi {LINK}")
    sid = shop["shop_id"]
    today = shop_today("Asia/Kolkata")
    asha = env_root().write(sid, OWNER, customers.create_customer, name=ASHA, phone="98450 10001", credit_limit="1000",
                            address=f"{LINK} {AUTO}", notes=" ".join(PAYLOADS))
    babu = env_root().write(sid, OWNER, customers.create_customer, name=BABU, phone="98450 10002", credit_limit="1000",
                            notes=f"{HTML} {TEX}", whatsapp_opt_out=True)
    sale = env_root().write(sid, OWNER, loans.create_loan, asha["customer_id"], amount="600", item=ITEM,
                            issue_date=today - timedelta(days=20), due_date=today - timedelta(days=3))
    env_root().write(sid, OWNER, loans.create_loan, babu["customer_id"], amount="300", item=ITEM,
                     issue_date=today - timedelta(days=20), due_date=today - timedelta(days=2))
    paid = env_root().write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="50", note=NOTE)
    env_root().write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="20", note=NOTE)
    env_root().write(sid, OWNER, repayments.reverse_repayment, paid["repayments"][0]["repayment_id"], reason=REASON)
    wrong = env_root().write(sid, OWNER, loans.create_loan, babu["customer_id"], amount="10", item=ITEM)
    env_root().write(sid, OWNER, loans.reverse_loan, wrong["loan_id"], reason=REASON)
    reminders.run_reminders(env_root(), notifier=OutboxNotifier())
    return {**shop, "asha": asha["customer_id"], "babu": babu["customer_id"], "loan": sale["loan_id"]}


def test_plain_shows_text_as_typed():
    for payload in PAYLOADS:
        escaped = plain(payload)
        assert payload not in escaped and shown(escaped) == payload
    assert plain(None) == "" and plain("Asha Rao") == "Asha Rao"
    assert chart_text('<a href="x">a</a>') == '&lt;a href="x"&gt;a&lt;/a&gt;'


def test_every_page_is_covered():
    assert set(ALL_PAGES) == {"overview.py", "customers.py", "customer.py", "loans.py", "repayments.py",
                              "reminders.py", "remind_today.py", "account.py", "import_export.py", "audit.py",
                              "first_password.py", LINK_PAGE, *PUBLIC}, "a new page: add it here"


def test_login_and_signup_pages(marked_shop):
    at = app(None)
    at.run()
    at.text_input(key="login_user").input(f"x{LINK}")
    at.text_input(key="login_password").input("Wrong@1234")
    submit(at, "Log in")
    assert_no_live_markup(at, "login.py")
    at.switch_page("dashboard/app_pages/signup.py").run()
    fields = {"su_name": f"Ravi {LINK}", "su_shop": SHOP_NAME, "su_user": "marked2", "su_email": LINK,
              "su_phone": "98450 30001", "su_password": "Asha@2026", "su_repeat": "Asha@2026"}
    for key, value in fields.items():
        at.text_input(key=key).input(value)
    submit(at, "Create my shop")
    assert_no_live_markup(at, "signup.py refused")
    assert errors(at) == [f"'{LINK}' is not an email address."]
    at.text_input(key="su_email").input("ravi@example.in")
    submit(at, "Create my shop")
    assert_no_live_markup(at, "signup.py done")
    assert [shown(s.value) for s in at.success] == ["Your shop is ready. Log in as **marked2**."]


@pytest.mark.parametrize("page", PAGES)
def test_book_text_is_shown_as_typed_on_every_page(marked_shop, page):
    if page == "first_password.py":  # shown only while the login must choose its password
        env_root().in_transaction(lambda con: con.execute("UPDATE shopkeepers SET must_change_password = TRUE"
                                         " WHERE username = 'marked'"))
    at = app("marked")
    at.run()
    at.session_state["customer_id"] = marked_shop["asha"]
    at.switch_page(f"dashboard/app_pages/{page}").run()
    assert_no_live_markup(at, page)
    if page == "first_password.py":
        assert [t.value for t in at.title] == ["Choose your password"]
        assert f"Ravi {LINK}" in texts(at)
        return
    sidebar = shown(at.sidebar.markdown[0].value)
    assert SHOP_NAME in sidebar and f"Ravi {LINK}" in sidebar
    if page == "customer.py":
        assert shown(at.title[0].value) == ASHA
        assert " ".join(PAYLOADS) in texts(at)
        assert f"{LINK} {AUTO}" in texts(at)
    if page == "overview.py":
        assert SHOP_NAME in texts(at)
        at.selectbox(key="ov_chart").set_value("top").run()  # one chart at a time: choose it
        top = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                   if "Top 10" in json.loads(c.proto.spec)["layout"]["title"]["text"])
        assert chart_text(ASHA) in top["data"][0]["y"]
    if page in ("customers.py", "loans.py", "repayments.py", "remind_today.py"):
        assert ASHA in texts(at)


def test_customers_page_forms_flash_and_errors(marked_shop):
    at = app("marked")
    at.run()
    at.query_params["id"] = str(marked_shop["asha"])
    at.switch_page("dashboard/app_pages/customer.py").run()  # editing is on the customer's own page
    assert_no_live_markup(at, "edit form")
    assert at.text_input(key=f"ce_name_{marked_shop['asha']}").value == ASHA
    at.switch_page("dashboard/app_pages/customers.py").run()
    keyed(at.text_input, "ac_name_").input(BABU)
    keyed(at.text_input, "ac_phone_").input("98450 10002")
    submit(at, "Add customer")
    assert_no_live_markup(at, "refused add")
    assert errors(at) and BABU in errors(at)[0]  # "<name> already has the phone number ..."
    keyed(at.text_input, "ac_phone_").input("98450 10003")
    submit(at, "Add customer")
    assert_no_live_markup(at, "flash after add")
    assert [shown(s.value) for s in at.success] == [f"Added {BABU}."]


def test_sale_refusal_and_flash_name_the_customer_as_typed(marked_shop):
    at = open_page(app("marked"), "loans.py")
    keyed(at.selectbox, "new_sale_customer_").set_value(marked_shop["asha"])
    keyed(at.text_input, "new_sale_amount_").input("100000")
    keyed(at.text_input, "new_sale_item_").input(ITEM)
    submit(at, "Record sale on credit")
    assert_no_live_markup(at, "refused sale")
    assert ASHA in errors(at)[0] and "can take only" in errors(at)[0]
    keyed(at.text_input, "new_sale_amount_").input("10")
    submit(at, "Record sale on credit")
    assert_no_live_markup(at, "flash after sale")
    assert ITEM in shown(at.success[0].value) and ASHA in shown(at.success[0].value)


def test_reminders_page_opt_out_flash(marked_shop):
    at = open_page(app("marked"), "reminders.py")
    assert BABU in texts(at)  # "Not sent to: ..."
    at.selectbox(key="rm_pick").set_value(marked_shop["asha"]).run()
    at.toggle(key=f"rm_toggle_{marked_shop['asha']}").set_value(False).run()
    at.button(key="rm_save").click().run()
    assert_no_live_markup(at, "reminders flash")
    assert ASHA in shown(at.success[0].value)
