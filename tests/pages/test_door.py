"""Every service in the permission table, called through the dashboard's one door
(``dashboard.door.write``) as the owner's login and as a staff login: the outcome is the
table's, and a refusal leaves every table as it was. A door function in
``dashboard/writes.py`` that reaches a service not in the table fails here.

The session is the one ``auth.gate`` fills in (``session.ME``); the door builds the
principal from it, so this is the path a page's button takes."""
from __future__ import annotations

import ast
import inspect
import shutil

import pytest
import streamlit as st

from dashboard import door, writes
from dashboard.session import ME
from khata import permissions
from khata.errors import NotAllowed
from tests.services.test_permissions import ACTORS, CALLS, dump, template  # noqa: F401 - the fixture

PEOPLE = ("owner", "staff")


@pytest.fixture
def book_copy(template, tmp_path, monkeypatch):  # noqa: F811 - the fixture imported above
    source, ids = template
    path = tmp_path / "khata.duckdb"
    shutil.copyfile(source, path)
    monkeypatch.setenv("KHATA_DB", str(path))
    yield path, ids
    st.session_state.pop(ME, None)


def log_in(ids, role):
    st.session_state[ME] = {"shop_id": ids["sid"], "username": ACTORS[role], "name": ACTORS[role],
                            "role": role, "timezone": "Asia/Kolkata"}


@pytest.mark.parametrize("role", PEOPLE)
@pytest.mark.parametrize("service", sorted(CALLS))
def test_the_door_gives_the_table_s_answer(book_copy, service, role):
    path, ids = book_copy
    log_in(ids, role)
    assert door.me().role == role
    assert door.can(service) == (role in permissions.SERVICES[service])
    if door.can(service):
        result = door.write(lambda b: CALLS[service](b, ids))
        assert result is not None or service == "staff.remove_staff"
        return
    before = dump(path)
    with pytest.raises(NotAllowed):
        door.write(lambda b: CALLS[service](b, ids))
    assert dump(path) == before


def test_staff_cannot_turn_reminders_back_on_through_the_door(book_copy):
    path, ids = book_copy
    log_in(ids, "staff")
    before = dump(path)
    with pytest.raises(NotAllowed, match="Only the shop owner can turn a customer's reminders back on"):
        writes.resume_reminders(ids["quiet"], "said yes at the counter")
    assert dump(path) == before
    log_in(ids, "owner")
    assert writes.resume_reminders(ids["quiet"], "said yes at the counter")["whatsapp_opt_out"] is False


def test_no_principal_no_door(book_copy):
    """Nothing defaults: without a logged-in session the door refuses to say who acts."""
    st.session_state.pop(ME, None)
    with pytest.raises(Exception):  # noqa: B017 - st.stop() outside a script run
        door.me()


def _door_services() -> dict[str, str]:
    """Each function of dashboard/writes.py -> the khata service it hands the door."""
    tree = ast.parse(inspect.getsource(writes))
    found = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        for node in ast.walk(fn):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "write"
                    and getattr(node.func.value, "id", "") == "door"):
                found[fn.name] = door.service_name(eval(ast.unparse(node.args[0]), vars(writes)))  # noqa: S307
    return found


ACCOUNT_LEVEL = {"set_language", "change_password"}  # the login's own settings, not the shop's book


def test_every_door_function_is_in_the_table():
    found = _door_services()
    public = {name for name, obj in vars(writes).items()
              if inspect.isfunction(obj) and obj.__module__ == writes.__name__ and not name.startswith("_")}
    assert "resume_reminders" in found and "sell_on_credit" in found, "the discovery is broken"
    assert public - set(found) - ACCOUNT_LEVEL == set(), "a write that does not go through door.write"
    missing = {name: service for name, service in found.items() if service not in permissions.SERVICES}
    assert missing == {}, "door functions whose service is not in khata.permissions.SERVICES"
