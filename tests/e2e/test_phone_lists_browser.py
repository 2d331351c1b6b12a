"""Phone-first lists in a real browser at 390x844 (Debian's Chromium): the Customers list fits
the screen and a tap on a name opens that customer's page; on Remind today one tap on WhatsApp
opens wa.me (intercepted: no network here) and records the reminder once, read back from the
book; the same in Hindi."""
from __future__ import annotations

from datetime import timedelta

import pytest

from khata import customers, loans
from khata.dates import shop_today
from tests.catalogs import compiled, hindi
from tests.conftest import make_shop
from tests.roots import OWNER, root_at

from .test_browser import expect_text, idle, shot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
PEOPLE = (("Anita Desai", "98450 55001"), ("Bharat Joshi", "98450 55002"), ("Chitra Nair", "98450 55003"))


@pytest.fixture(scope="module")
def shop(server):
    """A shop with three customers, each overdue (so each is on Remind today)."""
    made = make_shop(server["db"], "tapshop", shop_name="Tap Stores")
    sid, today, ids = made["shop_id"], shop_today("Asia/Kolkata"), {}
    for name, phone in PEOPLE:
        who = root_at(server["db"]).write(sid, OWNER, customers.create_customer, name=name, phone=phone,
                                          credit_limit="9000")
        root_at(server["db"]).write(sid, OWNER, loans.create_loan, who["customer_id"], amount="700", item="Dal",
                                    issue_date=today - timedelta(days=25), due_date=today - timedelta(days=5))
        ids[name] = who["customer_id"]
    return {"sid": sid, "ids": ids}


@pytest.fixture
def phone_page(server, browser, shop):
    compiled()  # the Hindi catalog, read from disk by the server
    context = browser.new_context(viewport=PHONE)
    context.route("https://wa.me/**", lambda route: route.fulfill(body="<title>WhatsApp</title>",
                                                                  content_type="text/html"))
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server["base"])
    idle(page)
    page.get_by_label("Username", exact=True).fill("tapshop")
    page.get_by_label("Password", exact=True).fill("Demo@1234")
    page.get_by_role("button", name="Log in").click()
    expect_text(page, "Outstanding")
    idle(page)
    yield page
    context.close()


def _reminders(server, customer_id):
    with root_at(server["db"]).connect() as con:
        return con.execute("SELECT channel, status FROM reminder_outbox WHERE customer_id = ?",
                           [customer_id]).fetchall()


def _no_sideways(page, where):
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= 390 and widths[0] <= widths[1], f"{where} scrolls sideways: {widths}"


def test_a_tap_on_a_name_in_the_customers_list_opens_their_page(server, shop, phone_page):
    page = phone_page
    page.goto(f"{server['base']}/customers")
    idle(page)
    link = page.get_by_role("link", name="Bharat Joshi", exact=True)
    link.wait_for(state="visible")
    _no_sideways(page, "the Customers list")
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    expect_text(page, "₹700.00 overdue")
    shot(page, "phone-customers-list")
    link.click()
    page.wait_for_url(f"**/customer?id={shop['ids']['Bharat Joshi']}", timeout=30_000)
    idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Bharat Joshi"
    expect_text(page, "Owes you")
    _no_sideways(page, "the customer page")


def test_one_tap_on_remind_today_opens_whatsapp_and_records_once(server, shop, phone_page):
    page, cid = phone_page, shop["ids"]["Anita Desai"]
    page.goto(f"{server['base']}/remind-today")
    idle(page)
    card = page.locator('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]').filter(
        has=page.get_by_role("link", name="Anita Desai", exact=True)).last
    tap = card.get_by_role("link", name="📲 Remind on WhatsApp")
    tap.wait_for(state="visible")
    _no_sideways(page, "Remind today")
    assert _reminders(server, cid) == []
    with page.context.expect_page() as opened:
        tap.click()
    opened.value.wait_for_url("https://wa.me/919845055001?text=**")  # WhatsApp opened, with the message
    idle(page)
    card.get_by_text("✓ Reminded on WhatsApp today").wait_for(state="visible")
    assert _reminders(server, cid) == [("whatsapp_manual", "opened")]
    again = card.get_by_role("link", name="Open WhatsApp again ↗")
    with page.context.expect_page() as reopened:
        again.click()
    reopened.value.wait_for_url("https://wa.me/919845055001?text=**")  # WhatsApp opened, with the message
    page.wait_for_timeout(800)
    idle(page)
    assert _reminders(server, cid) == [("whatsapp_manual", "opened")]  # open again records nothing
    shot(page, "phone-remind-today-after-tap")
    # the name on the card opens the customer too
    card.get_by_role("link", name="Anita Desai", exact=True).click()
    page.wait_for_url(f"**/customer?id={cid}", timeout=30_000)


def test_one_tap_in_hindi(server, shop, phone_page):
    page, cid = phone_page, shop["ids"]["Chitra Nair"]
    page.goto(f"{server['base']}/remind-today?lang=hi")
    idle(page)
    expect_text(page, hindi("Remind today"))
    card = page.locator('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]').filter(
        has=page.get_by_role("link", name="Chitra Nair", exact=True)).last
    tap = card.get_by_role("link", name=hindi("📲 Remind on WhatsApp"))
    tap.wait_for(state="visible")
    _no_sideways(page, "Remind today in Hindi")
    with page.context.expect_page() as opened:
        tap.click()
    opened.value.wait_for_url("https://wa.me/919845055003?text=**")  # WhatsApp opened, with the message
    idle(page)
    card.get_by_text(hindi("✓ Reminded on WhatsApp today")).wait_for(state="visible")
    assert _reminders(server, cid) == [("whatsapp_manual", "opened")]
    shot(page, "phone-remind-today-hindi")
