"""The customer's own page through the app (AppTest): a valid link shows its one customer with
the shop's text as typed; a wrong, revoked or expired link shows one neutral page; the link,
not a login in the same browser, decides; the shopkeeper sees the opening and (owner only) ends
the link."""
# ruff: noqa: F811 - marked_shop, a fixture imported from test_markup, is every test's argument
from __future__ import annotations

from datetime import timedelta

import pytest

from khata import customer_links, customers, staff
from khata.dates import shop_today
from khata.money import format_inr
from tests.conftest import make_shop
from tests.roots import OWNER, root_at

from .conftest import app, by_label, shown, texts
from .test_markup import (  # noqa: F401 - marked_shop is a fixture
    ASHA,
    BABU,
    ITEM,
    NOTE,
    PAYLOADS,
    REASON,
    SHOP_NAME,
    assert_no_live_markup,
    marked_shop,
)

NEUTRAL = "This link is not valid any more; ask the shop for a new one."
PAGE = "dashboard/app_pages/customer_link.py"


def token_for(shop, who="asha"):
    return root_at(None).read(shop["shop_id"], OWNER, customer_links.link_for, shop[who])["token"]


def open_link(token: str, username: str | None = None):
    at = app(username)
    at.run()
    at.query_params["t"] = token
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def assert_neutral(at):
    assert [w.value for w in at.warning] == [NEUTRAL]
    assert not at.metric and not at.dataframe and not at.link_button and not at.download_button
    shown_text = texts(at)
    for secret in ("Asha", "Babu", "Shop", "Rice", "₹"):
        assert secret not in shown_text


def test_a_valid_link_shows_its_customer_as_typed_and_pays_by_upi(marked_shop):
    at = open_link(token_for(marked_shop))
    assert_no_live_markup(at, "customer_link.py")
    assert shown(at.title[0].value) == SHOP_NAME
    assert ASHA in shown(at.subheader[0].value)
    due = root_at(None).read(marked_shop["shop_id"], OWNER, customers.owed_by, marked_shop["asha"])
    assert at.metric[0].value == format_inr(due)
    everything = texts(at)
    assert ITEM in everything  # tables hold the text raw (shown as typed)
    for private in (BABU, NOTE, REASON, " ".join(PAYLOADS), "98450"):
        assert private not in everything, private
    assert not at.sidebar.markdown and not at.text_input  # no shop sidebar, no login form
    # the shop has no UPI id here: "Pay at the shop" and no pay button
    assert "Pay at the shop." in [i.value for i in at.info]


def test_the_pay_button_is_the_upi_link_for_the_whole_amount(marked_shop):
    from khata import accounts
    root_at(None).write(marked_shop["shop_id"], OWNER, accounts.update_settings, upi_id="marked@okaxis")
    at = open_link(token_for(marked_shop))
    due = root_at(None).read(marked_shop["shop_id"], OWNER, customers.owed_by, marked_shop["asha"])
    pay = by_label(at.link_button, f"Pay {format_inr(due)} with UPI")
    assert pay.proto.url.startswith("upi://pay?pa=marked@okaxis&") and f"&am={due:.2f}&" in pay.proto.url
    assert len(at.get("image")) == 1, "the QR code of the same link"
    assert by_label(at.download_button, "⬇️ Statement (PDF)")


@pytest.mark.parametrize("how", ["wrong", "changed", "revoked", "expired", "none"])
def test_a_bad_link_shows_one_neutral_page(marked_shop, how):
    token = token_for(marked_shop)
    if how == "wrong":
        token = "A" * 34
    elif how == "changed":
        token = token[:10] + ("B" if token[10] != "B" else "C") + token[11:]
    elif how == "revoked":
        root_at(None).write(marked_shop["shop_id"], OWNER, customer_links.revoke_link, marked_shop["asha"])
    elif how == "expired":
        old = shop_today("Asia/Kolkata") - timedelta(days=customer_links.link_days() + 2)
        token = customer_links.make_token(marked_shop["shop_id"], marked_shop["asha"], 0, old)
    elif how == "none":
        token = ""
    assert_neutral(open_link(token))


def test_the_link_decides_not_a_login_in_the_same_browser(marked_shop, db_file):
    other = make_shop(db_file, "othershop", shop_name="Other Stores")
    # logged in as another shop's owner: the link still shows the marked shop's Asha, nothing of Other Stores
    at = open_link(token_for(marked_shop), "othershop")
    assert shown(at.title[0].value) == SHOP_NAME and "Other Stores" not in texts(at)
    # logged in as the marked shop's own owner, a bad link shows nothing either
    assert_neutral(open_link("Z" * 34, "marked"))
    assert other["shop_id"] != marked_shop["shop_id"]


def test_one_customer_only_and_the_shopkeeper_sees_the_opening(marked_shop):
    at = open_link(token_for(marked_shop, "babu"))
    assert BABU in shown(at.subheader[0].value) and ASHA not in texts(at)
    owner = app("marked")
    owner.run()
    owner.session_state["customer_id"] = marked_shop["babu"]
    owner.switch_page("dashboard/app_pages/customer.py").run()
    captions = [shown(c.value) for c in owner.caption]
    assert any(c.startswith("👀 Opened the link on ") for c in captions), captions
    fresh = app("marked")
    fresh.run()
    fresh.session_state["customer_id"] = marked_shop["asha"]
    fresh.switch_page("dashboard/app_pages/customer.py").run()
    assert "Has not opened the link yet." in [shown(c.value) for c in fresh.caption]


def test_only_the_owner_is_offered_to_end_the_link_and_it_ends(marked_shop):
    root_at(None).write(marked_shop["shop_id"], OWNER, staff.add_staff, username="sunil", name="Sunil",
                        password="Staff@1234")
    root_at(None).in_transaction(
        lambda con: con.execute("UPDATE shopkeepers SET must_change_password = FALSE WHERE username = 'sunil'"))
    token = token_for(marked_shop)
    clerk = app("sunil")
    clerk.run()
    clerk.session_state["customer_id"] = marked_shop["asha"]
    clerk.switch_page("dashboard/app_pages/customer.py").run()
    assert "End this link" not in [b.label for b in clerk.button]
    owner = app("marked")
    owner.run()
    owner.session_state["customer_id"] = marked_shop["asha"]
    owner.switch_page("dashboard/app_pages/customer.py").run()
    by_label(owner.button, "End this link").click()
    owner.run()
    assert not owner.exception, owner.exception
    assert any("now shows" in shown(s.value) for s in owner.success)
    assert_neutral(open_link(token))
    assert open_link(token_for(marked_shop)).metric  # the new link works
