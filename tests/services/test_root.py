"""The composition root: which book is said once per process, never by a path handed to a
service, and a book that is not there is refused rather than created."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading

import pytest

import khata
from khata import accounts, db, principals
from khata.errors import BookMissing
from khata.root import Root


def _modules():
    for info in pkgutil.walk_packages(khata.__path__, "khata."):
        if not info.name.endswith("__main__"):
            yield importlib.import_module(info.name)


def test_no_service_takes_a_path():
    """Services take a Root (work across shops) or a Book (one shop's unit of work)."""
    taking_path = []
    for module in _modules():
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                params = inspect.signature(fn).parameters
                if "path" in params and module.__name__ not in ("khata.db", "khata.settings", "khata.export"):
                    taking_path.append(f"{module.__name__}.{name}")
    assert taking_path == []


def test_no_module_global_is_keyed_by_a_path():
    """Locks, "migrated" flags and login counters belong to a Root, not to a module."""
    for module in _modules():
        for name, value in vars(module).items():
            if isinstance(value, (dict, set)) and not name.isupper() and not name.startswith("__"):
                assert not any(isinstance(k, str) and k.endswith(".duckdb") for k in value), \
                    f"{module.__name__}.{name} is keyed by a path"
            assert not isinstance(value, type(threading.Lock())) or module.__name__ not in ("khata.db",), name


def test_a_missing_book_is_refused_and_not_created(tmp_path):
    missing = tmp_path / "typo" / "khata.duckdb"
    with pytest.raises(BookMissing, match=r"No book at .*; create it with `khata init --db .*`\."):
        Root(missing)
    assert not missing.parent.exists()
    made = Root(missing, create=True)
    with made.connect() as con:
        assert db.applied_migrations(con)
    assert missing.is_file()
    assert Root(missing).path == missing.resolve()


def test_two_roots_keep_their_own_state(tmp_path):
    """One root per process and file: a second book's root shares no lock or counter."""
    a, b = Root(tmp_path / "a.duckdb", create=True), Root(tmp_path / "b.duckdb", create=True)
    assert a.write_lock is not b.write_lock
    for root in (a, b):
        accounts.register_shopkeeper(root, name="R", shop_name="R", username="ravi", email="r@r.in",
                                     phone="9876543210", password="Demo@1234")
    with pytest.raises(khata.errors.AuthError):
        accounts.authenticate(a, "ghost", "Wrong@1234", max_attempts=1)
    assert "ghost" in a.unknown_logins and "ghost" not in b.unknown_logins


def test_a_unit_of_work_carries_its_principal_into_the_audit_log(tmp_path):
    root = Root(tmp_path / "k.duckdb", create=True)
    shop = accounts.register_shopkeeper(root, name="R", shop_name="R", username="ravi", email="r@r.in",
                                        phone="9876543210", password="Demo@1234")
    from khata import customers
    root.write(shop["shop_id"], principals.staff("sunil"), customers.create_customer, name="Asha",
               phone="98765 11111")
    root.write(shop["shop_id"], principals.CLI_OPERATOR, customers.create_customer, name="Bina",
               phone="98765 11112")
    actors = root.on_connection(lambda con: [r[0] for r in con.execute(
        "SELECT actor FROM audit_log WHERE action = 'create' ORDER BY audit_id").fetchall()])
    assert actors[-2:] == ["sunil", "cli-operator"]


def test_a_customer_s_link_reads_nothing_not_listed_for_it(tmp_path):
    """The link's principal may call only services marked LINK in khata/permissions.py (none
    yet): a service that never asks the table is refused too, before it reads anything."""
    from khata import customers
    from khata.errors import NotAllowed

    root = Root(tmp_path / "k.duckdb", create=True)
    shop = accounts.register_shopkeeper(root, name="R", shop_name="R", username="ravi", email="r@r.in",
                                        phone="9876543210", password="Demo@1234")
    asha = root.write(shop["shop_id"], principals.owner("ravi"), customers.create_customer, name="Asha",
                      phone="98765 11111")
    link = principals.customer_link(asha["customer_id"])
    for service in (customers.get_customer, customers.customer_row):
        with pytest.raises(NotAllowed):
            root.read(shop["shop_id"], link, service, asha["customer_id"])
    with pytest.raises(NotAllowed):
        root.write(shop["shop_id"], link, customers.update_customer, asha["customer_id"], name="Mallory")
