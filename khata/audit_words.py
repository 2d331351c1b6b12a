"""The audit log in a person's words: what happened as a sentence, changes as "field: old → new",
times in the shop's time zone. The log itself keeps codes and JSON (``audit_log``: for analysts and
for this module); nothing here writes.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .dates import format_day
from .i18n import LANGUAGES, N_, _, language_name
from .money import format_inr
from .phones import pretty_phone
from .words import method_word

# (action, entity) -> the sentence; an action alone when the entity does not change the sentence
ACTIONS = {
    ("create", "shop"): N_("Opened the shop's book"),
    ("edit", "shop"): N_("Changed the shop's settings"),
    ("create", "customer"): N_("Added a customer"),
    ("edit", "customer"): N_("Changed a customer's details"),
    ("archive", "customer"): N_("Archived a customer"),
    ("delete", "customer"): N_("Deleted a customer"),
    ("unarchive", "customer"): N_("Brought back an archived customer"),
    ("import", "customer"): N_("Imported customers from a file"),
    ("create", "loan"): N_("Recorded a credit sale"),
    ("reverse", "loan"): N_("Reversed a credit sale"),
    ("repay", "repayment"): N_("Recorded a repayment"),
    ("reverse", "repayment"): N_("Reversed a repayment"),
    ("request", "approval"): N_("Asked the owner for a reversal"),
    ("approve", "approval"): N_("Approved a reversal"),
    ("reject", "approval"): N_("Turned down a reversal"),
    ("edit", "shopkeeper"): N_("Changed a login's settings"),
    "login": N_("Logged in"),
    "login_failed": N_("Login failed (wrong username or password)"),
    "login_refused": N_("Login refused (the login is switched off)"),
    "change_password": N_("Changed the password"),
    "add_login": N_("Added a staff login"),
    "reset_password": N_("Set a new first password for a login"),
    "enable_login": N_("Switched a login on"),
    "disable_login": N_("Switched a login off"),
    "remove_login": N_("Removed a login"),
    "manual_reminder": N_("Reminded a customer from the phone"),
    "whatsapp_opt_out": N_("Stopped WhatsApp reminders to a customer"),
    "whatsapp_opt_in": N_("Started WhatsApp reminders to a customer again"),
    "flag_whatsapp_invalid": N_("Marked a customer's number as not on WhatsApp"),
}

FIELDS = {
    "name": N_("Name"), "shop_name": N_("Shop name"), "username": N_("Username"), "phone": N_("Phone"),
    "address": N_("Address"), "notes": N_("Notes"), "note": N_("Note"), "credit_limit": N_("Credit limit"),
    "language": N_("Language"), "whatsapp_opt_out": N_("WhatsApp reminders stopped"),
    "whatsapp_invalid": N_("Not on WhatsApp"), "customer_id": N_("Customer number"), "loan_id": N_("Sale number"),
    "entry_id": N_("Entry number"), "item": N_("Item"), "amount": N_("Amount"), "principal": N_("Amount"),
    "issue_date": N_("Sale date"), "due_date": N_("Due date"), "grace_days": N_("Grace days"),
    "paid_on": N_("Paid on"), "method": N_("Payment method"), "status": N_("Status"), "kind": N_("Kind"),
    "role": N_("Role"), "active": N_("Login on"), "reason": N_("Reason"), "channel": N_("Sent by"),
    "reminder_date": N_("Date"), "upi_id": N_("UPI ID"), "timezone": N_("Time zone"),
    "reminders_enabled": N_("WhatsApp reminders on"), "reminder_days": N_("Reminder days"),
    "loan_term_days": N_("Days to pay"), "customers": N_("Customers"), "opening_balances": N_("Opening balances"),
    "total_opening": N_("Total opening balance"), "archived_at": N_("Archived on"),
    "unknown_name": N_("Unknown username"),
    "twilio_error": N_("Twilio error code"), "email": N_("E-mail"),
}
# values the book stores as codes
VALUES = {
    "status": {"pending": N_("waiting"), "approved": N_("approved"), "rejected": N_("turned down"),
               "paid": N_("paid"), "overdue": N_("overdue"), "reversed": N_("reversed")},
    "role": {"owner": N_("owner"), "staff": N_("staff")},
    "kind": {"loan": N_("credit sale"), "repayment": N_("repayment"), "overdue": N_("overdue"),
             "due_soon": N_("due soon")},
    "channel": {"whatsapp": N_("Automatic WhatsApp"), "whatsapp_manual": N_("Your WhatsApp"),
                "sms_manual": N_("Your SMS")},
    "reason": {"customer_agreed": N_("the customer agreed"), "stop_reply": N_("the customer replied STOP")},
}
MONEY = {"amount", "principal", "credit_limit", "total_opening"}
HIDDEN = {"shop_id", "created_at", "updated_at", "created_by", "trust_score", "password_hash"}
ARROW = " → "


def action_words(action: str, entity: str) -> str:
    """The sentence for one line, in the current language (the code itself if it is new)."""
    words = ACTIONS.get((action, entity)) or ACTIONS.get(action)
    return _(words) if words else action


def _value(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in VALUES and value in VALUES[key]:
        return _(VALUES[key][value])
    if key == "method":
        return method_word(value)
    if key == "language" and value in LANGUAGES:
        return language_name(value)
    if key == "phone":
        return pretty_phone(str(value))
    if key in MONEY:
        try:
            return format_inr(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return format_day(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _loaded(value) -> dict:
    if value is None or value == "":
        return {}
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else {"": loaded}


def change_words(before, after) -> str:
    """"Credit limit: ₹5,000.00 → ₹8,000.00; Phone: +91 98765 11111" (only what is there and changed)."""
    old, new = _loaded(before), _loaded(after)
    parts = []
    for key in [*old, *[k for k in new if k not in old]]:
        if key in HIDDEN:
            continue
        field = _(FIELDS[key]) if key in FIELDS else key.replace("_", " ")
        if key in old and key in new:
            if old[key] == new[key]:
                continue
            parts.append(f"{field}: {_value(key, old[key])}{ARROW}{_value(key, new[key])}")
        elif key in new:
            parts.append(f"{field}: {_value(key, new[key])}")
        else:
            parts.append(f"{field}: {_value(key, old[key])}{ARROW}—")
    return "; ".join(parts)


def shop_time(instant: datetime | None, zone: str) -> datetime | None:
    """An instant of the log (kept in UTC) as the shop's clock shows it."""
    if instant is None:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(ZoneInfo(zone))


def for_people(rows: list[dict], zone: str) -> list[dict]:
    """Audit rows -> {logged_at (shop time), actor, what (sentence), entity_id, changes}."""
    return [{"logged_at": shop_time(row["logged_at"], zone), "actor": row["actor"],
             "what": action_words(row["action"], row["entity"]), "entity_id": row["entity_id"],
             "changes": change_words(row.get("before"), row.get("after"))} for row in rows]
