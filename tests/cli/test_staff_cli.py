"""`python -m khata staff add|list|disable`: real processes on a real file."""
from __future__ import annotations

import pytest

from khata import accounts
from tests.cli.test_cli import khata
from tests.conftest import make_shop
from tests.roots import root_at


@pytest.fixture
def owner_db(db_file):
    make_shop(db_file, "ravi")
    make_shop(db_file, "meena")
    return db_file


def test_add_list_disable_enable(owner_db):
    db = str(owner_db)
    added = khata("staff", "add", "--shop", "ravi", "--username", "sunil", "--name", "Sunil Rao",
                  "--password", "Staff@1234", "--db", db)
    assert added.returncode == 0, added.stderr
    assert "sunil" in added.stdout and "first login" in added.stdout
    assert accounts.get_shopkeeper(root_at(owner_db), "sunil")["must_change_password"]
    listed = khata("staff", "list", "--shop", "ravi", "--db", db)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == ["ravi\towner\tactive", "sunil\tstaff\tactive"]
    off = khata("staff", "disable", "--shop", "ravi", "--username", "sunil", "--db", db)
    assert off.returncode == 0, off.stderr
    assert khata("staff", "list", "--shop", "ravi", "--db", db).stdout.splitlines()[1] == "sunil\tstaff\tdisabled"
    assert not accounts.get_shopkeeper(root_at(owner_db), "sunil")["active"]
    back = khata("staff", "enable", "--shop", "ravi", "--username", "sunil", "--db", db)
    assert back.returncode == 0 and accounts.get_shopkeeper(root_at(owner_db), "sunil")["active"]
    other = khata("staff", "list", "--shop", "meena", "--db", db)
    assert other.stdout.splitlines() == ["meena\towner\tactive"]  # another shop's logins are not listed


@pytest.mark.parametrize("args, message", [
    (["add", "--shop", "nobody", "--username", "sunil", "--name", "S", "--password", "Staff@1234"],
     "no shop owner"),
    (["add", "--shop", "ravi", "--username", "sunil", "--name", "S", "--password", "weak"], "password must be"),
    (["add", "--shop", "ravi", "--username", "meena", "--name", "S", "--password", "Staff@1234"], "is taken"),
    (["add", "--shop", "ravi", "--username", "S!", "--name", "S", "--password", "Staff@1234"], "Username must"),
    (["disable", "--shop", "ravi", "--username", "ghost"], "no such login"),
    (["disable", "--shop", "ravi", "--username", "ravi"], "owner's own login"),
    (["disable", "--shop", "ravi", "--username", "meena"], "no such login"),  # another shop's owner
    (["list"], "--shop"),
    (["add", "--shop", "ravi", "--username", "sunil", "--name", "S"], "--password"),
])
def test_bad_input_is_one_line_and_changes_nothing(owner_db, args, message):
    before = accounts.all_credentials(root_at(owner_db))
    done = khata("staff", *args, "--db", str(owner_db))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert accounts.all_credentials(root_at(owner_db)) == before


def test_a_staff_login_cannot_be_the_shop(owner_db):
    db = str(owner_db)
    khata("staff", "add", "--shop", "ravi", "--username", "sunil", "--name", "S", "--password", "Staff@1234",
          "--db", db)
    done = khata("staff", "add", "--shop", "sunil", "--username", "kiran", "--name", "K", "--password",
                 "Staff@1234", "--db", db)
    assert done.returncode == 1 and "no shop owner" in done.stderr
    assert accounts.get_shopkeeper(root_at(owner_db), "kiran") is None
