"""Every service x role: allowed or refused, and a refusal changes nothing.

The list of services is found, not typed: every public function in ``khata`` whose
first parameter is the Book. A new one that is not in ``khata.permissions.SERVICES``
and in ``CALLS`` below fails here, so nobody adds a service without deciding who may
call it. Refused calls run on a connection in autocommit mode (no transaction to roll
back), so a service that wrote anything before checking the role would leave it behind.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from datetime import timedelta

import pytest

import khata
from khata import (
    accounts,
    approval_requests,
    approvals,
    audit,
    book,
    customer_links,
    customer_view,
    customers,
    downloads,
    importer,
    loans,
    permissions,
    principals,
    repayments,
    reports,
    staff,
    statement,
)
from khata.errors import KhataError, NotAllowed
from khata.principals import customer_link
from khata.reminders import consent, effect, manual, views
from tests.conftest import make_shop
from tests.roots import root_at, who

PSEUDO = {"customers.change_credit_terms"}  # a rule inside update_customer/create_customer, not a function


def discovered_services() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(khata.__path__, "khata."):
        if info.name.endswith("__main__"):  # running it would run the CLI
            continue
        module = importlib.import_module(info.name)
        for name, func in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(func) or func.__module__ != module.__name__:
                continue
            params = list(inspect.signature(func).parameters)
            if params and params[0] == "book":
                found.add(f"{module.__name__.removeprefix('khata.')}.{name}")
    return found


# service -> what a call looks like, given the Book and the template's ids
CALLS = {
    "accounts.get_settings": lambda b, c: accounts.get_settings(b),
    "accounts.update_settings": lambda b, c: accounts.update_settings(b, name="Renamed Store"),
    "staff.add_staff": lambda b, c: staff.add_staff(b, username="kiran", name="Kiran", password="Staff@1234"),
    "staff.list_staff": lambda b, c: staff.list_staff(b),
    "staff.reset_staff_password": lambda b, c: staff.reset_staff_password(b, "sunil", "Fresh@1234"),
    "staff.set_staff_active": lambda b, c: staff.set_staff_active(b, "sunil", False),
    "staff.remove_staff": lambda b, c: staff.remove_staff(b, "sunil"),
    "audit.audit_log": lambda b, c: audit.audit_log(b),
    "audit.audit_actors": lambda b, c: audit.audit_actors(b),
    "audit.audit_lines": lambda b, c: audit.audit_lines(b),
    "customers.customer_row": lambda b, c: customers.customer_row(b, c["asha"]),
    "customers.owed_by": lambda b, c: customers.owed_by(b, c["asha"]),
    "customers.create_customer": lambda b, c: customers.create_customer(b, name="Chitra", phone="98765 22222"),
    "customers.update_customer": lambda b, c: customers.update_customer(b, c["asha"], name="Asha P"),
    "customers.change_credit_terms": lambda b, c: customers.update_customer(b, c["asha"], credit_limit="9000"),
    "customers.remove_customer": lambda b, c: customers.remove_customer(b, c["bina"]),
    "customers.bring_back_if_owing": lambda b, c: customers.bring_back_if_owing(b, c["asha"], "test"),
    "customers.list_customers": lambda b, c: customers.list_customers(b),
    "customers.get_customer": lambda b, c: customers.get_customer(b, c["asha"]),
    "importer.import_customers": lambda b, c: importer.import_customers(b, b"name,phone\nDev,9876533333\n"),
    "downloads.table_rows": lambda b, c: downloads.table_rows(b, "customers"),
    "loans.available_credit": lambda b, c: loans.available_credit(b, customers.customer_row(b, c["asha"])),
    "loans.create_loan": lambda b, c: loans.create_loan(b, c["asha"], amount="100", item="Tea"),
    "loans.loan_row": lambda b, c: loans.loan_row(b, c["loan2"]),
    "loans.get_loan": lambda b, c: loans.get_loan(b, c["loan2"]),
    "loans.loans_owing": lambda b, c: loans.loans_owing(b, c["asha"]),
    "loans.list_loans": lambda b, c: loans.list_loans(b),
    "loans.reverse_loan": lambda b, c: loans.reverse_loan(b, c["loan2"], reason="typed twice"),
    "repayments.record_repayment": lambda b, c: repayments.record_repayment(b, c["loan1"], amount="10"),
    "repayments.record_customer_repayment": lambda b, c: repayments.record_customer_repayment(b, c["asha"],
                                                                                             amount="10"),
    "repayments.list_repayments": lambda b, c: repayments.list_repayments(b),
    "repayments.repayment_row": lambda b, c: repayments.repayment_row(b, c["rep1"]),
    "repayments.reverse_repayment": lambda b, c: repayments.reverse_repayment(b, c["rep1"], reason="twice"),
    "approval_requests.approval_row": lambda b, c: approval_requests.approval_row(b, c["request"]),
    "approval_requests.insert_request": lambda b, c: approval_requests.insert_request(
        b, "reverse_loan", entry_id=c["loan2"], customer_id=c["asha"], amount="100", details={}, reason="wrong"),
    "approvals.request_reversal": lambda b, c: approvals.request_reversal(b, "loan", c["loan2"], reason="wrong"),
    "approval_requests.request_sale": lambda b, c: approval_requests.request_sale(
        b, customers.customer_row(b, c["asha"]), amount="700", item="Oil", issue_date=b.today,
        due_date=b.today + timedelta(days=30), grace_days=0),
    "approvals.list_approvals": lambda b, c: approvals.list_approvals(b),
    "approvals.approve": lambda b, c: approvals.approve(b, c["request"]),
    "approvals.reject": lambda b, c: approvals.reject(b, c["request"]),
    "reports.shop_summary": lambda b, c: reports.shop_summary(b),
    "reports.customer_statement": lambda b, c: reports.customer_statement(b, c["asha"]),
    "reports.period_totals": lambda b, c: reports.period_totals(b),
    "reports.issued_vs_collected_frame": lambda b, c: reports.issued_vs_collected_frame(b),
    "reports.top_customers_frame": lambda b, c: reports.top_customers_frame(b),
    "reports.expected_collections_frame": lambda b, c: reports.expected_collections_frame(b),
    "reports.days_to_repay_bins": lambda b, c: reports.days_to_repay_bins(b),
    "reports.overview": lambda b, c: reports.overview(b),
    "customers.find_customers": lambda b, c: customers.find_customers(b, "Asha"),
    "customers.customer_language": lambda b, c: customers.customer_language(b, customers.customer_row(b, c["asha"])),
    "statement.statement_for": lambda b, c: statement.statement_for(b, c["asha"]),
    "reminders.manual.remind_today": lambda b, c: manual.remind_today(b),
    "reminders.manual.reminder_for": lambda b, c: manual.reminder_for(b, c["asha"]),
    "reminders.manual.reminded_today": lambda b, c: manual.reminded_today(b, c["asha"]) or "not yet",
    "reminders.manual.record_manual_reminder":
        lambda b, c: manual.record_manual_reminder(b, c["asha"], "whatsapp_manual"),
    "reminders.views.reminder_log": lambda b, c: views.reminder_log(b),
    "reminders.views.upcoming_reminders": lambda b, c: views.upcoming_reminders(b),
    "reminders.views.upcoming_page": lambda b, c: views.upcoming_page(b),
    "reminders.effect.reminder_effect": lambda b, c: effect.reminder_effect(b),
    "reminders.consent.consent_state": lambda b, c: consent.consent_state(b, c["asha"]),
    "reminders.consent.stop_reminders": lambda b, c: consent.stop_reminders(b, c["asha"], note="asked at the counter"),
    "reminders.consent.resume_reminders":
        lambda b, c: consent.resume_reminders(b, c["quiet"], note="said yes in the shop on 3 Dec"),
    "customer_links.link_for": lambda b, c: customer_links.link_for(b, c["asha"]),
    "customer_links.revoke_link": lambda b, c: customer_links.revoke_link(b, c["asha"]),
    "customer_view.customer_khata": lambda b, c: customer_view.customer_khata(b),
    "customer_view.statement_pdf": lambda b, c: customer_view.statement_pdf(b),
    "customer_view.record_opening": lambda b, c: customer_view.record_opening(b, "0" * 64) or "recorded",
}

ACTORS = {"owner": "ravi", "staff": "sunil", "system": "cli-operator", "customer": "customer-link"}


def principal_for(role: str, ids: dict):
    """The acting principal for ``role``: a login, a system actor, or Asha's link (a customer principal)."""
    if role == permissions.CUSTOMER:
        return customer_link(ids["asha"])
    return who(role, ACTORS[role])


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A shop (owner ravi, staff sunil), Asha with an overdue sale, a repayment and a
    second sale, Bina with no history, and sunil's pending request to reverse the repayment."""
    path = tmp_path_factory.mktemp("perm") / "template.duckdb"
    owner = make_shop(path, "ravi")
    sid = owner["shop_id"]
    ids = {"sid": sid}
    with root_at(path).unit(sid, principals.owner("ravi"), write=True) as b:
        staff.add_staff(b, username="sunil", name="Sunil", password="Staff@1234")
        ids["asha"] = customers.create_customer(b, name="Asha", phone="98765 11111")["customer_id"]
        ids["bina"] = customers.create_customer(b, name="Bina", phone="98765 11112")["customer_id"]
        ids["quiet"] = customers.create_customer(b, name="Chetan", phone="98765 11113",
                                                 whatsapp_opt_out=True)["customer_id"]
        ids["loan1"] = loans.create_loan(b, ids["asha"], amount="500", item="Rice",
                                         issue_date=b.today - timedelta(days=37),
                                         due_date=b.today - timedelta(days=7))["loan_id"]
        ids["loan2"] = loans.create_loan(b, ids["asha"], amount="200", item="Dal")["loan_id"]
        ids["rep1"] = repayments.record_repayment(b, ids["loan1"], amount="100")["repayments"][0]["repayment_id"]
    ids["request"] = root_at(path).write(sid, principals.staff("sunil"), approvals.request_reversal, "repayment",
                                         ids["rep1"], reason="entered twice")["approval_id"]
    return path, ids


def dump(path) -> dict:
    """Every row of every table, in a stable order."""
    def read(con):
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables"
                                            " WHERE table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    return root_at(path).on_connection(read)


def test_every_service_is_listed_with_its_roles():
    found = discovered_services()
    assert found, "no service found: the discovery is broken"
    assert "loans.create_loan" in found and "reminders.views.reminder_log" in found
    listed = set(permissions.SERVICES) - PSEUDO
    assert found - listed == set(), "new services: add them to khata.permissions.SERVICES"
    assert listed - found == set(), "listed services that no longer exist"
    assert set(CALLS) == set(permissions.SERVICES), "each listed service needs a call in CALLS"
    assert all(roles <= set(permissions.ROLES) and roles for roles in permissions.SERVICES.values())


@pytest.mark.parametrize("role", permissions.ROLES)
@pytest.mark.parametrize("service", sorted(CALLS))
def test_service_by_role(template, tmp_path, service, role):
    source, ids = template
    path = tmp_path / "khata.duckdb"
    shutil.copyfile(source, path)
    allowed = role in permissions.SERVICES[service]
    if allowed:
        result = root_at(path).write(ids["sid"], principal_for(role, ids), lambda b: CALLS[service](b, ids))
        assert result is not None or service == "staff.remove_staff"
        return
    before = dump(path)
    with root_at(path).connect() as con:  # autocommit: nothing is rolled back for the service
        unit = book.Book(root_at(path), ids["sid"], principal_for(role, ids)).attach(con)
        with pytest.raises(NotAllowed) as refused:
            CALLS[service](unit, ids)
    assert isinstance(refused.value, KhataError) and "owner" in str(refused.value)
    assert dump(path) == before


def test_staff_refusal_is_the_same_through_a_write_transaction(template, tmp_path):
    source, ids = template
    path = tmp_path / "khata.duckdb"
    shutil.copyfile(source, path)
    before = dump(path)
    with pytest.raises(NotAllowed, match="Only the shop owner can reverse a sale"):
        root_at(path).write(ids["sid"], principals.staff("sunil"), loans.reverse_loan, ids["loan2"], reason="x")
    assert dump(path) == before


def test_staff_adds_customers_on_the_usual_terms_only(template, tmp_path):
    source, ids = template
    path = tmp_path / "khata.duckdb"
    shutil.copyfile(source, path)
    sid = ids["sid"]
    added = root_at(path).write(sid, principals.staff("sunil"), customers.create_customer, name="Dev",
                                phone="98765 33333", credit_limit=str(customers.DEFAULT_CREDIT_LIMIT))
    assert added["credit_limit"] == customers.DEFAULT_CREDIT_LIMIT
    before = dump(path)
    for terms in ({"credit_limit": "50000"}, {"trust_score": 9}):
        with pytest.raises(NotAllowed, match="credit limit or trust score"):
            root_at(path).write(sid, principals.staff("sunil"), customers.create_customer, name="Esha",
                                phone="98765 44444", **terms)
        with pytest.raises(NotAllowed):
            root_at(path).write(sid, principals.staff("sunil"), customers.update_customer, ids["asha"], **terms)
    assert dump(path) == before
    # the same value again is no change, so staff may save the edit form's other fields
    same = root_at(path).write(sid, principals.staff("sunil"), customers.update_customer, ids["asha"], name="Asha R",
                               credit_limit="10000")
    assert same["name"] == "Asha R"


def test_no_unit_of_work_without_a_principal(template):
    """Who acts is never defaulted: a role or a name is not a principal, nor is nothing."""
    source, ids = template
    for not_a_principal in (None, "owner", "ravi"):
        with pytest.raises(TypeError):
            book.Book(root_at(source), ids["sid"], not_a_principal)
    with pytest.raises(ValueError):
        principals.Principal("manager", "x")
    with pytest.raises(NotAllowed):
        permissions.require("manager", "loans.create_loan")
    assert not permissions.allowed("staff", "no.such_service")
    assert not permissions.allowed("owner", "no.such_service")
