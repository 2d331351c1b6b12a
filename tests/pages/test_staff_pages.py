"""Every page as a staff login (AppTest): what the role cannot do is not offered, the
counter work is; requests reach the owner's Overview; a disabled login ends at once."""
from __future__ import annotations

import time

import pytest

from dashboard import auth, exports, reads
from khata import accounts, approvals, customers, loans, principals, repayments, staff
from khata.errors import NotAllowed
from tests.pages.conftest import app, by_label, count, errors, keyed, open_page, submit, texts
from tests.roots import OWNER, env_root, root_at

SHOP = 1
PAGES = ["overview.py", "customers.py", "customer.py", "loans.py", "repayments.py", "remind_today.py",
         "reminders.py", "account.py"]


@pytest.fixture
def sunil(demo_db):
    """A staff login of the demo shop that already chose its own password."""
    root_at(demo_db).write(SHOP, principals.owner("demo"), staff.add_staff, username="sunil", name="Sunil Rao",
                           password="Staff@1234")
    accounts.change_password(root_at(demo_db), "sunil", "Staff@1234", "Mine@5678")
    return "sunil"


def fill(at, values: dict):
    for prefix, value in values.items():
        keyed(at.text_input, prefix).input(value)


def buttons(at) -> list[str]:
    return [b.label for b in at.button] + [b.label for b in at.get("form_submit_button")]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_as_staff_offers_no_owner_action(sunil, page):
    at = app(sunil)
    at.run()
    if page == "customer.py":
        at.session_state["customer_id"] = env_root().read(SHOP, OWNER, customers.list_customers)[0]["customer_id"]
    at.switch_page(f"dashboard/app_pages/{page}").run()
    assert not at.exception, at.exception
    assert not errors(at)
    labels = buttons(at)
    assert not {"Reverse sale", "Reverse repayment", "Remove", "Save profile", "Add login", "Import"} & set(labels)
    downloads = [d.label for d in at.get("download_button")]
    if page == "customer.py":  # the customer's own statement, to share with them
        assert all("Statement" in label or "statement" in label for label in downloads)
    else:
        assert downloads == [], downloads
    shown = texts(at)
    assert "Shop profile" not in shown and "Staff logins" not in shown
    if page in ("loans.py", "repayments.py"):
        assert "Ask for reversal" in labels
    if page == "customers.py":
        assert not [t for t in at.text_input if (t.key or "").startswith(("ac_limit_", "ce_limit_"))]
    if page == "account.py":
        assert "Change password" in labels and "staff" in shown


@pytest.mark.parametrize("page", ["import_export.py", "audit.py"])
def test_owner_pages_are_not_in_a_staff_menu(sunil, page):
    at = app(sunil)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in a staff menu
        at.switch_page(f"dashboard/app_pages/{page}").run()
    owner = open_page(app("demo"), page)
    assert not owner.exception


def test_staff_request_reaches_the_owner_who_approves(sunil, demo_db):
    person = next(c for c in env_root().read(SHOP, OWNER, customers.list_customers) if c["available_credit"] > 100)
    sale = env_root().write(SHOP, principals.staff("sunil"), loans.create_loan, person["customer_id"], amount="60",
                            item="Eggs")
    at = open_page(app(sunil), "loans.py")
    keyed(at.selectbox, "rl_loan_").set_value(sale["loan_id"])
    fill(at, {"rl_reason_": "wrong customer"})
    submit(at, "Ask for reversal")
    assert not errors(at)
    assert "Asked the owner" in texts(at)
    assert count("SELECT count(*) FROM reversals WHERE entry_id = ?", [sale["loan_id"]]) == 0
    mine = open_page(app(sunil), "overview.py")
    assert "Your requests waiting for the owner" in texts(mine)
    assert not [b for b in mine.button if b.label == "Approve"]

    owner = open_page(app("demo"), "overview.py")
    assert "Waiting for your approval" in texts(owner) and "wrong customer" in texts(owner)
    request = env_root().read(SHOP, OWNER, approvals.list_approvals)[0]
    owner.button(key=f"approve_{request['approval_id']}").click().run()
    assert not owner.exception and not errors(owner)
    assert env_root().read(SHOP, OWNER, loans.loan_row, sale["loan_id"])["status"] == "reversed"
    assert "Waiting for your approval" not in texts(owner)


def test_owner_rejects_and_nothing_changes(sunil):
    paid = env_root().read(SHOP, OWNER, repayments.list_repayments, limit=1)["rows"][0]
    asked = env_root().write(SHOP, principals.staff("sunil"), approvals.request_reversal, "repayment",
                             paid["repayment_id"], reason="twice")
    owner = open_page(app("demo"), "overview.py")
    owner.button(key=f"reject_{asked['approval_id']}").click().run()
    assert not owner.exception
    assert count("SELECT count(*) FROM reversals WHERE entry_type = 'repayment' AND entry_id = ?",
                 [paid["repayment_id"]]) == 0
    assert env_root().read(SHOP, OWNER, approvals.approval_row, asked["approval_id"])["status"] == "rejected"


def test_disabled_staff_session_ends_on_the_next_run(sunil):
    at = open_page(app(sunil), "customers.py")
    assert at.title[0].value == "Customers"
    env_root().write(SHOP, principals.owner("demo"), staff.set_staff_active, "sunil", False)
    at.run()
    assert [t.value for t in at.title] == ["📒 Credikhaata"]
    assert "turned off by the shop owner" in texts(at)
    assert "Demo Kirana" not in texts(at)


def test_disabled_staff_cookie_is_refused(sunil):
    cfg = auth.AuthSettings(cookie_key="k" * 40, cookie_days=30)
    token = auth.make_token("sunil", cfg)
    assert auth.token_is_current(token, auth.load_credentials())
    env_root().write(SHOP, principals.owner("demo"), staff.set_staff_active, "sunil", False)
    assert not auth.token_is_current(token, auth.load_credentials())
    assert auth._notice_for(token, auth.load_credentials()) == accounts.DISABLED


def test_first_login_must_choose_a_password_before_anything_else(demo_db):
    env_root().write(SHOP, principals.owner("demo"), staff.add_staff, username="tara", name="Tara",
                     password="First@1234")
    at = app(None)
    at.run()
    at.text_input(key="login_user").input("tara")
    at.text_input(key="login_password").input("First@1234")
    submit(at, "Log in")
    at.run()
    assert [t.value for t in at.title] == ["Choose your password"]
    assert not at.metric and not at.dataframe
    at.text_input(key="fp_old").input("First@1234")
    at.text_input(key="fp_new").input("Tara@5678")
    at.text_input(key="fp_repeat").input("Tara@9999")
    submit(at, "Save password")
    assert errors(at) == ["The two new passwords are not the same."]
    at.text_input(key="fp_repeat").input("Tara@5678")
    submit(at, "Save password")
    assert not at.exception
    at.run()
    assert [t.value for t in at.title] == ["Overview"]
    assert not accounts.get_shopkeeper(env_root(), "tara")["must_change_password"]


def test_owner_adds_and_disables_staff_on_the_account_page(demo_db):
    at = open_page(app("demo"), "account.py")
    fill(at, {"as_name_": "Kiran Das", "as_user_": "kiran", "as_pw_": "weak"})
    submit(at, "Add login")
    assert "password must be" in errors(at)[0]
    assert accounts.get_shopkeeper(env_root(), "kiran") is None
    fill(at, {"as_pw_": "Kiran@1234"})
    submit(at, "Add login")
    assert not errors(at)
    kiran = accounts.get_shopkeeper(env_root(), "kiran")
    assert kiran["role"] == "staff" and kiran["must_change_password"] and kiran["shop_id"] == SHOP
    at.selectbox(key="ms_pick").set_value("kiran").run()
    by_label(at.button, "Disable").click().run()
    assert not at.exception
    assert not accounts.get_shopkeeper(env_root(), "kiran")["active"]
    assert "kiran" in at.dataframe[0].value.to_csv() and "disabled" in at.dataframe[0].value.to_csv()
    time.sleep(0.01)
    with pytest.raises(accounts.AuthError):
        accounts.authenticate(env_root(), "kiran", "Kiran@1234")


def test_audit_page_filters(sunil):
    accounts.authenticate(env_root(), "sunil", "Mine@5678")
    at = open_page(app("demo"), "audit.py")
    assert not errors(at)
    at.selectbox(key="au_who").set_value("sunil").run()
    frame = at.dataframe[0].value
    assert set(frame["Who"]) == {"sunil"} and "Logged in" in set(frame["What happened"])
    at.selectbox(key="au_action").set_value("change_password").run()
    assert set(at.dataframe[0].value["What happened"]) == {"Changed the password"}


@pytest.mark.parametrize("make", [
    lambda: exports.export_csv("customers", SHOP, reads.db_key(), who=principals.staff("sunil")),
    lambda: exports.customers_xlsx(SHOP, reads.db_key(), "", "name", False, False, who=principals.staff("sunil")),
    lambda: exports.sales_xlsx(SHOP, reads.db_key(), None, None, None, None, who=principals.staff("sunil")),
    lambda: exports.repayments_xlsx(SHOP, reads.db_key(), None, None, None, who=principals.staff("sunil")),
])
def test_a_staff_download_is_refused_by_khata_not_only_hidden(sunil, make):
    with pytest.raises(NotAllowed, match="Only the shop owner can download"):
        make()()
