"""The audit log, read back for the owner: who did what, when (logins too); ``audit_lines`` in words."""
from __future__ import annotations

from .audit_words import action_words, for_people
from .book import Book
from .dates import parse_date
from .errors import ValidationError
from .i18n import N_, _
from .row_cap import ROW_CAP


def audit_log(book: Book, *, date_from=None, date_to=None, actor: str | None = None, action: str | None = None,
              limit: int = ROW_CAP) -> list[dict]:
    """The newest lines of this shop's audit log, filtered by shop-local dates, who and action."""
    book.require("audit.audit_log")
    sql = ("SELECT audit_id, logged_at, actor, action, entity, entity_id, before, after FROM audit_log"
           " WHERE shop_id = ?")
    params: list = [book.shop_id]
    tz = book.shop["timezone"]
    start = parse_date(date_from, N_("From date")) if date_from not in (None, "") else None
    end = parse_date(date_to, N_("To date")) if date_to not in (None, "") else None
    if start and end and start > end:
        raise ValidationError(_("The 'From' date is after the 'To' date."))
    if start:
        sql += " AND CAST(timezone(?, logged_at) AS DATE) >= ?"
        params += [tz, start]
    if end:
        sql += " AND CAST(timezone(?, logged_at) AS DATE) <= ?"
        params += [tz, end]
    if actor not in (None, ""):
        sql += " AND actor = ?"
        params.append(str(actor))
    if action not in (None, ""):
        sql += " AND action = ?"
        params.append(str(action))
    sql += f" ORDER BY logged_at DESC, audit_id DESC LIMIT {max(1, min(int(limit), 5000))}"
    return book.rows(sql, params)


def audit_actors(book: Book) -> dict:
    """The names and actions that appear in this shop's audit log, for the filters."""
    book.require("audit.audit_actors")
    actors = [r["actor"] for r in book.rows("SELECT DISTINCT actor FROM audit_log WHERE shop_id = ?"
                                            " AND actor IS NOT NULL ORDER BY actor", [book.shop_id])]
    actions = [r["action"] for r in book.rows("SELECT DISTINCT action FROM audit_log WHERE shop_id = ?"
                                              " ORDER BY action", [book.shop_id])]
    words = {}
    for r in book.rows("SELECT DISTINCT action, entity FROM audit_log WHERE shop_id = ?", [book.shop_id]):
        words.setdefault(r["action"], action_words(r["action"], r["entity"]))
    return {"actors": actors, "actions": actions, "action_words": words}


def audit_lines(book: Book, **filters) -> list[dict]:
    """The audit log as the owner reads it: shop-local times, what happened as a sentence in the
    current language, changes as "field: old → new" (``audit_log`` keeps the codes and JSON)."""
    book.require("audit.audit_lines")
    return for_people(audit_log(book, **filters), book.shop["timezone"])
