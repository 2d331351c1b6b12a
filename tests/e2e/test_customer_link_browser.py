"""The customer's own page on a phone (390 px), in Hindi: the Pay button is the upi://pay link for
the balance shown, nothing scrolls sideways, the QR on screen decodes to the same link, no
sidebar; a bad link shows the neutral page."""
from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from khata import accounts, customer_links, customers, loans, repayments
from khata.dates import shop_today
from tests.catalogs import compiled, hindi
from tests.conftest import make_shop
from tests.roots import OWNER, root_at

from .test_browser import SCREENSHOTS, idle, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hindi_customer(server):
    compiled()
    shop = make_shop(server["db"], "linkphone", shop_name="Sharma General Store")
    sid = shop["shop_id"]
    root_at(server["db"]).write(sid, OWNER, accounts.update_settings, upi_id="sharma@okhdfc")
    who = root_at(server["db"]).write(sid, OWNER, customers.create_customer, name="रमेश नायर", phone="98450 77002",
                                      credit_limit="90000", language="hi")
    today = shop_today("Asia/Kolkata")
    sale = root_at(server["db"]).write(sid, OWNER, loans.create_loan, who["customer_id"], amount="2250.50",
                                       item="चावल 25 किलो", issue_date=today - timedelta(days=40),
                                       due_date=today - timedelta(days=10))
    root_at(server["db"]).write(sid, OWNER, loans.create_loan, who["customer_id"], amount="1000", item="दाल")
    root_at(server["db"]).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="250")
    token = root_at(server["db"]).read(sid, OWNER, customer_links.link_for, who["customer_id"])["token"]
    return {**who, "token": token}


def test_phone_page_in_hindi_pays_the_balance_shown_and_the_qr_is_the_same_link(server, browser, hindi_customer):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server['base']}/c?t={hindi_customer['token']}")
        idle(page)
        pay = page.locator('a[href^="upi://pay"]').first
        pay.wait_for(state="visible")
        page.get_by_text(hindi("Khata of {name}", name="रमेश नायर")).first.wait_for(state="visible")
        href = pay.get_attribute("href")
        shown_balance = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        balance = Decimal(re.sub(r"[^0-9.]", "", shown_balance))
        assert balance == Decimal("3000.50")
        assert hindi("Pay {amount} with UPI", amount=shown_balance) in pay.inner_text()  # the label, in Hindi
        query = parse_qs(urlsplit(href).query)
        assert href.startswith("upi://pay?") and Decimal(query["am"][0]) == balance and query["pa"] == ["sharma@okhdfc"]

        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= 390, f"the page scrolls sideways: {widths}"
        box = pay.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 38, box
        assert not page.locator('[data-testid="stSidebar"]').is_visible()

        qr = page.locator('[data-testid="stImage"] img').first
        qr.wait_for(state="visible")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        qr_file = SCREENSHOTS / "customer-link-qr.png"
        qr.screenshot(path=str(qr_file))
        decoded = subprocess.run(["zbarimg", "--raw", "-q", str(qr_file)], capture_output=True, text=True)
        assert decoded.stdout.strip() == href, decoded
        shot(page, "customer-link-phone-hindi")

        page.goto(f"{server['base']}/c?t={'Q' * 34}")
        idle(page)
        page.get_by_text("This link is not valid any more; ask the shop for a new one.").wait_for(state="visible")
        assert page.locator('a[href^="upi://pay"]').count() == 0
        assert "रमेश" not in page.inner_text("body")

        # logged in as the shop's owner in the same browser: the link still decides, no sidebar or menu
        page.goto(server["base"])
        idle(page)
        page.get_by_label("Username", exact=True).fill("linkphone")
        page.get_by_label("Password", exact=True).fill("Demo@1234")
        page.get_by_role("button", name="Log in").click()
        page.locator('[data-testid="stSidebar"]').first.wait_for(state="attached")
        idle(page)
        page.goto(f"{server['base']}/c?t={hindi_customer['token']}")
        idle(page)
        page.locator('a[href^="upi://pay"]').first.wait_for(state="visible")
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert not page.locator('[data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"]'
                                ).first.is_visible()
        assert "linkphone" not in page.inner_text("body")
        shot(page, "customer-link-logged-in-owner")
    finally:
        context.close()
