"""Every address is a page, in a real browser: `/overview?lang=hi` opened logged out shows the
Hindi login form (no English "Page not found") and, after the login, the Overview; opened by a
staff member before their first password, the Hindi first-password form and then the Overview."""
from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from khata import principals, staff
from tests.catalogs import compiled, hindi
from tests.conftest import make_shop
from tests.roots import root_at

from .test_browser import VIEWPORTS, idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(server):
    compiled()  # the server reads the catalogs from disk when a page asks for Hindi
    owner = make_shop(server["db"], "landshop", shop_name="Landing Kirana")
    root_at(server["db"]).write(owner["shop_id"], principals.owner("landshop"), staff.add_staff,
                                username="meera", name="Meera", password="First@1234")
    return owner


def _open(browser, url):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    idle(page)
    return context, page


def _log_in_in_hindi(page, username, password):
    page.locator(f'input[aria-label="{hindi("Username")}"]').fill(username)
    page.get_by_label(hindi("Password"), exact=True).fill(password)
    page.get_by_role("button", name=hindi("Log in")).click()
    idle(page)


def _heading(page, text):
    page.get_by_role("heading", name=text).first.wait_for(state="visible")
    idle(page)


def _no_english_box(page):
    body = page.inner_text("body")
    assert "Page not found" not in body and "Traceback" not in body, body[:500]


def test_overview_bookmark_in_hindi_logged_out(server, browser, shop):
    context, page = _open(browser, server["base"] + "/overview?lang=hi")
    try:
        page.get_by_role("button", name=hindi("Log in")).wait_for(state="visible")
        _no_english_box(page)
        _log_in_in_hindi(page, "landshop", "Demo@1234")
        _heading(page, hindi("Overview"))
        _no_english_box(page)
    finally:
        context.close()


def test_overview_bookmark_in_hindi_before_the_first_password(server, browser, shop):
    context, page = _open(browser, server["base"] + "/overview?lang=hi")
    try:
        _log_in_in_hindi(page, "meera", "First@1234")
        _heading(page, hindi("Choose your password"))
        _no_english_box(page)
        page.reload()  # the bookmark again, now with the login cookie: still the first-password form
        idle(page)
        _heading(page, hindi("Choose your password"))
        _no_english_box(page)
        page.get_by_label(hindi("Password you were given"), exact=True).fill("First@1234")
        page.get_by_label(hindi("New password"), exact=True).fill("Meera@5678")
        page.get_by_label(hindi("Repeat new password"), exact=True).fill("Meera@5678")
        page.get_by_role("button", name=hindi("Save password")).click()
        idle(page)
        _heading(page, hindi("Overview"))
        _no_english_box(page)
    finally:
        context.close()


def test_a_staff_login_at_an_owner_page_gets_a_translated_refusal(server, browser, shop):
    context, page = _open(browser, server["base"] + "/audit?lang=hi")
    try:
        _log_in_in_hindi(page, "meera", "Meera@5678")
        page.get_by_text(hindi("Only the shop owner can see the audit log.")).first.wait_for(state="visible")
        _no_english_box(page)
    finally:
        context.close()


DEEP_LINKS = ("customers", "loans", "repayments", "remind-today", "reminders", "account", "import", "audit")


def test_twenty_deep_links_land_on_their_page_while_the_machine_is_busy(server, browser, shop):
    """Each deep link opens a new session whose login comes from the cookie (and the cookie's own
    rerun names no page): it must land on its page, however slow the server is. Two processes
    spin on the CPU meanwhile."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server["base"] + "/login?lang=hi")
        idle(page)
        _no_english_box(page)
        _log_in_in_hindi(page, "landshop", "Demo@1234")
        _heading(page, hindi("Overview"))
        missed = []
        for n in range(20):
            path = DEEP_LINKS[n % len(DEEP_LINKS)]
            tab = context.new_page()
            tab.set_default_timeout(60_000)
            tab.goto(f"{server['base']}/{path}?lang=hi&n={n}")
            idle(tab, timeout=60_000)
            tab.wait_for_timeout(1_500)  # a late rerun (the cookie's) would move the page now
            idle(tab, timeout=60_000)
            landed = urlsplit(tab.url).path.strip("/")
            if landed != path or f"n={n}" not in tab.url:
                missed.append((path, tab.url))
            _no_english_box(tab)
            tab.close()
        assert not missed, missed
    finally:
        context.close()
        for burner in burners:
            burner.kill()
            burner.wait()
