"""In a real browser, book text full of markup fetches nothing and links nowhere:
no <img> or <a> points at the payload's host, no request goes there, and the
text reads exactly as typed (see tests/pages/test_markup.py for every field)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from khata import customers, loans, repayments
from khata.dates import shop_today
from tests.conftest import make_shop
from tests.pages.test_markup import ASHA, BABU, ITEM, LINK, NOTE, PAYLOADS, SHOP_NAME
from tests.roots import OWNER, root_at

from .test_browser import idle, shot

pytestmark = pytest.mark.browser

HOST = "evil.example"
PATHS = ("", "customers", "customer?id={asha}", "loans", "repayments", "reminders", "account", "import")


@pytest.fixture(scope="module")
def marked(server):
    path = server["db"]
    shop = make_shop(path, "marked", shop_name=SHOP_NAME, name=f"Ravi {LINK}")
    sid = shop["shop_id"]
    today = shop_today("Asia/Kolkata")
    asha = root_at(path).write(sid, OWNER, customers.create_customer, name=ASHA, phone="98450 10001",
                               credit_limit="1000", notes=" ".join(PAYLOADS))
    root_at(path).write(sid, OWNER, customers.create_customer, name=BABU, phone="98450 10002", whatsapp_opt_out=True)
    sale = root_at(path).write(sid, OWNER, loans.create_loan, asha["customer_id"], amount="600", item=ITEM,
                               issue_date=today - timedelta(days=20), due_date=today - timedelta(days=3))
    root_at(path).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="50", note=NOTE)
    return {"asha": asha["customer_id"]}


def read(page, testid: str) -> str:
    """The text a person reads (the invisible word joiners of dashboard.text.plain removed)."""
    return page.locator(f'[data-testid="{testid}"]').inner_text().replace("\u2060", "")


def wait_for_text(page, testid: str, text: str, timeout_s: float = 30) -> str:
    """The element's text once it holds ``text`` (a busy machine draws late)."""
    for _ in range(int(timeout_s * 4)):
        body = read(page, testid)
        if text in body:
            return body
        page.wait_for_timeout(250)
    raise AssertionError(f"{text!r} never appeared in {testid}: {body[:500]!r}")


def test_markup_in_the_book_stays_text(server, browser, marked):
    base = server["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if HOST in request.url else None)
    try:
        page.goto(base)
        idle(page)
        page.get_by_label("Username", exact=True).fill("marked")
        page.get_by_label("Password", exact=True).fill("Demo@1234")
        page.get_by_role("button", name="Log in").click()
        page.get_by_text("Outstanding").first.wait_for(state="visible")
        for path in PATHS:
            page.goto(f"{base}/{path.format(**marked)}")
            idle(page)
            wait_for_text(page, "stSidebar", SHOP_NAME)  # drawn before we look for links
            if path.startswith("customer?"):
                body = wait_for_text(page, "stMain", ASHA)
                assert " ".join(PAYLOADS) in body
            page.wait_for_timeout(500)
            images = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
            links = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
            # the one-tap reminder links carry the message (the name as typed, URL-encoded) to wa.me / sms:
            links = [u for u in links if not u.startswith(("https://wa.me/", "sms:"))]
            assert not [u for u in images + links if HOST in u], f"/{path}: {images + links}"
        assert fetched == []
    except Exception:
        shot(page, "markup-failure")
        raise
    finally:
        context.close()
