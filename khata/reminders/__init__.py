"""Overdue reminders: who gets a WhatsApp message today, and sending it exactly once.

One concept per module:

- ``ladder``     the rules: which reminder a customer is due on a day (pure);
- ``message``    the one message builder: text, template variables, UPI or page link;
- ``selection``  the run's shops and the customers due on a day (reads only);
- ``outbox``     prepare, plan (queue), claim and record: the outbox table's writes;
- ``delivery``   sending claimed rows: network only, no database;
- ``status``     Twilio's later delivered/read/failed, with the same customer flag;
- ``stop_words`` the replies that mean "stop", in every language the app offers;
- ``consent``    replies honoured (STOP turns reminders off), turning them back on with a
                 note, and the why shown on the customer page;
- ``effect``     do reminders work: who paid within 1, 3, 7 days against the not reminded;
- ``views``      what people read: the shop's log and tomorrow's list (through a
                 ``Book``), the run's summary and failures;
- ``run``        the orchestrator, ``run_reminders``: the steps in order with one
                 ``now``; the Prefect flow runs it with the steps wrapped as tasks.

The names below are the package's public surface (the CLI, the flow, the pages,
the benchmark and the tests import them from ``khata.reminders``).
"""
from __future__ import annotations

from .consent import consent_state, honour_replies, resume_reminders, stop_reminders
from .delivery import DEFAULT_RATE, DEFAULT_WORKERS, deliver, rate_from_env, utc_now, workers_from_env
from .effect import effect_for_shops, reminder_effect
from .ladder import SKIP_INVALID, SKIP_OPTED_OUT, is_ladder_day, overdue_step
from .message import compose, one_line, upi_link
from .outbox import (
                     DEFAULT_BATCH,
                     SKIP_EXPIRED,
                     STALE_AFTER_S,
                     UNKNOWN_REASON,
                     claim,
                     plan_shop,
                     plan_shops,
                     prepare,
                     preview_shops,
                     record_results,
)
from .run import CATCH_UP_DAYS, PLAN_CHUNK, Steps, check_run_date, new_run_id, run_reminders, start_run
from .selection import list_shops, select_due, select_due_many, shop_rows
from .status import REFRESH_DAYS, refresh_statuses
from .stop_words import STOP_WORDS, stop_word
from .views import (
                     STATUSES,
                     delivery_state,
                     failures,
                     reminder_log,
                     summarize,
                     totals,
                     upcoming_page,
                     upcoming_reminders,
)

__all__ = [
    "CATCH_UP_DAYS", "DEFAULT_BATCH", "DEFAULT_RATE", "DEFAULT_WORKERS", "PLAN_CHUNK", "REFRESH_DAYS",
    "SKIP_EXPIRED", "SKIP_INVALID", "SKIP_OPTED_OUT", "STALE_AFTER_S", "STATUSES", "STOP_WORDS", "UNKNOWN_REASON",
    "Steps", "consent_state", "delivery_state", "effect_for_shops", "honour_replies", "reminder_effect",
    "resume_reminders", "stop_reminders", "stop_word",
    "check_run_date", "claim", "compose", "deliver", "failures", "is_ladder_day", "list_shops", "new_run_id",
    "one_line", "overdue_step", "plan_shop", "plan_shops", "prepare", "preview_shops", "rate_from_env",
    "record_results", "refresh_statuses", "reminder_log", "run_reminders", "select_due", "select_due_many",
    "shop_rows", "start_run", "summarize", "totals", "upcoming_page", "upcoming_reminders", "upi_link", "utc_now",
    "workers_from_env",
]
