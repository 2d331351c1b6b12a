"""Whether a customer gets WhatsApp reminders, and why: their replies, Twilio's word, the shopkeeper's.

- ``honour_replies`` (the daily run, before selection): reads the replies customers sent
  to the sender since the last read (network, no connection open), then in one short
  transaction turns reminders off for each customer whose reply was a stop word
  (``stop_words``). A reply belongs to the shop whose WhatsApp reminder last went to that
  number before it, so the same phone in another shop is not touched. Each reply is
  handled once (``inbound_replies``); ``reply_cursor`` remembers where the read stopped.
- ``opt_out`` (on an open connection): the same change when Twilio answers that the
  customer blocked or opted out of the sender (``khata.notify.codes.OPT_OUT``).
- ``resume_reminders``: the shopkeeper turns them back on, only with a note saying how the
  customer agreed; ``stop_reminders`` turns them off by hand.
- ``consent_state``: the latest change in words for the customer page ("Replied STOP on 3 Dec").

Every change writes an audit line; that line is also where ``consent_state`` reads the why.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..book import Book, record_audit
from ..dates import format_day
from ..errors import ValidationError
from ..i18n import _
from ..validate import clean_text
from .delivery import log
from .run_context import RUN_ACTOR, checked_now
from .stop_words import stop_word

FIRST_READ_DAYS = 3               # no cursor yet: replies of the last 3 days (reminders refresh as long)
OVERLAP = timedelta(minutes=10)   # each read starts this much before the last reply seen (ids dedupe)
OPT_OUT_ACTIONS = ("whatsapp_opt_out", "whatsapp_opt_in", "edit", "create")


def opt_out(con, shop_id: int, customer_id: int, *, now: datetime, why: dict, actor: str = RUN_ACTOR) -> bool:
    """Turn the customer's WhatsApp reminders off with an audit line saying why; False when
    they were already off (nothing written)."""
    changed = con.execute(
        "UPDATE customers SET whatsapp_opt_out = TRUE, updated_at = ? WHERE shop_id = ? AND customer_id = ?"
        " AND NOT whatsapp_opt_out RETURNING customer_id", [now, shop_id, customer_id]).fetchall()
    if changed:
        record_audit(con, shop_id, actor, "whatsapp_opt_out", "customer", customer_id,
                     {"whatsapp_opt_out": False}, {"whatsapp_opt_out": True, **why})
    return bool(changed)


def opt_out_for_error(con, shop_id: int, customer_id: int, code, now: datetime) -> bool:
    """Twilio said the customer blocked or opted out of the sender (63014, ...)."""
    return opt_out(con, shop_id, customer_id, now=now, why={"reason": "twilio_error", "twilio_error": str(code)})


# ---- replies --------------------------------------------------------------------------------------------

def _since(root, inbox: str, now: datetime) -> datetime:
    found = root.on_connection(lambda con: con.execute("SELECT read_until FROM reply_cursor WHERE inbox = ?",
                                            [inbox]).fetchone())
    return found[0] - OVERLAP if found else now - timedelta(days=FIRST_READ_DAYS)


def honour_replies(root, notifier, *, now: datetime, logger=None) -> dict:
    """Read the replies since the last read and turn reminders off for stop replies.
    Returns counts: read, stop, opted_out, already_out, no_reminder, ignored (not a stop
    word), seen_before, and ``error`` when Twilio could not be asked (nothing changes)."""
    logger = logger or log
    now = checked_now(now)
    empty = {"read": 0, "stop": 0, "opted_out": 0, "already_out": 0, "no_reminder": 0, "ignored": 0,
             "seen_before": 0, "error": False}
    inbox = getattr(notifier, "inbox", None)
    if notifier.dry_run or not inbox:
        return empty
    since = _since(root, inbox, now)
    replies = notifier.fetch_replies(since)          # network: no connection is open here
    if replies is None:
        logger.warning("Could not read customers' replies from Twilio; trying again next run.")
        return {**empty, "error": True}

    def work(con):                      # again after a transaction conflict: counts start afresh
        counts = {**empty, "read": len(replies)}
        newest = max(since, now)        # read up to now; the next read overlaps back a little
        for reply in sorted(replies, key=lambda r: (r.date_sent, r.sid)):
            newest = max(newest, reply.date_sent)
            if con.execute("SELECT 1 FROM inbound_replies WHERE message_sid = ?", [reply.sid]).fetchone():
                counts["seen_before"] += 1
                continue
            word = stop_word(reply.body)
            shop_id = customer_id = None
            if word is None:
                outcome = "not_stop"
                counts["ignored"] += 1
            else:
                counts["stop"] += 1
                answered = con.execute(
                    "SELECT shop_id, customer_id FROM reminder_outbox WHERE channel = 'whatsapp' AND phone = ?"
                    " AND message_sid IS NOT NULL AND sent_at <= ? ORDER BY sent_at DESC LIMIT 1",
                    [reply.from_phone, reply.date_sent]).fetchone()
                if answered is None:
                    outcome = "no_reminder"
                else:
                    shop_id, customer_id = answered
                    why = {"reason": "reply", "reply": word, "replied_at": reply.date_sent.isoformat()}
                    outcome = "opted_out" if opt_out(con, shop_id, customer_id, now=now, why=why) else "already_out"
                counts[outcome] += 1
            con.execute("INSERT INTO inbound_replies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [reply.sid, inbox, reply.from_phone, reply.date_sent, word, shop_id, customer_id, outcome,
                         now])
        con.execute("INSERT INTO reply_cursor (inbox, read_until, read_at) VALUES (?, ?, ?) ON CONFLICT (inbox)"
                    " DO UPDATE SET read_until = greatest(reply_cursor.read_until, excluded.read_until),"
                    " read_at = excluded.read_at", [inbox, newest, now])
        return counts

    result = root.in_transaction(work)
    logger.info("Replies read: %d; stop replies %d, reminders turned off for %d customer(s).",
                result["read"], result["stop"], result["opted_out"])
    return result


# ---- the shopkeeper --------------------------------------------------------------------------------------

def _customer(book: Book, customer_id) -> dict:
    from ..customers import customer_row

    return customer_row(book, customer_id)


def stop_reminders(book: Book, customer_id, note: str | None = None) -> dict:
    """The shopkeeper turns the customer's WhatsApp reminders off (a note is welcome, not needed)."""
    customer = _customer(book, customer_id)
    clean = clean_text(note, _("Note"), max_len=300) if note else None
    why = {"reason": "shopkeeper", **({"note": clean} if clean else {})}
    opt_out(book.con, book.shop_id, customer["customer_id"], now=book.now, why=why, actor=book.actor)
    return _customer(book, customer["customer_id"])


def resume_reminders(book: Book, customer_id, note) -> dict:
    """Turn WhatsApp reminders back on, only with a note saying how the customer agreed
    (they said STOP once: the shop must be able to show they changed their mind)."""
    book.require("reminders.consent.resume_reminders")
    customer = _customer(book, customer_id)
    if not customer["whatsapp_opt_out"]:
        return customer                 # already on: nothing to agree to
    clean = clean_text(note, _("Note"), max_len=300) if isinstance(note, str) else None
    if not clean:
        raise ValidationError(_("Write how {name} agreed to get reminders again (for example: said yes in the shop "
                                "on 3 Dec); reminders stay off until then.").format(name=customer["name"]))
    book.con.execute("UPDATE customers SET whatsapp_opt_out = FALSE, updated_at = ? WHERE shop_id = ?"
                     " AND customer_id = ?", [book.now, book.shop_id, customer["customer_id"]])
    book.audit("whatsapp_opt_in", "customer", customer["customer_id"], {"whatsapp_opt_out": True},
               {"whatsapp_opt_out": False, "reason": "customer_agreed", "note": clean})
    return _customer(book, customer["customer_id"])


def _day(instant: datetime, timezone: str) -> str:
    return format_day(instant.astimezone(ZoneInfo(timezone)).date())


def consent_state(book: Book, customer_id) -> dict:
    """The customer's reminders (on/off) and the latest change in words: who, when, why.
    ``said`` is None when nothing was ever changed."""
    customer = _customer(book, customer_id)
    rows = book.rows(
        "SELECT actor, logged_at, action, after FROM audit_log WHERE shop_id = ? AND entity = 'customer'"
        " AND entity_id = ? AND list_contains(?, action) AND after LIKE '%\"whatsapp_opt_out\"%'"
        " ORDER BY logged_at DESC, audit_id DESC LIMIT 1",
        [book.shop_id, customer["customer_id"], list(OPT_OUT_ACTIONS)])
    state = {"opted_out": customer["whatsapp_opt_out"], "said": None, "note": None, "who": None, "when": None}
    if not rows:
        return state
    row = rows[0]
    after = json.loads(row["after"])
    if bool(after.get("whatsapp_opt_out")) != bool(customer["whatsapp_opt_out"]):
        return state                    # the latest line is about something older than the current state
    if row["action"] == "create" and not after.get("whatsapp_opt_out"):
        return state                    # added like everyone else: nothing to explain
    tz = book.shop["timezone"]
    who = row["actor"] or _("someone")
    day = _day(row["logged_at"], tz)
    reason = after.get("reason")
    if reason == "reply":
        word = after.get("reply") or "STOP"
        replied = datetime.fromisoformat(after["replied_at"]) if after.get("replied_at") else row["logged_at"]
        said = _("Replied {word} on {day}").format(word=word.upper() if word.isascii() else word,
                                                   day=_day(replied, tz))
    elif reason == "twilio_error":
        said = _("WhatsApp said on {day} that they blocked or opted out of your messages (Twilio {code})").format(
            day=day, code=after.get("twilio_error"))
    elif reason == "customer_agreed":
        said = _("Turned back on by {who} on {day}; the customer agreed").format(who=who, day=day)
    elif row["action"] == "create":
        said = _("Added without reminders by {who} on {day}").format(who=who, day=day)
    elif after.get("whatsapp_opt_out"):
        said = _("Turned off by {who} on {day}").format(who=who, day=day)
    else:
        said = _("Turned on by {who} on {day}").format(who=who, day=day)
    state.update(said=said, note=after.get("note"), who=who, when=row["logged_at"])
    return state
