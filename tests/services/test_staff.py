"""Staff logins: added by the owner, first password changed at first login, reset,
disabled (refused at once), removed; every login and change in the audit log."""
from __future__ import annotations

import time

import pytest

from khata import accounts, audit, principals, staff
from khata.errors import AuthError, Conflict, NotAllowed, NotFound, ValidationError
from tests.roots import OWNER, root_at
from tests.services.helpers import query


def as_owner(db_file, sid, service, *args, **kw):
    return root_at(db_file).write(sid, principals.owner("ravi"), service, *args, **kw)


@pytest.fixture
def sunil(db_file, sid):
    return as_owner(db_file, sid, staff.add_staff, username="Sunil", name="Sunil Rao", password="Staff@1234")


def test_owner_adds_staff_who_must_change_the_first_password(db_file, sid, sunil):
    assert (sunil["username"], sunil["role"], sunil["active"], sunil["must_change_password"]) == \
        ("sunil", "staff", True, True)
    logins = as_owner(db_file, sid, staff.list_staff)
    assert [(x["username"], x["role"]) for x in logins] == [("ravi", "owner"), ("sunil", "staff")]
    keeper = accounts.authenticate(root_at(db_file), "sunil", "Staff@1234")
    assert keeper["shop_id"] == sid and keeper["role"] == "staff" and keeper["must_change_password"]
    accounts.change_password(root_at(db_file), "sunil", "Staff@1234", "Mine@5678")
    assert not accounts.get_shopkeeper(root_at(db_file), "sunil")["must_change_password"]
    with pytest.raises(AuthError):
        accounts.authenticate(root_at(db_file), "sunil", "Staff@1234")


@pytest.mark.parametrize("fields, error", [
    ({"username": "ravi"}, Conflict),                      # the owner's name
    ({"username": "x"}, ValidationError),
    ({"password": "short"}, ValidationError),
    ({"name": "  "}, ValidationError),
    ({"login_role": "manager"}, ValidationError),
    ({"login_role": "customer"}, ValidationError),         # a customer's link is not a login
])
def test_bad_new_logins_are_refused(db_file, sid, fields, error):
    before = query(db_file, "SELECT count(*) FROM shopkeepers")[0][0]
    good = {"username": "kiran", "name": "Kiran", "password": "Staff@1234"}
    with pytest.raises(error):
        as_owner(db_file, sid, staff.add_staff, **{**good, **fields})
    assert query(db_file, "SELECT count(*) FROM shopkeepers")[0][0] == before


def test_disabled_login_is_refused_even_with_the_right_password(db_file, sid, sunil):
    as_owner(db_file, sid, staff.set_staff_active, "sunil", False)
    with pytest.raises(AuthError, match="turned off"):
        accounts.authenticate(root_at(db_file), "sunil", "Staff@1234")
    with pytest.raises(AuthError, match="incorrect"):  # a wrong password does not learn it exists and is off
        accounts.authenticate(root_at(db_file), "sunil", "Wrong@1234")
    assert [x["active"] for x in as_owner(db_file, sid, staff.list_staff) if x["username"] == "sunil"] == [False]
    as_owner(db_file, sid, staff.set_staff_active, "sunil", True)
    assert accounts.authenticate(root_at(db_file), "sunil", "Staff@1234")["username"] == "sunil"


def test_reset_password_ends_old_sessions_and_asks_for_a_new_one(db_file, sid, sunil):
    accounts.change_password(root_at(db_file), "sunil", "Staff@1234", "Mine@5678")
    before = accounts.get_shopkeeper(root_at(db_file), "sunil")["password_changed_at"]
    time.sleep(0.01)
    as_owner(db_file, sid, staff.reset_staff_password, "sunil", "Reset@1234")
    after = accounts.get_shopkeeper(root_at(db_file), "sunil")
    assert after["must_change_password"] and after["password_changed_at"] > before
    with pytest.raises(AuthError):
        accounts.authenticate(root_at(db_file), "sunil", "Mine@5678")
    assert accounts.authenticate(root_at(db_file), "sunil", "Reset@1234")
    with pytest.raises(ValidationError):
        as_owner(db_file, sid, staff.reset_staff_password, "sunil", "weak")


def test_removed_login_is_gone_for_good(db_file, sid, sunil):
    assert as_owner(db_file, sid, staff.remove_staff, "sunil") == "sunil"
    assert [x["username"] for x in as_owner(db_file, sid, staff.list_staff)] == ["ravi"]
    with pytest.raises(AuthError):
        accounts.authenticate(root_at(db_file), "sunil", "Staff@1234")
    with pytest.raises(Conflict):  # the name on old entries keeps meaning one person
        as_owner(db_file, sid, staff.add_staff, username="sunil", name="Another", password="Staff@1234")
    with pytest.raises(NotFound):
        as_owner(db_file, sid, staff.set_staff_active, "sunil", True)


def test_the_owner_login_and_other_shops_logins_are_out_of_reach(db_file, sid, sunil, other_shop):
    with pytest.raises(Conflict):
        as_owner(db_file, sid, staff.set_staff_active, "ravi", False)
    with pytest.raises(NotFound):  # meena owns another shop
        as_owner(db_file, sid, staff.set_staff_active, "meena", False)
    with pytest.raises(NotFound):
        root_at(db_file).write(other_shop["shop_id"], principals.owner("meena"), staff.remove_staff, "sunil")
    with pytest.raises(NotAllowed):
        root_at(db_file).write(sid, principals.staff("sunil"), staff.add_staff, username="kiran", name="K",
                               password="Staff@1234")
    assert accounts.get_shopkeeper(root_at(db_file), "meena")["active"]


def test_lockout_applies_to_staff(db_file, sid, sunil):
    for _ in range(3):
        with pytest.raises(AuthError):
            accounts.authenticate(root_at(db_file), "sunil", "Wrong@1234", max_attempts=3)
    with pytest.raises(AuthError, match="locked"):
        accounts.authenticate(root_at(db_file), "sunil", "Staff@1234", max_attempts=3)


def test_audit_log_records_logins_and_account_changes_with_filters(db_file, sid, sunil):
    accounts.authenticate(root_at(db_file), "sunil", "Staff@1234")
    with pytest.raises(AuthError):
        accounts.authenticate(root_at(db_file), "sunil", "Wrong@1234")
    as_owner(db_file, sid, staff.set_staff_active, "sunil", False)
    with pytest.raises(AuthError):
        accounts.authenticate(root_at(db_file), "sunil", "Staff@1234")
    lines = root_at(db_file).read(sid, OWNER, audit.audit_log)
    assert [x["action"] for x in lines][:5] == ["login_refused", "disable_login", "login_failed", "login",
                                                "add_login"]
    only_sunil = root_at(db_file).read(sid, OWNER, audit.audit_log, actor="sunil")
    assert {x["actor"] for x in only_sunil} == {"sunil"}
    assert [x["action"] for x in root_at(db_file).read(sid, OWNER, audit.audit_log, action="login")] == ["login"]
    today = root_at(db_file).read(sid, OWNER, lambda b: b.today)
    assert len(root_at(db_file).read(sid, OWNER, audit.audit_log, date_from=today, date_to=today)) == len(lines)
    assert root_at(db_file).read(sid, OWNER, audit.audit_log, date_to="2000-01-01") == []
    with pytest.raises(ValidationError):
        root_at(db_file).read(sid, OWNER, audit.audit_log, date_from=today, date_to="2000-01-01")
    choices = root_at(db_file).read(sid, OWNER, audit.audit_actors)
    assert "sunil" in choices["actors"] and "login_failed" in choices["actions"]
    with pytest.raises(NotAllowed):
        root_at(db_file).read(sid, principals.staff("staff"), audit.audit_log)
