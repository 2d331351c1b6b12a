"""Staff logins: the owner adds, lists, resets, disables and removes them.

A staff login is a row of ``shopkeepers`` with ``role = 'staff'`` in the owner's
shop, so login, lockout, password rules and cookie revocation are the same code
for everyone (``khata.accounts``). The first password is set by the owner and
must be changed at the first login. A removed login is kept (disabled, hidden
from the list) so the name on old entries still means one person and is never
given to someone else. Every change is written to the audit log.
"""
from __future__ import annotations

from datetime import UTC, datetime

from .accounts import hash_password, normalize_username, validate_password
from .book import Book
from .errors import Conflict, NotFound, ValidationError
from .i18n import N_, _
from .permissions import OWNER, STAFF
from .principals import LOGIN_ROLES
from .validate import clean_text

_COLUMNS = ("shopkeeper_id, username, name, role, active, must_change_password, disabled_at, created_by,"
            " created_at")


def _login(book: Book, username) -> dict:
    """A login of this shop that was not removed; NotFound otherwise (another shop's looks the same)."""
    try:
        username = normalize_username(username)
    except ValidationError:
        raise NotFound(_("There is no such login in this shop.")) from None
    row = book.row(f"SELECT {_COLUMNS} FROM shopkeepers WHERE shop_id = ? AND username = ? AND removed_at IS NULL",
                   [book.shop_id, username])
    if row is None:
        raise NotFound(_("There is no such login in this shop."))
    return row


def _staff_login(book: Book, username) -> dict:
    row = _login(book, username)
    if row["role"] == OWNER:
        raise Conflict(_("The owner's own login is changed on the Account page, not here."))
    return row


def add_staff(book: Book, *, username, name, password, login_role: str = STAFF) -> dict:
    """A new login in this shop; the first password must be changed at the first login.
    (``login_role``, not ``role``: the acting role is the Book's principal's.)"""
    book.require("staff.add_staff")
    username = normalize_username(username)
    name = clean_text(name, N_("Name"), required=True, max_len=100)
    role = login_role
    if role not in LOGIN_ROLES:
        raise ValidationError(_("Role must be owner or staff."))
    validate_password(password)
    if book.value("SELECT 1 FROM shopkeepers WHERE username = ?", [username]):
        raise Conflict(_("The username '{username}' is taken; please choose another.").format(username=username))
    keeper_id = book.next_id("shopkeeper_id_seq")
    book.con.execute(
        "INSERT INTO shopkeepers (shopkeeper_id, shop_id, username, name, email, phone, password_hash, role,"
        " active, must_change_password, created_by) VALUES (?, ?, ?, ?, '', NULL, ?, ?, TRUE, TRUE, ?)",
        [keeper_id, book.shop_id, username, name, hash_password(password), role, book.actor])
    book.audit("add_login", "shopkeeper", keeper_id, None, {"username": username, "name": name, "role": role})
    return _login(book, username)


def list_staff(book: Book) -> list[dict]:
    """Every login of the shop (the owner first), with its role and whether it is active."""
    book.require("staff.list_staff")
    return book.rows(f"SELECT {_COLUMNS} FROM shopkeepers WHERE shop_id = ? AND removed_at IS NULL"
                     " ORDER BY role = 'owner' DESC, username", [book.shop_id])


def reset_staff_password(book: Book, username, password) -> dict:
    """A new first password: to be changed at the next login; sessions on the old one end."""
    book.require("staff.reset_staff_password")
    login = _staff_login(book, username)
    validate_password(password)
    book.con.execute(
        "UPDATE shopkeepers SET password_hash = ?, password_changed_at = ?, must_change_password = TRUE,"
        " failed_logins = 0, locked_until = NULL WHERE shopkeeper_id = ?",
        [hash_password(password), datetime.now(UTC), login["shopkeeper_id"]])
    book.audit("reset_password", "shopkeeper", login["shopkeeper_id"], None, {"username": login["username"]})
    return _login(book, login["username"])


def set_staff_active(book: Book, username, active: bool) -> dict:
    """Disable a login (refused at once, even a session already open) or enable it again."""
    book.require("staff.set_staff_active")
    login = _staff_login(book, username)
    active = bool(active)
    if login["active"] != active:
        book.con.execute("UPDATE shopkeepers SET active = ?, disabled_at = ? WHERE shopkeeper_id = ?",
                         [active, None if active else book.now, login["shopkeeper_id"]])
        book.audit("enable_login" if active else "disable_login", "shopkeeper", login["shopkeeper_id"],
                   {"active": login["active"]}, {"active": active, "username": login["username"]})
    return _login(book, login["username"])


def remove_staff(book: Book, username) -> str:
    """Remove a login for good: it can no longer log in and leaves the list; returns the username."""
    book.require("staff.remove_staff")
    login = _staff_login(book, username)
    book.con.execute("UPDATE shopkeepers SET active = FALSE, disabled_at = coalesce(disabled_at, ?),"
                     " removed_at = ? WHERE shopkeeper_id = ?", [book.now, book.now, login["shopkeeper_id"]])
    book.audit("remove_login", "shopkeeper", login["shopkeeper_id"], None, {"username": login["username"]})
    return login["username"]
