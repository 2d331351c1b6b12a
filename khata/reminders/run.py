"""The reminder run: the pipeline's steps in order, once, with one ``now``.

``run_reminders`` is the only loop over the steps. The CLI and the benchmark call
it with the plain functions; the Prefect flow calls it with the same functions
wrapped as tasks (``Steps``), so retries and the run's history live in Prefect
while the order, the chunking and the per-shop fallback live here.

1. ``start``   the run's shops (all, or the one of a username) and, for a real run,
               ``outbox.prepare``: stale ``sending`` -> ``unknown``, old ``queued`` -> ``skipped``.
2. ``replies`` ``consent.honour_replies``: customers who replied STOP (or its equivalent) since
               the last run get no reminder from now on, this morning's included.
   ``refresh`` ``status.refresh_statuses``: Twilio's delivered/read/failed of recent messages.
3. ``plan``    ``outbox.plan_shops`` per chunk of ``PLAN_CHUNK`` shops; a chunk that fails is
               planned shop by shop (``plan_one``), so one shop's trouble never stops the others.
4. ``claim`` / ``deliver`` / ``record`` in batches until nothing is queued: a short
               transaction, the network with no connection open, another short transaction.

Dry run. An explicitly asked dry run (``dry_run=True``: ``khata remind --dry-run``,
the deployment's ``dry_run`` parameter) is a preview: it selects and composes
exactly what a real run would send and returns it, and writes nothing at all (no
outbox rows, no audit lines, not even the housekeeping of step 1), so it never
takes a customer's one message of the day nor counts as a ladder step, and two
dry runs change nothing. A real run without Twilio credentials (or with the
outbox notifier) is the shop's reminder for the day: its rows are recorded as
``simulated``.

Run date. The services accept any date (tests and the benchmark replay fixed
days). Where a person types the date (the CLI's ``--today``, the deployment's
``run_date``) ``check_today=True`` allows only each shop's own today, or
yesterday to catch up a morning run that did not happen; anything else is
refused before anything is read or written.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..dates import parse_date, shop_today
from ..errors import ValidationError
from ..notify import Notifier
from ..notify.choose import make_notifier
from ..notify.ratelimit import RateLimiter
from ..phones import mask_phone
from .consent import honour_replies
from .delivery import deliver, rate_from_env, utc_now
from .delivery import log as delivery_log
from .outbox import DEFAULT_BATCH, STALE_AFTER_S, claim, plan_shop, plan_shops, preview_shops, record_results
from .outbox import prepare as prepare_outbox
from .run_context import checked_now
from .selection import list_shops
from .status import refresh_statuses
from .views import summarize, totals

PLAN_CHUNK = 500          # shops planned per unit of work (one ledger query per chunk and local date)
CATCH_UP_DAYS = 1         # how far back a typed run date may be (yesterday)


def new_run_id() -> str:
    return uuid.uuid4().hex


def check_run_date(day: date, shops: list[dict], now: datetime) -> None:
    """Refuse a typed run date that is not the shop's today or yesterday (shop-local)."""
    for shop in shops:
        today = shop_today(shop["timezone"], now)
        if not today - timedelta(days=CATCH_UP_DAYS) <= day <= today:
            raise ValidationError(
                f"Run date {day.isoformat()} is not allowed for {shop['name']}: reminders go out for the shop's"
                f" today ({today.isoformat()}) or, to catch up a missed run, yesterday"
                f" ({(today - timedelta(days=CATCH_UP_DAYS)).isoformat()}).")


def start_run(root, shop: str | None, *, now: datetime, prepare: bool = True, typed_date: date | None = None,
          stale_after_s: float = STALE_AFTER_S) -> tuple[list[dict], dict]:
    """(the run's shops, what ``outbox.prepare`` closed). A ``typed_date`` is checked
    before anything is written; a preview prepares nothing."""
    shops = list_shops(root, shop)
    if typed_date is not None:
        check_run_date(typed_date, shops, now)
    if not prepare:
        return shops, {"unknown": 0, "expired": 0}
    return shops, prepare_outbox(root, now=now, shop_ids=[s["shop_id"] for s in shops], stale_after_s=stale_after_s)


@dataclass
class Steps:
    """The pipeline's steps; the Prefect flow swaps in task-wrapped versions."""
    start: Callable = start_run
    replies: Callable = honour_replies
    refresh: Callable = refresh_statuses
    plan_chunk: Callable = plan_shops
    plan_one: Callable = plan_shop
    preview_chunk: Callable = preview_shops
    claim: Callable = claim
    deliver: Callable = deliver
    record: Callable = record_results
    summarize: Callable = summarize


def _plan(root, steps: Steps, ids: list[int], *, preview: bool, today, now, logger,
          run_id: str | None = None) -> tuple[list, list, list]:
    """(plans, preview rows, shops that could not be planned), chunk by chunk, falling
    back to one shop at a time when a chunk fails."""
    plans, rows, failed = [], [], []
    for begin in range(0, len(ids), PLAN_CHUNK):
        chunk = ids[begin:begin + PLAN_CHUNK]
        try:
            if preview:
                chunk_rows, chunk_plans = steps.preview_chunk(root, chunk, today=today, now=now)
                rows += chunk_rows
            else:
                chunk_plans = steps.plan_chunk(root, chunk, today=today, now=now, run_id=run_id)
            plans += chunk_plans
            continue
        except Exception as err:  # noqa: BLE001 - one shop's trouble must not stop the others
            logger.warning("Shops %s..%s could not be planned together (%s); one by one instead.",
                           chunk[0], chunk[-1], type(err).__name__)
        for shop_id in chunk:
            try:
                if preview:
                    one_rows, one_plans = steps.preview_chunk(root, [shop_id], today=today, now=now)
                    rows += one_rows
                    plans += one_plans
                else:
                    plans.append(steps.plan_one(root, shop_id, today=today, now=now, run_id=run_id))
            except Exception as err:  # noqa: BLE001
                logger.error("Shop %s could not be planned: %s", shop_id, type(err).__name__)
                failed.append(shop_id)
    return plans, rows, failed


def run_reminders(root, *, today: date | None = None, now: datetime | None = None, shop: str | None = None,
                  notifier: Notifier | None = None, dry_run: bool = False, config=None,
                  rate_per_s: float | None = None, workers: int | None = None, batch: int = DEFAULT_BATCH,
                  stale_after_s: float = STALE_AFTER_S, max_attempts: int = 4, backoff_s: float = 0.5,
                  limiter: RateLimiter | None = None, check_today: bool = False, steps: Steps | None = None,
                  logger=None) -> dict:
    """Run every step once; returns the run's summary per shop (see the module docstring).

    ``now`` (default: the clock, read once here) decides each shop's today and every
    cutoff; the instants a batch is claimed and a message accepted are stamped as they
    happen (the run's ``now`` when the caller fixed it). ``dry_run`` previews and sends
    nothing, whatever the notifier. Otherwise ``notifier`` wins; else Twilio when
    ``config`` (or the environment) has credentials; else the outbox notifier.
    """
    from ..notify.twilio_whatsapp import TwilioConfig

    logger = logger or delivery_log
    steps = steps or Steps()
    clock = utc_now if now is None else (lambda: now)
    now = checked_now(now or clock())
    if today is not None:
        today = parse_date(today, "Run date")
    shops, prepared = steps.start(root, shop, now=now, prepare=not dry_run, typed_date=today if check_today else None,
                                  stale_after_s=stale_after_s)
    ids = [s["shop_id"] for s in shops]
    if dry_run:
        return _preview(root, steps, ids, today=today, now=now, prepared=prepared, logger=logger)
    if notifier is None:
        notifier = make_notifier(config if config is not None else TwilioConfig.from_env())
    replies = steps.replies(root, notifier, now=now, logger=logger)
    refreshed = steps.refresh(root, notifier, now=now, shop_ids=ids, rate_per_s=rate_per_s, logger=logger)
    run_id = new_run_id()
    plans, _, planning_failed = _plan(root, steps, ids, preview=False, today=today, now=now, logger=logger,
                                      run_id=run_id)
    for plan in plans:
        logger.info("Shop %s on %s: %d selected (%d to send, %d skipped).", plan["shop_id"], plan["reminder_date"],
                    plan["selected"], plan["queued"], plan["skipped"])
    shop_dates = {p["shop_id"]: p["reminder_date"] for p in plans}
    if limiter is None and not notifier.dry_run:
        limiter = RateLimiter(rate_per_s or rate_from_env())
    while shop_dates:
        rows = steps.claim(root, shop_dates, run_id=run_id, now=clock(), batch=batch)
        if not rows:
            break
        results = steps.deliver(rows, notifier, limiter=limiter, workers=workers, max_attempts=max_attempts,
                                backoff_s=backoff_s, clock=clock, logger=logger)
        counts = steps.record(root, results, run_id=run_id, now=clock())
        logger.info("Sent a batch of %d via %s: %s", len(rows), notifier.name, counts)
    summary = steps.summarize(root, shop_dates, run_id=run_id)  # this run's own rows
    day = steps.summarize(root, shop_dates)                     # the whole day so far
    for s in summary:
        logger.info("%s %s, this run: selected %d, sent %d, simulated %d, skipped %d, failed %d, unknown %d",
                    s["shop"], s["date"], s["selected"], s["sent"], s["simulated"], s["skipped"],
                    s["failed"], s["unknown"])
    return {"run_id": run_id, "dry_run": notifier.dry_run, "preview": False, "prepared": prepared, "now": now,
            "replies": replies, "refreshed": refreshed, "shops": summary, "totals": totals(summary),
            "day": day, "day_totals": totals(day), "planning_failed": planning_failed}


def _preview(root, steps: Steps, ids, *, today, now, prepared, logger) -> dict:
    """The dry run: what a real run would send now, and what is already recorded that day."""
    plans, rows, planning_failed = _plan(root, steps, ids, preview=True, today=today, now=now, logger=logger)
    names = {p["shop_id"]: p["shop_name"] for p in plans}
    would_send = [{"shop_id": r["shop_id"], "shop": names[r["shop_id"]], "customer_id": r["customer_id"],
                   "customer": r.get("customer", ""),
                   "reminder_date": r["reminder_date"], "kind": r["kind"], "amount": r["amount"],
                   "phone": mask_phone(r["phone"]), "will_send": r["status"] == "queued",
                   "skip_reason": r["error_message"], "message_text": r["message_text"]} for r in rows]
    would = [{"shop_id": p["shop_id"], "shop": p["shop_name"], "date": p["reminder_date"].isoformat(),
              "selected": p["selected"], "to_send": p["queued"], "skipped": p["skipped"]} for p in plans]
    summary = steps.summarize(root, {p["shop_id"]: p["reminder_date"] for p in plans})  # already recorded
    logger.info("Dry run (preview): %d reminder(s) would be sent, %d skipped; nothing was sent or recorded.",
                sum(w["to_send"] for w in would), sum(w["skipped"] for w in would))
    return {"run_id": None, "dry_run": True, "preview": True, "prepared": prepared, "now": now, "replies": None,
            "refreshed": {"checked": 0, "updated": 0}, "shops": summary, "totals": totals(summary),
            "day": summary, "day_totals": totals(summary), "would": would, "would_send": would_send,
            "planning_failed": planning_failed}
