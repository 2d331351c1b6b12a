"""Shopkeeper accounts and shop settings.

Passwords are stored only as bcrypt hashes. The login policy lives here, in
``authenticate``: failures are counted (in DuckDB for real accounts, so a lockout
survives reloads and restarts; in this process for names that do not exist) and
both kinds of name lock the same way, get the same words and cost one bcrypt
check of the same cost, so neither the message nor the response time tells
whether a username exists.
"""
from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import bcrypt

from . import db
from .book import Book, record_audit
from .dates import DEFAULT_TIMEZONE, validate_timezone
from .errors import AuthError, Conflict, ValidationError, shown
from .i18n import DEFAULT_LANGUAGE, N_, _
from .money import parse_amount
from .phones import normalize_phone
from .validate import checked_language, clean_text, int_in_range

PASSWORD_RULES = N_(
    "8 to 20 characters, with at least one lowercase letter, one uppercase letter, "
    "one digit and one symbol from @$!%*?&"
)
_PASSWORD_RE = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[@$!%*?&])[A-Za-z\d@$!%*?&]{8,20}$")
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,29}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_REMINDER_DAYS = (-1, 1, 3, 7, 14, 30)
DEFAULT_REPEAT_DAYS = 7
LOGIN_FAILED = N_("Username or password is incorrect.")
DISABLED = N_("This login was turned off by the shop owner.")
LOCKED = N_("Too many failed attempts. This account is locked for a while; try again in {minutes} minutes.")


def validate_password(password: str) -> str:
    if not isinstance(password, str) or not _PASSWORD_RE.match(password):
        raise ValidationError(_("The password must be {rules}.").format(rules=_(PASSWORD_RULES)))
    return password


BCRYPT_ROUNDS = 12  # every stored hash and the unknown-user check use this cost


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(str(password).encode(), password_hash.encode())
    except ValueError:
        return False


def normalize_username(username) -> str:
    text = str(username or "").strip().lower()
    if not _USERNAME_RE.match(text):
        raise ValidationError(
            _("Username must be 3 to 30 characters: lowercase letters, digits, '.', '_' or '-'.")
        )
    return text


def validate_email(email) -> str:
    text = str(email or "").strip()
    if not _EMAIL_RE.match(text) or len(text) > 254:
        raise ValidationError(_("'{text}' is not an email address.").format(text=shown(text)))
    return text


def register_shopkeeper(root, *, name, shop_name, username, email, phone, password,
                        timezone_name: str = DEFAULT_TIMEZONE, loan_term_days: int = 30,
                        language=None) -> dict:
    """Create a shop and its shopkeeper; returns {shop_id, shopkeeper_id, username}.
    ``language``: the one picked on the sign-up page (None: not chosen)."""
    name = clean_text(name, N_("Your name"), required=True, max_len=100)
    shop_name = clean_text(shop_name, N_("Shop name"), required=True, max_len=100)
    username = normalize_username(username)
    email = validate_email(email)
    phone = normalize_phone(phone)
    validate_password(password)
    timezone_name = validate_timezone(timezone_name)
    language = checked_language(language)
    password_hash = hash_password(password)

    def work(con):
        if con.execute("SELECT 1 FROM shopkeepers WHERE username = ?", [username]).fetchone():
            raise Conflict(_("The username '{username}' is taken; please choose another.").format(username=username))
        shop_id = db.next_id(con, "shop_id_seq")
        keeper_id = db.next_id(con, "shopkeeper_id_seq")
        con.execute(
            "INSERT INTO shops (shop_id, name, phone, timezone, loan_term_days) VALUES (?, ?, ?, ?, ?)",
            [shop_id, shop_name, phone, timezone_name, loan_term_days],
        )
        con.execute(
            "INSERT INTO shopkeepers (shopkeeper_id, shop_id, username, name, email, phone, password_hash, language)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [keeper_id, shop_id, username, name, email, phone, password_hash, language],
        )
        record_audit(con, shop_id, username, "create", "shop", shop_id, None,
              {"shop_name": shop_name, "username": username})
        return {"shop_id": shop_id, "shopkeeper_id": keeper_id, "username": username}

    return root.in_transaction(work)


def get_shopkeeper(root, username) -> dict | None:
    """The shopkeeper row joined with the shop's name, or None."""
    try:
        username = normalize_username(username)
    except ValidationError:
        return None
    return root.on_connection(lambda con: db.one_as_dict(con.execute(
        "SELECT k.*, s.name AS shop_name, s.timezone FROM shopkeepers k JOIN shops s USING (shop_id)"
        " WHERE k.username = ?", [username])))


def all_credentials(root) -> list[dict]:
    """Every login, for the dashboard's authenticator (username, name, email, hash, failures)."""
    return root.on_connection(lambda con: db.rows_as_dicts(con.execute(
        "SELECT username, name, email, password_hash, failed_logins, locked_until, password_changed_at,"
        " shop_id, role, active AND removed_at IS NULL AS active, must_change_password"
        " FROM shopkeepers ORDER BY username")))


def is_locked(root, username, *, now: datetime | None = None) -> bool:
    keeper = get_shopkeeper(root, username)
    now = now or datetime.now(UTC)
    return bool(keeper and keeper["locked_until"] and keeper["locked_until"] > now)


NO_SHOP = 0  # audit lines about a name that belongs to no shop (failed logins of unknown names)


def record_login_failure(root, username, *, max_attempts: int = 5, lock_minutes: int = 15,
                         now: datetime | None = None) -> bool:
    """Count a failed login; lock the account at ``max_attempts``. Returns True if now locked.

    Unknown usernames are accepted silently so callers behave the same either way.
    """
    try:
        username = normalize_username(username)
    except ValidationError:
        return False
    now = now or datetime.now(UTC)

    def work(con):
        row = con.execute("SELECT failed_logins, shop_id, shopkeeper_id FROM shopkeepers WHERE username = ?",
                          [username]).fetchone()
        if row is None:
            # The same writes as for a real name (an audit line, for no shop: shop 0, and an
            # update that matches nothing), so the time taken does not tell a name exists.
            record_audit(con, NO_SHOP, username, "login_failed", "shopkeeper", None, after={"unknown_name": True})
            con.execute("UPDATE shopkeepers SET failed_logins = failed_logins WHERE username = ?", [username])
            return False
        record_audit(con, row[1], username, "login_failed", "shopkeeper", row[2])
        failures = row[0] + 1
        locked_until = now + timedelta(minutes=lock_minutes) if failures >= max_attempts else None
        con.execute(
            "UPDATE shopkeepers SET failed_logins = ?, locked_until = coalesce(?, locked_until) WHERE username = ?",
            [0 if locked_until else failures, locked_until, username],
        )
        return locked_until is not None

    return root.in_transaction(work)


def record_login_success(root, username) -> None:
    username = normalize_username(username)

    def work(con):
        con.execute("UPDATE shopkeepers SET failed_logins = 0, locked_until = NULL WHERE username = ?"
                    " AND (failed_logins <> 0 OR locked_until IS NOT NULL)", [username])
        row = con.execute("SELECT shop_id, shopkeeper_id FROM shopkeepers WHERE username = ?", [username]).fetchone()
        if row:
            record_audit(con, row[0], username, "login", "shopkeeper", row[1])
    root.in_transaction(work)


def record_login_refused(root, keeper: dict, why: str) -> None:
    """A right password for a login that may not log in (disabled, removed): audited."""
    root.in_transaction(lambda con: record_audit(con, keeper["shop_id"], keeper["username"], "login_refused",
                                                 "shopkeeper",
                                      keeper["shopkeeper_id"], None, {"why": why}))


def is_active(keeper: dict | None) -> bool:
    """A login that may be used: it exists, was not disabled and was not removed."""
    return bool(keeper and keeper.get("active", True) is not False and keeper.get("removed_at") is None)


def authenticate(root, username, password, *, max_attempts: int = 5, lock_minutes: int = 15,
                 now: datetime | None = None) -> dict:
    """The login policy: check a login, count failures and enforce the lockout, for
    real and unknown usernames alike. Returns the shopkeeper or raises AuthError.

    Every call costs exactly one bcrypt check of ``BCRYPT_ROUNDS`` (against a dummy
    hash for an unknown name, and also while locked) and one short write, so the
    response time does not tell whether a username exists or is locked."""
    now = now or datetime.now(UTC)
    keeper = get_shopkeeper(root, username)
    matches = check_password(password, keeper["password_hash"] if keeper else UNKNOWN_USER_HASH)
    if keeper is None:
        locked_until = _unknown_failure(root, username, max_attempts=max_attempts, lock_minutes=lock_minutes, now=now)
        record_login_failure(root, username, max_attempts=max_attempts, lock_minutes=lock_minutes,
                             now=now)  # the same database round trip as for a real name
        raise AuthError(_locked_message(locked_until, now) if locked_until else _(LOGIN_FAILED))
    if keeper["locked_until"] and keeper["locked_until"] > now:
        raise AuthError(_locked_message(keeper["locked_until"], now))
    if matches and not is_active(keeper):
        record_login_refused(root, keeper, "disabled")
        raise AuthError(_(DISABLED))
    if not matches:
        locked = record_login_failure(root, username, max_attempts=max_attempts, lock_minutes=lock_minutes, now=now)
        if locked:
            raise AuthError(_(LOCKED).format(minutes=lock_minutes))
        raise AuthError(_(LOGIN_FAILED))
    record_login_success(root, keeper["username"])
    return keeper


def _locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
    return _(LOCKED).format(minutes=minutes)


UNKNOWN_USER_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()

# Failed logins for names that do not exist are kept by the process's root
# (``root.unknown_logins``): they count and lock exactly like a real account's.
_UNKNOWN_KEEP = 10_000  # forget expired entries beyond this many names


def _unknown_failure(root, username, *, max_attempts: int, lock_minutes: int, now: datetime):
    """Count a failure for an unknown name; returns its lock end while it is locked, else None."""
    key = str(username or "").strip().lower()
    with root.unknown_logins_lock:
        entry = root.unknown_logins.setdefault(key, {"failures": 0, "locked_until": None})
        if entry["locked_until"] and entry["locked_until"] > now:
            return entry["locked_until"]
        entry["failures"] += 1
        entry["locked_until"] = None
        if entry["failures"] >= max_attempts:
            entry.update(failures=0, locked_until=now + timedelta(minutes=lock_minutes))
        if len(root.unknown_logins) > _UNKNOWN_KEEP:
            for stale in [k for k, v in root.unknown_logins.items()
                          if k != key and not (v["locked_until"] and v["locked_until"] > now)]:
                del root.unknown_logins[stale]
        return entry["locked_until"]


def change_password(root, username, old_password, new_password) -> datetime:
    """Replace the hash after checking the old password; returns the change time
    (sessions issued before it are no longer valid)."""
    validate_password(new_password)
    keeper = get_shopkeeper(root, username)
    if keeper is None or not check_password(old_password, keeper["password_hash"]):
        raise AuthError(_("The current password is incorrect."))
    if old_password == new_password:
        raise ValidationError(_("The new password must be different from the current one."))
    new_hash = hash_password(new_password)
    changed_at = datetime.now(UTC)

    def work(con):
        con.execute("UPDATE shopkeepers SET password_hash = ?, password_changed_at = ?,"
                    " must_change_password = FALSE WHERE username = ?", [new_hash, changed_at, keeper["username"]])
        record_audit(con, keeper["shop_id"], keeper["username"], "change_password", "shopkeeper",
              keeper["shopkeeper_id"])
        return changed_at

    return root.in_transaction(work)


def set_language(root, username, language) -> str | None:
    """Store the shopkeeper's language (their reminders' default for customers without one,
    and what every device shows after login); None clears the choice. Refused codes change nothing."""
    language = checked_language(language)
    username = normalize_username(username)

    def work(con):
        row = con.execute("SELECT shop_id, shopkeeper_id, language FROM shopkeepers WHERE username = ?",
                          [username]).fetchone()
        if row is None:
            raise AuthError(LOGIN_FAILED)
        if row[2] != language:
            con.execute("UPDATE shopkeepers SET language = ? WHERE username = ?", [language, username])
            record_audit(con, row[0], username, "edit", "shopkeeper", row[1], {"language": row[2]},
                         {"language": language})
        return language

    return root.in_transaction(work)


def shop_languages(con, shop_ids) -> dict[int, str]:
    """Each shop's default language for customers who have none: the owner's (the first
    shopkeeper's), English when they never chose one."""
    ids = [int(s) for s in shop_ids]
    found = dict(con.execute("SELECT shop_id, arg_min(language, shopkeeper_id) FROM shopkeepers"
                             " WHERE list_contains(?, shop_id) GROUP BY shop_id", [ids]).fetchall())
    return {sid: found.get(sid) or DEFAULT_LANGUAGE for sid in ids}


# ---- shop settings -------------------------------------------------------------------

SETTINGS_FIELDS = ("name", "phone", "timezone", "loan_term_days", "upi_id",
                   "reminders_enabled", "reminder_days", "reminder_repeat_days", "staff_sale_limit")
_UPI_RE = re.compile(r"^[A-Za-z0-9.\-_]{2,256}@[A-Za-z][A-Za-z0-9]{1,64}$")


def parse_reminder_days(value) -> tuple[int, ...]:
    """'-1, 1, 3, 7' -> (-1, 1, 3, 7): days relative to the due date (after grace)."""
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = [p for p in re.split(r"[,\s]+", str(value or "").strip()) if p]
    try:
        days = sorted({int(p) for p in parts})
    except ValueError:
        raise ValidationError(_("Reminder days must be whole numbers separated by commas, like -1, 1, 3, 7.")) from None
    if not days:
        raise ValidationError(_("Give at least one reminder day, like -1, 1, 3, 7."))
    if any(d < -30 or d > 365 for d in days):
        raise ValidationError(_("Reminder days must be between -30 and 365."))
    return tuple(days)


def get_settings(book: Book) -> dict:
    """The shop's profile and reminder settings."""
    row = dict(book.shop)
    row["reminder_days"] = parse_reminder_days(row["reminder_days"])
    return row


def update_settings(book: Book, **changes) -> dict:
    """Change shop profile and reminder settings; unknown fields are refused."""
    book.require("accounts.update_settings")
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown setting(s): {names}.").format(names=", ".join(sorted(unknown))))
    clean: dict = {}
    for field, value in changes.items():
        if field == "name":
            clean[field] = clean_text(value, N_("Shop name"), required=True, max_len=100)
        elif field == "phone":
            clean[field] = normalize_phone(value) if str(value or "").strip() else None
        elif field == "timezone":
            clean[field] = validate_timezone(value)
        elif field == "loan_term_days":
            clean[field] = int_in_range(value, N_("Default loan term"), 1, 365)
        elif field == "upi_id":
            text = str(value or "").strip()
            if text and not _UPI_RE.match(text):
                raise ValidationError(_("'{text}' is not a UPI ID; it looks like shopname@okbank.").format(
                    text=shown(text)))
            clean[field] = text or None
        elif field == "reminders_enabled":
            clean[field] = bool(value)
        elif field == "reminder_days":
            clean[field] = ",".join(str(d) for d in parse_reminder_days(value))
        elif field == "reminder_repeat_days":
            clean[field] = int_in_range(value, N_("Repeat every (days)"), 0, 60)
        elif field == "staff_sale_limit":  # empty: staff sales never wait for approval
            clean[field] = (None if value in (None, "") or str(value).strip() == ""
                            else parse_amount(value, N_("Staff sales above")))

    before = book.shop
    if clean:
        sets = ", ".join(f"{field} = ?" for field in clean)
        book.con.execute(f"UPDATE shops SET {sets} WHERE shop_id = ?", [*clean.values(), before["shop_id"]])
        book.audit("edit", "shop", before["shop_id"], {k: before[k] for k in clean}, clean)
    row = book.row("SELECT * FROM shops WHERE shop_id = ?", [before["shop_id"]])
    row["reminder_days"] = parse_reminder_days(row["reminder_days"])
    return row
