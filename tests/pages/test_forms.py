"""Each form: success and each refusal, checked in the database. A refusal shows the
core's message with st.error and keeps what was typed."""
from __future__ import annotations

from decimal import Decimal

from khata import accounts, customers, loans, principals, repayments
from khata.errors import CreditLimitExceeded
from tests.roots import OWNER, env_root

from .conftest import app, count, errors, find, keyed, open_page, shown, submit, texts

SHOP = 1  # the demo shop


def fill(at, values: dict):
    for prefix, value in values.items():
        keyed(at.text_input, prefix).input(value)
    return at


def successes(at):
    return [shown(s.value) for s in at.success]


# ---- customers ------------------------------------------------------------------------

def test_add_customer_success_clears_the_form(demo_db):
    at = open_page(app(), "customers.py")
    before = count("SELECT count(*) FROM customers")
    fill(at, {"ac_name_": "Farida Begum", "ac_phone_": "98450 11111", "ac_address_": "12, Lake Road",
              "ac_limit_": "2500"})
    submit(at, "Add customer")
    assert not errors(at)
    assert successes(at) == ["Added Farida Begum."]
    added = env_root().read(SHOP, OWNER, customers.list_customers, search="Farida")[0]
    assert added["phone"] == "+919845011111" and added["credit_limit"] == Decimal("2500.00")
    assert count("SELECT count(*) FROM customers") == before + 1
    assert keyed(at.text_input, "ac_name_").value == ""


def test_add_customer_refusals_keep_what_was_typed(demo_db):
    at = open_page(app(), "customers.py")
    taken = env_root().read(SHOP, OWNER, customers.list_customers)[0]
    before = count("SELECT count(*) FROM customers")
    fill(at, {"ac_name_": "Someone New", "ac_phone_": taken["phone"]})
    submit(at, "Add customer")
    assert errors(at) == [f"{taken['name']} already has the phone number {taken['phone']} in your book."]
    assert keyed(at.text_input, "ac_name_").value == "Someone New"
    fill(at, {"ac_phone_": "12345"})
    submit(at, "Add customer")
    assert "is not a valid phone number" in errors(at)[0] or "is not a phone number" in errors(at)[0]
    fill(at, {"ac_phone_": "98450 22222", "ac_limit_": "lots"})
    submit(at, "Add customer")
    assert errors(at) == ["Credit limit must be a number of rupees, like 250 or 99.50."]
    assert keyed(at.text_input, "ac_limit_").value == "lots"
    assert count("SELECT count(*) FROM customers") == before


def _customer_page(cid: int, username: str = "demo"):
    """The customer's own page, as a tap on their name in a list opens it (``/customer?id=N``)."""
    at = app(username)
    at.run()
    at.query_params["id"] = str(cid)
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert not at.exception, at.exception
    return at


def test_edit_customer_on_their_page(demo_db):
    person = env_root().read(SHOP, OWNER, customers.list_customers)[-1]  # the last by name: no "first 50"
    at = _customer_page(person["customer_id"])
    at.text_input(key=f"ce_name_{person['customer_id']}").input("Renamed Person")
    submit(at, "Save changes")
    assert not errors(at)
    assert env_root().read(SHOP, OWNER, customers.get_customer, person["customer_id"])["name"] == "Renamed Person"
    assert shown(at.title[0].value) == "Renamed Person"  # still on their page, showing the new name
    at.text_input(key=f"ce_limit_{person['customer_id']}").input("-5")
    submit(at, "Save changes")
    assert errors(at) == ["Credit limit cannot be negative."]
    assert env_root().read(SHOP, OWNER, customers.get_customer,
                           person["customer_id"])["credit_limit"] == person["credit_limit"]


def test_customers_list_has_no_edit_or_remove_pickers_any_more(demo_db):
    at = open_page(app(), "customers.py")
    assert not [s for s in at.selectbox if s.key in ("cu_open", "ce_pick", "cr_pick")]
    assert "Remove" not in [b.label for b in at.button]


def test_remove_customer_refused_while_owing_then_deleted_when_new(demo_db):
    owing = env_root().read(SHOP, OWNER, customers.list_customers, sort="outstanding", descending=True)[0]
    fresh = env_root().write(SHOP, OWNER, customers.create_customer, name="Temp Person", phone="98450 33333")
    at = _customer_page(owing["customer_id"])
    at.button(key=f"cr_button_{owing['customer_id']}").click().run()
    assert errors(at) == ["Tick the box to confirm first."]
    at.checkbox(key=f"cr_sure_{owing['customer_id']}").check().run()
    at.button(key=f"cr_button_{owing['customer_id']}").click().run()
    assert "still owes" in errors(at)[0]
    assert env_root().read(SHOP, OWNER, customers.get_customer, owing["customer_id"])
    at = _customer_page(fresh["customer_id"])
    at.checkbox(key=f"cr_sure_{fresh['customer_id']}").check().run()
    at.button(key=f"cr_button_{fresh['customer_id']}").click().run()
    assert not at.exception, at.exception
    assert count("SELECT count(*) FROM customers WHERE customer_id = ?", [fresh["customer_id"]]) == 0
    assert shown(at.title[0].value) == "Customers"  # back to the list, which says what happened
    assert [shown(s.value) for s in at.success] == ["Customer deleted."]


# ---- credit sales ---------------------------------------------------------------------

def _customer_with_room(minimum="100"):
    return next(c for c in env_root().read(SHOP, OWNER, customers.list_customers, sort="available_credit",
                                           descending=True)
                if c["available_credit"] >= Decimal(minimum))


def test_sale_success(demo_db):
    person = _customer_with_room()
    at = open_page(app(), "loans.py")
    before = count("SELECT count(*) FROM loans")
    find(at, "new_sale_find_", person["name"])
    keyed(at.selectbox, "new_sale_customer_").set_value(person["customer_id"])
    fill(at, {"new_sale_amount_": "450.50", "new_sale_item_": "Basmati rice 5 kg"})
    submit(at, "Record sale on credit")
    assert not errors(at)
    assert successes(at) and "₹450.50" in successes(at)[0]
    newest = env_root().read(SHOP, OWNER, loans.list_loans, customer_id=person["customer_id"], limit=1)[0]
    assert (newest["item"], newest["principal"]) == ("Basmati rice 5 kg", Decimal("450.50"))
    assert count("SELECT count(*) FROM loans") == before + 1
    assert keyed(at.text_input, "new_sale_amount_").value == ""  # a fresh form for the next sale


def test_sale_refusals(demo_db):
    person = _customer_with_room()
    at = open_page(app(), "loans.py")
    before = count("SELECT count(*) FROM loans")
    fill(at, {"new_sale_amount_": "100", "new_sale_item_": "Sugar"})
    submit(at, "Record sale on credit")
    assert errors(at) == ["Choose the customer."]
    find(at, "new_sale_find_", person["name"])
    keyed(at.selectbox, "new_sale_customer_").set_value(person["customer_id"])
    fill(at, {"new_sale_amount_": "10000000"})
    submit(at, "Record sale on credit")
    assert len(errors(at)) == 1 and "can take only" in errors(at)[0]
    try:
        env_root().write(SHOP, OWNER, loans.create_loan, person["customer_id"], amount="10000000", item="x")
    except CreditLimitExceeded as err:
        assert errors(at) == [str(err)]
    fill(at, {"new_sale_amount_": "12.345"})
    submit(at, "Record sale on credit")
    assert errors(at) == ["Amount can have at most 2 decimal places (paise)."]
    fill(at, {"new_sale_amount_": "50", "new_sale_item_": ""})
    submit(at, "Record sale on credit")
    assert errors(at) == ["Item is required."]
    assert keyed(at.text_input, "new_sale_amount_").value == "50"
    assert count("SELECT count(*) FROM loans") == before


def test_double_submit_posts_once(demo_db):
    """The form's token goes to the service: a second post of the same form changes nothing."""
    person = _customer_with_room()
    at = open_page(app(), "loans.py")
    token = at.session_state["_form_token_new_sale"]
    find(at, "new_sale_find_", person["name"])
    keyed(at.selectbox, "new_sale_customer_").set_value(person["customer_id"])
    fill(at, {"new_sale_amount_": "75", "new_sale_item_": "Tea"})
    # the first click reached the server and was saved; this is the second click
    first = env_root().write(SHOP, OWNER, loans.create_loan, person["customer_id"], amount="75", item="Tea",
                             idempotency_key=token)
    before = count("SELECT count(*) FROM loans")
    submit(at, "Record sale on credit")
    assert not errors(at)
    assert count("SELECT count(*) FROM loans") == before
    assert env_root().read(SHOP, OWNER, loans.list_loans, customer_id=person["customer_id"],
                           limit=1)[0]["loan_id"] == first["loan_id"]
    assert at.session_state["_form_token_new_sale"] != token


def test_reverse_sale(demo_db):
    person = _customer_with_room()
    paid_loan = next(l for l in env_root().read(SHOP, OWNER, loans.list_loans, status="paid"))
    fresh = env_root().write(SHOP, OWNER, loans.create_loan, person["customer_id"], amount="60", item="Eggs")
    at = open_page(app(), "loans.py")
    keyed(at.selectbox, "rl_loan_").set_value(paid_loan["loan_id"])
    fill(at, {"rl_reason_": "wrong customer"})
    submit(at, "Reverse sale")
    assert "reverse those first" in errors(at)[0]
    keyed(at.selectbox, "rl_loan_").set_value(fresh["loan_id"])
    fill(at, {"rl_reason_": ""})
    submit(at, "Reverse sale")
    assert errors(at) == ["Reason is required."]
    fill(at, {"rl_reason_": "typed twice"})
    submit(at, "Reverse sale")
    assert not errors(at)
    assert env_root().read(SHOP, OWNER, loans.get_loan, fresh["loan_id"])["status"] == "reversed"


def test_loan_list_filters_and_days_past_due(demo_db):
    at = open_page(app(), "loans.py")
    at.selectbox(key="lo_status").set_value("overdue").run()
    at.toggle(key="lo_all").set_value(True).run()  # status and days past due: behind "All columns"
    frame = at.dataframe[0].value
    assert set(frame["Status"]) == {"overdue"}
    assert (frame["Days past due"] > 0).all()
    assert len(frame) == len(env_root().read(SHOP, OWNER, loans.list_loans, status="overdue"))


# ---- repayments -----------------------------------------------------------------------

def test_customer_repayment_success_and_overpayment(demo_db):
    person = env_root().read(SHOP, OWNER, customers.list_customers, sort="outstanding", descending=True)[0]
    at = open_page(app(), "repayments.py")
    before = count("SELECT count(*) FROM repayments")
    find(at, "repay_customer_find_", person["name"])
    keyed(at.selectbox, "repay_customer_customer_").set_value(person["customer_id"])
    fill(at, {"repay_customer_amount_": "99999999"})
    submit(at, "Record repayment")
    assert "owes only" in errors(at)[0]
    assert keyed(at.text_input, "repay_customer_amount_").value == "99999999"
    fill(at, {"repay_customer_amount_": "100"})
    submit(at, "Record repayment")
    assert not errors(at)
    assert count("SELECT count(*) FROM repayments") >= before + 1
    after = env_root().read(SHOP, OWNER, customers.get_customer, person["customer_id"])
    assert after["outstanding"] == person["outstanding"] - Decimal("100")


def test_loan_repayment_and_reversal(demo_db):
    open_loan = env_root().read(SHOP, OWNER, loans.list_loans, status="overdue")[0]
    at = open_page(app(), "repayments.py")
    at.radio(key="rp_mode").set_value("One sale").run()
    find(at, "repay_loan_find", open_loan["customer_name"])
    at.selectbox(key="repay_loan_customer").set_value(open_loan["customer_id"]).run()
    keyed(at.selectbox, "repay_loan_loan_").set_value(open_loan["loan_id"])
    fill(at, {"repay_loan_amount_": "0"})
    submit(at, "Record repayment")
    assert errors(at) == ["Amount must be more than ₹0."]
    fill(at, {"repay_loan_amount_": "1.25"})
    submit(at, "Record repayment")
    assert not errors(at)
    assert env_root().read(SHOP, OWNER, loans.get_loan,
                           open_loan["loan_id"])["outstanding"] == open_loan["outstanding"] - Decimal("1.25")
    newest = env_root().read(SHOP, OWNER, repayments.list_repayments, loan_id=open_loan["loan_id"])["rows"][0]
    keyed(at.selectbox, "rr_pick_").set_value(newest["repayment_id"])
    submit(at, "Reverse repayment")
    assert errors(at) == ["Reason is required."]
    fill(at, {"rr_reason_": "entered twice"})
    submit(at, "Reverse repayment")
    assert not errors(at)
    assert env_root().read(SHOP, OWNER, loans.get_loan, open_loan["loan_id"])["outstanding"] == open_loan["outstanding"]


def test_repayment_history_totals(demo_db):
    at = open_page(app(), "repayments.py")
    from khata.money import format_inr
    assert {m.label: m.value for m in at.metric}["Total collected"] == format_inr(
        env_root().read(SHOP, OWNER, repayments.list_repayments)["total"])


# ---- account --------------------------------------------------------------------------

def test_shop_profile(demo_db):
    at = open_page(app(), "account.py")
    at.text_input(key="sp_upi").input("not a upi")
    submit(at, "Save profile")
    assert errors(at) == ["'not a upi' is not a UPI ID; it looks like shopname@okbank."]
    assert at.text_input(key="sp_upi").value == "not a upi"
    assert env_root().read(SHOP, OWNER, accounts.get_settings)["upi_id"] == "demokirana@okaxis"
    at.text_input(key="sp_upi").input("newkirana@okhdfc")
    at.text_input(key="sp_rem_days").input("1, 3, 10")
    submit(at, "Save profile")
    assert not errors(at)
    saved = env_root().read(SHOP, OWNER, accounts.get_settings)
    assert saved["upi_id"] == "newkirana@okhdfc" and saved["reminder_days"] == (1, 3, 10)


def test_change_password(demo_db):
    at = open_page(app(), "account.py")
    at.text_input(key="cp_old").input("Wrong@1234")
    at.text_input(key="cp_new").input("Demo@5678")
    at.text_input(key="cp_repeat").input("Demo@5678")
    submit(at, "Change password")
    assert errors(at) == ["The current password is incorrect."]
    at.text_input(key="cp_old").input("Demo@1234")
    at.text_input(key="cp_repeat").input("Demo@9999")
    submit(at, "Change password")
    assert errors(at) == ["The two new passwords are not the same."]
    at.text_input(key="cp_new").input("short")
    at.text_input(key="cp_repeat").input("short")
    submit(at, "Change password")
    assert errors(at) == [f"The password must be {accounts.PASSWORD_RULES}."]
    at.text_input(key="cp_new").input("Demo@5678")
    at.text_input(key="cp_repeat").input("Demo@5678")
    submit(at, "Change password")
    assert not errors(at)
    keeper = accounts.get_shopkeeper(env_root(), "demo")
    assert accounts.check_password("Demo@5678", keeper["password_hash"])
    at.run()  # this session changed it, so it stays logged in
    assert [t.value for t in at.title] == ["Account"]


# ---- reminders ------------------------------------------------------------------------

def test_reminders_page_opt_out(demo_db):
    person = next(c for c in env_root().read(SHOP, OWNER, customers.list_customers) if not c["whatsapp_opt_out"])
    at = open_page(app(), "reminders.py")
    assert "Sent" in texts(at)
    find(at, "rm_find", person["phone"][-5:])  # the last digits of the phone find them too
    at.selectbox(key="rm_pick").set_value(person["customer_id"]).run()
    at.toggle(key=f"rm_toggle_{person['customer_id']}").set_value(False).run()
    at.button(key="rm_save").click().run()
    assert not at.exception and not errors(at)
    assert env_root().read(SHOP, OWNER, customers.get_customer, person["customer_id"])["whatsapp_opt_out"] is True
    assert person["name"] in texts(at)


# ---- import & export ------------------------------------------------------------------

def test_import_all_or_nothing(demo_db):
    at = open_page(app(), "import_export.py")
    before = count("SELECT count(*) FROM customers")
    bad = b"name,phone\nGood Person,9845044444\nBad Person,123\n"
    at.file_uploader(key="im_file").upload("customers.csv", bad, "text/csv").run()
    at.button(key="im_go").click().run()
    assert not at.exception
    assert errors(at) and errors(at)[0].startswith("Nothing was imported: 1 row(s) need fixing.")
    assert at.dataframe[0].value["Line"].tolist() == [3]
    assert count("SELECT count(*) FROM customers") == before
    good = b"name,phone,opening_balance\nGood Person,9845044444,250\nOther Person,9845055555,\n"
    at.file_uploader(key="im_file").upload("customers.csv", good, "text/csv").run()
    at.button(key="im_go").click().run()
    assert not errors(at)
    assert count("SELECT count(*) FROM customers") == before + 2
    assert "Imported 2 customer(s)" in successes(at)[0]


def test_exports_are_formula_safe(demo_db):
    env_root().write(SHOP, OWNER, customers.create_customer, name="=HYPERLINK(\"http://x\")", phone="98450 66666",
                     notes="+cmd|' /C calc'!A0")
    from dashboard import exports
    data = exports.export_csv("customers", SHOP, str(demo_db), who=principals.owner("demo"))().decode("utf-8-sig")
    assert "'=HYPERLINK" in data and "'+cmd" in data
    assert "\n=HYPERLINK" not in data and ",=HYPERLINK" not in data
    at = open_page(app(), "import_export.py")
    labels = {b.label for b in at.get("download_button")}
    assert {"⬇️ Customers", "⬇️ Credit sales", "⬇️ Repayments"} <= labels
