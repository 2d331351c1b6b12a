"""Shopkeeper accounts and shop settings: registration, login, lockout, passwords."""

import pytest

from khata import accounts
from khata.errors import AuthError, Conflict, ValidationError
from tests.roots import OWNER, root_at
from tests.services.helpers import counts


def test_register_stores_only_a_bcrypt_hash(db_file, shop):
    keeper = accounts.get_shopkeeper(root_at(db_file), "ravi")
    assert keeper["password_hash"].startswith("$2b$") and "Demo@1234" not in keeper["password_hash"]
    assert keeper["shop_name"].startswith("Ravi Kirana") and keeper["timezone"] == "Asia/Kolkata"
    assert accounts.authenticate(root_at(db_file), "ravi", "Demo@1234")["username"] == "ravi"


@pytest.mark.parametrize("field, value, message", [
    ("password", "short1!", "password must be"), ("password", "nouppercase1@", "password must be"),
    ("username", "A B", "Username must be"), ("email", "not-an-email", "not an email"),
    ("phone", "123", "not a valid phone"), ("shop_name", "  ", "Shop name is required"),
])
def test_register_refusals(db_file, field, value, message):
    fields = dict(name="N", shop_name="S", username="newshop", email="a@b.in", phone="9876543210",
                  password="Demo@1234")
    fields[field] = value
    before = counts(db_file)
    with pytest.raises(ValidationError, match=message):
        accounts.register_shopkeeper(root_at(db_file), **fields)
    assert counts(db_file) == before


def test_username_taken(db_file, shop):
    with pytest.raises(Conflict, match="taken"):
        accounts.register_shopkeeper(root_at(db_file), name="X", shop_name="Y", username="RAVI", email="x@y.in",
                                     phone="9876543210", password="Demo@1234")


def test_change_password(db_file, shop):
    with pytest.raises(AuthError, match="current password is incorrect"):
        accounts.change_password(root_at(db_file), "ravi", "Wrong@123", "New@12345")
    with pytest.raises(ValidationError, match="password must be"):
        accounts.change_password(root_at(db_file), "ravi", "Demo@1234", "weak")
    accounts.change_password(root_at(db_file), "ravi", "Demo@1234", "New@12345")
    assert accounts.authenticate(root_at(db_file), "ravi", "New@12345")
    with pytest.raises(AuthError):
        accounts.authenticate(root_at(db_file), "ravi", "Demo@1234")


def test_lockout_after_failed_logins_and_same_message_for_unknown_users(db_file, shop):
    for _ in range(4):
        with pytest.raises(AuthError, match="incorrect"):
            accounts.authenticate(root_at(db_file), "ravi", "bad", max_attempts=5)
    with pytest.raises(AuthError, match="locked"):
        accounts.authenticate(root_at(db_file), "ravi", "bad", max_attempts=5)
    with pytest.raises(AuthError, match="locked"):  # even the right password, while locked
        accounts.authenticate(root_at(db_file), "ravi", "Demo@1234")
    with pytest.raises(AuthError, match="incorrect") as unknown:
        accounts.authenticate(root_at(db_file), "nobody", "bad")
    assert "exist" not in str(unknown.value)


def test_settings(db_file, sid):
    settings = root_at(db_file).write(sid, OWNER, accounts.update_settings, upi_id="ravikirana@okaxis",
                                      loan_term_days=15, reminder_days="-1, 1, 3", timezone="Asia/Dubai")
    assert settings["upi_id"] == "ravikirana@okaxis" and settings["reminder_days"] == (-1, 1, 3)
    assert root_at(db_file).read(sid, OWNER, accounts.get_settings)["loan_term_days"] == 15
    for bad in ({"upi_id": "not a upi"}, {"loan_term_days": 0}, {"timezone": "Nowhere/X"},
                {"reminder_days": "a,b"}, {"colour": "red"}):
        with pytest.raises(ValidationError):
            root_at(db_file).write(sid, OWNER, accounts.update_settings, **bad)
    assert root_at(db_file).read(sid, OWNER, accounts.get_settings)["timezone"] == "Asia/Dubai"
