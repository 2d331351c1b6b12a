"""Shopkeeper accounts and shop settings: registration, login, lockout, passwords."""

import pytest

from khata import accounts, book
from khata.errors import AuthError, Conflict, ValidationError
from tests.services.helpers import counts


def test_register_stores_only_a_bcrypt_hash(db_file, shop):
    keeper = accounts.get_shopkeeper("ravi", db_file)
    assert keeper["password_hash"].startswith("$2b$") and "Demo@1234" not in keeper["password_hash"]
    assert keeper["shop_name"].startswith("Ravi Kirana") and keeper["timezone"] == "Asia/Kolkata"
    assert accounts.authenticate("ravi", "Demo@1234", path=db_file)["username"] == "ravi"


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
        accounts.register_shopkeeper(path=db_file, **fields)
    assert counts(db_file) == before


def test_username_taken(db_file, shop):
    with pytest.raises(Conflict, match="taken"):
        accounts.register_shopkeeper(name="X", shop_name="Y", username="RAVI", email="x@y.in", phone="9876543210",
                                     password="Demo@1234", path=db_file)


def test_change_password(db_file, shop):
    with pytest.raises(AuthError, match="current password is incorrect"):
        accounts.change_password("ravi", "Wrong@123", "New@12345", db_file)
    with pytest.raises(ValidationError, match="password must be"):
        accounts.change_password("ravi", "Demo@1234", "weak", db_file)
    accounts.change_password("ravi", "Demo@1234", "New@12345", db_file)
    assert accounts.authenticate("ravi", "New@12345", path=db_file)
    with pytest.raises(AuthError):
        accounts.authenticate("ravi", "Demo@1234", path=db_file)


def test_lockout_after_failed_logins_and_same_message_for_unknown_users(db_file, shop):
    for _ in range(4):
        with pytest.raises(AuthError, match="incorrect"):
            accounts.authenticate("ravi", "bad", max_attempts=5, path=db_file)
    with pytest.raises(AuthError, match="locked"):
        accounts.authenticate("ravi", "bad", max_attempts=5, path=db_file)
    with pytest.raises(AuthError, match="locked"):  # even the right password, while locked
        accounts.authenticate("ravi", "Demo@1234", path=db_file)
    with pytest.raises(AuthError, match="incorrect") as unknown:
        accounts.authenticate("nobody", "bad", path=db_file)
    assert "exist" not in str(unknown.value)


def test_settings(db_file, sid):
    settings = book.write(sid, accounts.update_settings, upi_id="ravikirana@okaxis", loan_term_days=15,
                                        reminder_days="-1, 1, 3", timezone="Asia/Dubai", path=db_file)
    assert settings["upi_id"] == "ravikirana@okaxis" and settings["reminder_days"] == (-1, 1, 3)
    assert book.read(sid, accounts.get_settings, path=db_file)["loan_term_days"] == 15
    for bad in ({"upi_id": "not a upi"}, {"loan_term_days": 0}, {"timezone": "Nowhere/X"},
                {"reminder_days": "a,b"}, {"colour": "red"}):
        with pytest.raises(ValidationError):
            book.write(sid, accounts.update_settings, path=db_file, **bad)
    assert book.read(sid, accounts.get_settings, path=db_file)["timezone"] == "Asia/Dubai"
