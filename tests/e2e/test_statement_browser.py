"""On a phone (390 px) the customer page shows the UPI QR and the two one-tap reminders without
horizontal scrolling; one tap opens WhatsApp and records the reminder."""
from __future__ import annotations

from datetime import timedelta

import pytest

from khata import accounts, customers, loans
from khata.dates import shop_today
from tests.conftest import make_shop
from tests.roots import OWNER, root_at

from .test_browser import expect_text, idle, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def owing(server):
    shop = make_shop(server["db"], "qrphone", shop_name="Meena Stores")
    sid = shop["shop_id"]
    root_at(server["db"]).write(sid, OWNER, accounts.update_settings, upi_id="meena@okicici")
    who = root_at(server["db"]).write(sid, OWNER, customers.create_customer, name="Lakshmi Rao", phone="98450 77001",
                                      credit_limit="9000")
    today = shop_today("Asia/Kolkata")
    root_at(server["db"]).write(sid, OWNER, loans.create_loan, who["customer_id"], amount="1250.50", item="Rice 25 kg",
                                issue_date=today - timedelta(days=20), due_date=today - timedelta(days=3))
    return who


def test_phone_customer_page_has_qr_and_reminder_buttons_without_sideways_scroll(server, browser, owing):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server["base"])
        idle(page)
        page.get_by_label("Username", exact=True).fill("qrphone")
        page.get_by_label("Password", exact=True).fill("Demo@1234")
        page.get_by_role("button", name="Log in").click()
        expect_text(page, "Outstanding")
        idle(page)
        page.goto(f"{server['base']}/customer?id={owing['customer_id']}")
        idle(page)
        expect_text(page, "Lakshmi Rao")
        page.get_by_text("Scan to pay", exact=False).first.wait_for(state="visible")
        qr = page.locator('[data-testid="stImage"] img').first
        qr.wait_for(state="visible")
        whatsapp = page.get_by_role("link", name="📲 Remind on WhatsApp")
        sms = page.get_by_role("link", name="✉️ Remind by SMS")
        assert whatsapp.is_visible() and sms.is_visible()
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
        for element in (qr, whatsapp, sms):
            box = element.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        shot(page, "phone-customer-qr-and-reminders")

        assert whatsapp.get_attribute("href").startswith("https://wa.me/919845077001?text=Namaste%20Lakshmi%20Rao")
        context.route("https://wa.me/**", lambda route: route.fulfill(body="<title>WhatsApp</title>",
                                                                      content_type="text/html"))
        with context.expect_page() as opened:  # one tap: WhatsApp opens and the reminder is recorded
            whatsapp.click()
        opened.value.wait_for_url("https://wa.me/919845077001?text=**")  # WhatsApp opened, with the message
        idle(page)
        link = page.get_by_role("link", name="Open WhatsApp again ↗")
        link.wait_for(state="visible")
        with root_at(server["db"]).connect() as con:
            assert con.execute("SELECT channel, status FROM reminder_outbox WHERE customer_id = ?",
                               [owing["customer_id"]]).fetchall() == [("whatsapp_manual", "opened")]
    finally:
        context.close()
