"""The shopkeeper's whole path in a real browser, on a laptop and on a phone (390x844):
sign up, log in, add a customer, sell on credit, record a partial repayment, see the
numbers on the overview and the statement, reload and stay logged in, log out, and
be asked to log in on a deep link."""
from __future__ import annotations

import csv
import io

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def idle(page, timeout=30_000):
    page.wait_for_load_state("domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def expect_text(page, text, timeout=30_000):
    page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=timeout)


def choose(page, label, text, attempts=3):
    """Pick an option of a selectbox by typing part of it (retried: a rerun may
    redraw the list while it is open)."""
    for attempt in range(attempts):
        idle(page)
        box = page.get_by_label(label, exact=True).first
        box.click()
        page.keyboard.type(text)
        try:
            page.get_by_role("option").filter(has_text=text).first.click(timeout=5_000)
        except Exception:  # noqa: BLE001 - detached while redrawn; try again
            page.keyboard.press("Escape")
            if attempt == attempts - 1:
                raise
            continue
        idle(page)
        chosen = page.get_by_label(label, exact=True).first
        shown = chosen.input_value() if chosen.evaluate("e => e.tagName") == "INPUT" else chosen.inner_text()
        if text in shown:
            return
    raise AssertionError(f"could not choose {text!r} in {label!r}")


def search_customer(page, text):
    """Type in the first 'Find a customer' box, no Enter: it narrows as you type (it commits
    after a 300 ms pause), and the picker below then offers the matches (a big shop's picker
    never carries every customer)."""
    idle(page)
    box = page.get_by_label("Find a customer (name or phone)", exact=True).first
    box.wait_for(state="visible", timeout=60_000)  # a loaded machine can take a while to draw the form
    box.fill(text)
    page.wait_for_timeout(800)  # the typing pause, then the rerun it starts
    idle(page)


def open_sidebar(page):
    for selector in ('[data-testid="stExpandSidebarButton"]', '[data-testid="stSidebarCollapsedControl"] button'):
        button = page.locator(selector)
        if button.count() and button.first.is_visible():
            button.first.click()
            page.wait_for_timeout(500)
            return


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_shopkeeper_path(server, browser, viewport):
    base = server["base"]
    user = f"e2e{viewport}"
    customer = f"Lakshmi {viewport.capitalize()}"
    phone = {"desktop": "98450 12001", "phone": "98450 12002"}[viewport]
    context = browser.new_context(viewport=VIEWPORTS[viewport], accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        # sign up
        page.goto(f"{base}/signup")
        idle(page)
        page.get_by_label("Your name", exact=True).fill("Ravi Kumar")
        page.get_by_label("Shop name", exact=True).fill(f"Ravi Kirana {viewport}")
        page.get_by_label("Username", exact=True).fill(user)
        page.get_by_label("Email", exact=True).fill(f"{user}@example.in")
        page.get_by_label("Phone", exact=True).fill("98765 43210")
        page.get_by_label("Password", exact=True).fill("Ravi@2026")
        page.get_by_label("Repeat password", exact=True).fill("Ravi@2026")
        shot(page, f"{viewport}-01-signup")
        page.get_by_role("button", name="Create my shop").click()
        expect_text(page, "Your shop is ready")
        idle(page)

        # log in
        page.goto(base)
        idle(page)
        page.get_by_label("Username", exact=True).fill(user)
        page.get_by_label("Password", exact=True).fill("Ravi@2026")
        page.get_by_role("button", name="Log in").click()
        expect_text(page, "Your book is empty")
        idle(page)
        shot(page, f"{viewport}-02-empty-overview")

        # add a customer (a deep link: the cookie keeps us logged in)
        page.goto(f"{base}/customers")
        idle(page)
        page.get_by_label("Name", exact=True).fill(customer)
        page.get_by_label("Phone", exact=True).fill(phone)
        page.get_by_label("Credit limit (₹)", exact=True).fill("5000")
        page.get_by_role("button", name="Add customer").click()
        expect_text(page, f"Added {customer}.")
        idle(page)

        # sell on credit
        page.goto(f"{base}/loans")
        idle(page)
        search_customer(page, phone[-5:])  # the last digits of the phone find them
        choose(page, "Customer", customer)
        page.get_by_label("Amount (₹)", exact=True).fill("1250.50")
        page.get_by_label("Item", exact=True).fill("Rice 25 kg")
        page.get_by_role("button", name="Record sale on credit").click()
        expect_text(page, "Recorded ₹1,250.50 for Rice 25 kg")
        idle(page)
        shot(page, f"{viewport}-03-sale")

        # partial repayment
        page.goto(f"{base}/repayments")
        idle(page)
        search_customer(page, customer)
        choose(page, "Customer", customer)
        page.get_by_label("Amount (₹)", exact=True).fill("400")
        page.get_by_role("button", name="Record repayment").click()
        expect_text(page, "Recorded a repayment of ₹400.00")
        idle(page)

        # overview numbers
        page.goto(base)  # the overview is the default page, at /
        idle(page)
        expect_text(page, "Outstanding")
        outstanding = page.locator('[data-testid="stMetric"]').filter(has_text="Outstanding").first
        assert "₹850.50" in outstanding.inner_text()
        collected = page.locator('[data-testid="stMetric"]').filter(has_text="Collected this month").first
        assert "₹400.00" in collected.inner_text()
        page.locator(".js-plotly-plot").first.wait_for(state="visible")
        assert page.get_by_text("Page not found").count() == 0
        shot(page, f"{viewport}-04-overview")

        # the customer's statement
        page.goto(f"{base}/customers")
        idle(page)
        page.get_by_role("link", name=customer, exact=True).click()  # one tap on the name in the list
        expect_text(page, "Owes you")
        idle(page)
        owes = page.locator('[data-testid="stMetric"]').filter(has_text="Owes you").first
        assert "₹850.50" in owes.inner_text()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download statement (CSV)").click()
        rows = list(csv.DictReader(io.StringIO(open(download_info.value.path(), encoding="utf-8-sig").read())))
        assert [r["Entry"] for r in rows] == ["sale", "repayment"]
        assert [r["Balance"] for r in rows] == ["1250.50", "850.50"]
        shot(page, f"{viewport}-05-statement")

        # reload: still logged in, same page
        page.reload()
        idle(page)
        expect_text(page, "Owes you")
        assert page.get_by_role("button", name="Log in").count() == 0

        # log out
        open_sidebar(page)
        page.get_by_role("button", name="Log out").click()
        expect_text(page, "Log in")
        idle(page)
        page.get_by_label("Username", exact=True).wait_for(state="visible")
        shot(page, f"{viewport}-06-logged-out")

        # a deep link after logout asks to log in, shows no data
        page.goto(f"{base}/loans")
        idle(page)
        page.get_by_label("Username", exact=True).wait_for(state="visible")
        page.get_by_role("button", name="Log in").wait_for(state="visible")  # the form draws in steps
        assert page.get_by_role("button", name="Log in").count() == 1
        assert page.get_by_text("Credit sales").count() == 0
        assert page.get_by_text(customer).count() == 0
        assert page.get_by_text("Page not found").count() == 0
        shot(page, f"{viewport}-07-deep-link")
    except Exception:
        shot(page, f"{viewport}-failure")
        raise
    finally:
        context.close()
