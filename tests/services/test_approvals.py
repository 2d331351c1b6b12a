"""Maker-checker: staff ask, the owner approves or rejects; nothing changes before approval."""
from __future__ import annotations

import pytest

from khata import accounts, approvals, customers, loans, principals, repayments, staff
from khata.errors import Conflict, CreditLimitExceeded, NotAllowed, NotFound, ValidationError
from tests.conftest import make_shop
from tests.roots import root_at
from tests.services.helpers import query


@pytest.fixture
def counter(db_file, shop, sid):
    """Owner ravi, staff sunil, Asha (limit 5000) with a 400 sale and a 100 repayment on it."""
    root_at(db_file).write(sid, principals.owner("ravi"), staff.add_staff, username="sunil", name="Sunil",
                           password="Staff@1234")
    cid = root_at(db_file).write(sid, principals.owner("ravi"), customers.create_customer, name="Asha",
                                 phone="98765 11111", credit_limit="5000")["customer_id"]
    loan = root_at(db_file).write(sid, principals.staff("sunil"), loans.create_loan, cid, amount="400", item="Rice")
    paid = root_at(db_file).write(sid, principals.staff("sunil"), repayments.record_repayment, loan["loan_id"],
                                  amount="100")
    return {"cid": cid, "loan": loan["loan_id"], "rep": paid["repayments"][0]["repayment_id"]}


def as_staff(db_file, sid, service, *args, **kw):
    return root_at(db_file).write(sid, principals.staff("sunil"), service, *args, **kw)


def as_owner(db_file, sid, service, *args, **kw):
    return root_at(db_file).write(sid, principals.owner("ravi"), service, *args, **kw)


def reversals(db_file):
    return query(db_file, "SELECT entry_type, entry_id, created_by FROM reversals ORDER BY ALL")


def test_request_then_approve_reverses_the_repayment(db_file, sid, counter):
    asked = as_staff(db_file, sid, approvals.request_reversal, "repayment", counter["rep"], reason="entered twice")
    assert asked["status"] == "pending" and asked["requested_by"] == "sunil" and asked["amount"] == 100
    assert reversals(db_file) == []  # nothing changed yet
    assert [r["approval_id"] for r in as_owner(db_file, sid, approvals.list_approvals)] == [asked["approval_id"]]
    done = as_owner(db_file, sid, approvals.approve, asked["approval_id"])
    assert done["status"] == "approved" and done["decided_by"] == "ravi"
    assert reversals(db_file) == [("repayment", counter["rep"], "ravi")]
    reason = query(db_file, "SELECT reason FROM reversals")[0][0]
    assert "entered twice" in reason and "sunil" in reason
    assert as_owner(db_file, sid, approvals.list_approvals) == []
    actions = [r[0] for r in query(db_file, "SELECT action FROM audit_log WHERE entity = 'approval' ORDER BY audit_id")]
    assert actions == ["request", "approve"]
    with pytest.raises(Conflict, match="already approved"):
        as_owner(db_file, sid, approvals.approve, asked["approval_id"])


def test_reject_changes_nothing_in_the_ledger(db_file, sid, counter):
    # a sale with repayments cannot be asked for: the repayment must go first
    with pytest.raises(Conflict, match="repayments"):
        as_staff(db_file, sid, approvals.request_reversal, "loan", counter["loan"], reason="wrong")
    second = as_owner(db_file, sid, loans.create_loan, counter["cid"], amount="50", item="Tea")
    asked = as_staff(db_file, sid, approvals.request_reversal, "loan", second["loan_id"], reason="wrong customer")
    rejected = as_owner(db_file, sid, approvals.reject, asked["approval_id"], note="it was right")
    assert rejected["status"] == "rejected" and rejected["decision_note"] == "it was right"
    assert reversals(db_file) == []
    assert as_owner(db_file, sid, loans.loan_row, second["loan_id"])["status"] == "pending"
    with pytest.raises(Conflict, match="already rejected"):
        as_owner(db_file, sid, approvals.approve, asked["approval_id"])


def test_bad_requests_are_refused(db_file, sid, counter, other_shop):
    with pytest.raises(ValidationError):
        as_staff(db_file, sid, approvals.request_reversal, "repayment", counter["rep"], reason="  ")
    with pytest.raises(ValidationError):
        as_staff(db_file, sid, approvals.request_reversal, "customer", counter["cid"], reason="x")
    with pytest.raises(NotFound):
        as_staff(db_file, sid, approvals.request_reversal, "repayment", 999, reason="x")
    foreign = root_at(db_file).write(other_shop["shop_id"], principals.owner("meena"), customers.create_customer,
                                     name="Zed", phone="98765 99999")
    foreign_sale = root_at(db_file).write(other_shop["shop_id"], principals.owner("meena"), loans.create_loan,
                                          foreign["customer_id"], amount="10", item="Salt")
    with pytest.raises(NotFound):  # another shop's entry looks like none at all
        as_staff(db_file, sid, approvals.request_reversal, "loan", foreign_sale["loan_id"], reason="x")
    as_staff(db_file, sid, approvals.request_reversal, "repayment", counter["rep"], reason="twice")
    with pytest.raises(Conflict, match="already waiting"):
        as_staff(db_file, sid, approvals.request_reversal, "repayment", counter["rep"], reason="twice")
    with pytest.raises(NotFound):
        as_owner(db_file, other_shop["shop_id"], approvals.approve, 1)
    with pytest.raises(NotAllowed):
        as_staff(db_file, sid, approvals.approve, 1)
    assert query(db_file, "SELECT count(*) FROM pending_approvals")[0][0] == 1


def test_staff_see_only_their_own_requests(db_file, sid, counter):
    root_at(db_file).write(sid, principals.owner("ravi"), staff.add_staff, username="tara", name="Tara",
                           password="Staff@1234")
    as_staff(db_file, sid, approvals.request_reversal, "repayment", counter["rep"], reason="twice")
    theirs = root_at(db_file).write(sid, principals.staff("tara"), approvals.list_approvals)
    mine = as_staff(db_file, sid, approvals.list_approvals)
    assert theirs == [] and len(mine) == 1
    with pytest.raises(ValidationError):
        as_owner(db_file, sid, approvals.list_approvals, status="maybe")


def test_staff_sale_above_the_owner_limit_waits_for_approval(db_file, sid, counter):
    as_owner(db_file, sid, accounts.update_settings, staff_sale_limit="1000")
    loans_before = query(db_file, "SELECT count(*) FROM loans")[0][0]
    small = as_staff(db_file, sid, loans.create_loan, counter["cid"], amount="1000", item="Sugar")
    assert "loan_id" in small and not small.get("pending_approval")
    big = as_staff(db_file, sid, loans.create_loan, counter["cid"], amount="1500", item="Oil tin",
                   idempotency_key="form-1")
    assert big["pending_approval"] and big["kind"] == "sale" and big["amount"] == 1500
    again = as_staff(db_file, sid, loans.create_loan, counter["cid"], amount="1500", item="Oil tin",
                     idempotency_key="form-1")  # a double click: one request
    assert again["approval_id"] == big["approval_id"]
    assert query(db_file, "SELECT count(*) FROM loans")[0][0] == loans_before + 1
    assert query(db_file, "SELECT count(*) FROM pending_approvals")[0][0] == 1
    owner_big = as_owner(db_file, sid, loans.create_loan, counter["cid"], amount="1500", item="Owner sale")
    assert "loan_id" in owner_big  # the owner's own sales never wait
    approved = as_owner(db_file, sid, approvals.approve, big["approval_id"])
    loan = as_owner(db_file, sid, loans.loan_row, approved["result_id"])
    assert (loan["item"], loan["principal"], loan["created_by"]) == ("Oil tin", 1500, "sunil")


def test_approval_checks_the_rules_again_and_a_refusal_keeps_the_request(db_file, sid, counter):
    as_owner(db_file, sid, accounts.update_settings, staff_sale_limit="100")
    big = as_staff(db_file, sid, loans.create_loan, counter["cid"], amount="4000", item="Fridge")
    as_owner(db_file, sid, loans.create_loan, counter["cid"], amount="1500", item="Owner sale")  # uses the limit
    with pytest.raises(CreditLimitExceeded):
        as_owner(db_file, sid, approvals.approve, big["approval_id"])
    assert as_owner(db_file, sid, approvals.approval_row, big["approval_id"])["status"] == "pending"
    with pytest.raises(ValidationError):
        as_owner(db_file, sid, accounts.update_settings, staff_sale_limit="-5")
    assert as_owner(db_file, sid, accounts.update_settings, staff_sale_limit="")["staff_sale_limit"] is None


def test_two_shops_never_see_each_others_requests(db_file, sid, counter):
    other = make_shop(db_file, "meena2")
    as_staff(db_file, sid, approvals.request_reversal, "repayment", counter["rep"], reason="twice")
    assert as_owner(db_file, other["shop_id"], approvals.list_approvals) == []
