"""The daily overdue-reminder run (deployment ``daily-8am-ist`` in prefect.yaml).

Thin Prefect tasks over ``khata.reminders``: no SQL here, and no loop of its own:
the flow hands ``khata.reminders.run_reminders`` (the one orchestrator, also used by
the CLI) the same steps wrapped as tasks (``STEPS``), so each step's retries and
history show in Prefect. What the operator sees
in the Prefect UI for each run:
- a run name with the date (``reminders-2026-11-27``);
- a table artifact ``reminders-summary``: per shop, selected / sent / simulated /
  skipped / failed / unknown;
- a markdown artifact ``reminders-failures``: each failed or unknown reminder with
  the customer, masked phone, Twilio error code and the reason;
- a table artifact ``reminders-replies``: the customers' replies read since the last
  run, how many were STOP (or its equivalent) and how many customers' reminders that
  turned off (task ``read-replies``, before selection, so they get nothing this morning);
- a markdown artifact ``reminders-effect``: do reminders work? Of the customers reminded,
  the share who paid within 1, 3 and 7 days and how much, by channel and by ladder step,
  against customers who were overdue but not reminded (``khata.reminders.effect``);
- logs with counts and masked phone numbers only.

Database steps retry (the file may be held by the app or the CLI for a moment);
the sending step never retries as a whole, because its rows are already claimed:
each message is retried inside it for transient Twilio errors only.

``dry_run=true`` is a preview: the artifacts list what would be sent and nothing
is sent or recorded (a run without Twilio credentials records ``simulated`` rows).
A ``run_date`` must be each shop's today or yesterday (a catch-up).
"""
from __future__ import annotations

from datetime import date, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from khata import reminders, settings
from khata.dates import DEFAULT_TIMEZONE, parse_date, shop_today
from khata.errors import DatabaseBusy, KhataError
from khata.money import format_inr
from khata.notify import make_notifier
from khata.notify.ratelimit import RateLimiter
from khata.notify.twilio_whatsapp import ENV_KEYS, LANGUAGE_KEYS, TwilioConfig
from khata.reminders import Steps
from khata.reminders.effect import DEFAULT_DAYS as EFFECT_DAYS
from khata.root import Root, flow_root

SECRET_BLOCKS = {  # Prefect Secret block name -> setting, used for whatever the environment lacks
    "twilio-account-sid": "TWILIO_ACCOUNT_SID",
    "twilio-auth-token": "TWILIO_AUTH_TOKEN",
    "twilio-whatsapp-from": "TWILIO_WHATSAPP_FROM",
    "twilio-content-sid": "TWILIO_CONTENT_SID",
    **{f"twilio-content-sid-{code}": key for key, code in LANGUAGE_KEYS.items()},  # twilio-content-sid-hi, ...
}
DB_RETRIES = 4
DB_RETRY_DELAYS = [2, 5, 10, 20]


def worth_retrying(task, task_run, state) -> bool:
    """Retry a database step when the file is busy or something unexpected broke, never for
    a shopkeeper-level error (unknown shop, bad date): that will not change on retry."""
    err = state.data if isinstance(state.data, BaseException) else None
    if err is None:
        try:
            state.result()
            return False
        except BaseException as raised:  # noqa: BLE001 - we only classify it
            err = raised
    return isinstance(err, DatabaseBusy) or not isinstance(err, KhataError)


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters or {}
    day = params.get("run_date") or shop_today(DEFAULT_TIMEZONE).isoformat()
    suffix = "-dry-run" if params.get("dry_run") else ""
    return f"reminders-{day}{suffix}"


def twilio_config() -> TwilioConfig | None:
    """Environment / .env first; Prefect Secret blocks fill in what is missing."""
    config = TwilioConfig.from_env()
    if config is not None:
        return config
    values = {k: settings.raw(k)[0] for k in ENV_KEYS if settings.raw(k)[0]}
    from prefect.blocks.system import Secret

    for block, key in SECRET_BLOCKS.items():
        if values.get(key):
            continue
        try:
            values[key] = Secret.load(block).get()
        except Exception:  # block missing (ValueError) or server without blocks: stay unset
            continue
    return TwilioConfig.from_mapping(values)


@task(name="prepare-outbox", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def prepare_outbox(shop: str | None, now: datetime, prepare: bool, typed_date: date | None,
                   stale_after_s: float, root: Root) -> tuple[list[dict], dict]:
    """The run's shops (a typed run date checked first); stale 'sending' rows -> 'unknown'."""
    logger = get_run_logger()
    shops, result = reminders.start_run(root, shop, now=now, prepare=prepare, typed_date=typed_date,
                                        stale_after_s=stale_after_s)
    if result["unknown"]:
        logger.warning("%d reminder(s) from an interrupted run marked 'unknown' (not resent).", result["unknown"])
    if result["expired"]:
        logger.warning("%d queued reminder(s) from an earlier day were never sent; marked skipped.",
                       result["expired"])
    return shops, result


@task(name="read-replies", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def read_replies(notifier, now: datetime, root: Root) -> dict:
    """Customers who replied STOP (any language the app offers) get no reminder from now on."""
    return reminders.honour_replies(root, notifier, now=now, logger=get_run_logger())


@task(name="refresh-twilio-status", retries=2, retry_delay_seconds=[5, 15], cache_policy=NO_CACHE)
def refresh_status(notifier, now: datetime, shop_ids: list[int], rate_per_s: float | None, root: Root) -> dict:
    return reminders.refresh_statuses(root, notifier, now=now, shop_ids=shop_ids, rate_per_s=rate_per_s,
                                      logger=get_run_logger())


def _log_plan(plan: dict) -> None:
    get_run_logger().info("Shop %s on %s: %d selected (%d to send, %d skipped).", plan["shop_id"],
                          plan["reminder_date"], plan["selected"], plan["queued"], plan["skipped"])


@task(name="plan-shops", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying,
      task_run_name="plan-shops-{shop_ids[0]}-and-{count}-more")
def plan_shops(shop_ids: list[int], count: int, run_date: date | None, now: datetime, root: Root) -> list[dict]:
    """Select and queue reminders for a chunk of shops in one unit of work."""
    plans = reminders.plan_shops(root, shop_ids, today=run_date, now=now)
    for plan in plans:
        _log_plan(plan)
    return plans


@task(name="plan-shop", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying,
      task_run_name="plan-shop-{shop_id}")
def plan_shop(shop_id: int, run_date: date | None, now: datetime, root: Root) -> dict:
    """One shop alone: used when its chunk could not be planned, so one shop's trouble
    never stops the others."""
    plan = reminders.plan_shop(root, shop_id, today=run_date, now=now)
    _log_plan(plan)
    return plan


@task(name="preview-shops", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying,
      task_run_name="preview-shops-{shop_ids[0]}-and-{count}-more")
def preview_shops(shop_ids: list[int], count: int, run_date: date | None, now: datetime,
                  root: Root) -> tuple[list[dict], list[dict]]:
    """The dry run's selection: what would be queued; nothing is written."""
    return reminders.preview_shops(root, shop_ids, today=run_date, now=now)


@task(name="claim-batch", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def claim_batch(shop_dates: dict, run_id: str, now: datetime, batch: int, root: Root) -> list[dict]:
    return reminders.claim(root, shop_dates, run_id=run_id, now=now, batch=batch)


@task(name="send-batch", retries=0, cache_policy=NO_CACHE)
def send_batch(rows: list[dict], notifier, limiter, workers: int | None, max_attempts: int,
               backoff_s: float) -> list[dict]:
    """No Prefect retry: these rows are claimed; a second attempt would resend them."""
    logger = get_run_logger()
    results = reminders.deliver(rows, notifier, limiter=limiter, workers=workers, max_attempts=max_attempts,
                                backoff_s=backoff_s, logger=logger)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    logger.info("Sent a batch of %d via %s: %s", len(rows), notifier.name, counts)
    return results


@task(name="record-results", retries=DB_RETRIES + 2, retry_delay_seconds=[2, 5, 10, 20, 30, 60],
      cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
def record(results: list[dict], run_id: str, now: datetime, root: Root) -> dict:
    return reminders.record_results(root, results, run_id=run_id, now=now)


@task(name="summarize", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def summarize(shop_dates: dict, root: Root) -> list[dict]:
    return reminders.summarize(root, shop_dates)


STEPS = Steps(  # the orchestrator's steps as tasks (same functions, same order, Prefect retries)
    start=lambda root, shop, *, now, prepare, typed_date, stale_after_s:
        prepare_outbox(shop, now, prepare, typed_date, stale_after_s, root),
    replies=lambda root, notifier, *, now, logger: read_replies(notifier, now, root),
    refresh=lambda root, notifier, *, now, shop_ids, rate_per_s, logger:
        refresh_status(notifier, now, shop_ids, rate_per_s, root),
    plan_chunk=lambda root, ids, *, today, now: plan_shops(ids, len(ids) - 1, today, now, root),
    plan_one=lambda root, shop_id, *, today, now: plan_shop(shop_id, today, now, root),
    preview_chunk=lambda root, ids, *, today, now: preview_shops(ids, len(ids) - 1, today, now, root),
    claim=lambda root, shop_dates, *, run_id, now, batch: claim_batch(shop_dates, run_id, now, batch, root),
    deliver=lambda rows, notifier, *, limiter, workers, max_attempts, backoff_s, clock, logger:
        send_batch(rows, notifier, limiter, workers, max_attempts, backoff_s),
    record=lambda root, results, *, run_id, now: record(results, run_id, now, root),
    summarize=lambda root, shop_dates: summarize(shop_dates, root),
)


def _cell(text) -> str:
    return str(text or "").replace("|", "/").replace("\n", " ")


@task(name="report", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def report(outcome: dict, root: Root) -> list[dict]:
    """The artifacts the operator reads; returns the failed and unknown reminders."""
    if outcome["preview"]:
        create_table_artifact(key="reminders-summary", table=outcome["would"],
                              description="Dry run (preview): what would be sent; nothing sent or recorded")
        lines = ["# Reminders a real run would send now", "", "| shop | phone | kind | amount | outcome |",
                 "| --- | --- | --- | --- | --- |"]
        lines += [f"| {_cell(m['shop'])} | {m['phone']} | {m['kind']} | {m['amount']} | "
                  f"{'send' if m['will_send'] else _cell('skip: ' + m['skip_reason'])} |" for m in outcome["would_send"]]  # noqa: E501
        create_markdown_artifact(key="reminders-preview", markdown="\n".join(lines),
                                 description="Dry run: the reminders a real run would send")
        return []
    shop_dates = {s["shop_id"]: s["date"] for s in outcome["shops"]}
    failed = reminders.failures(root, shop_dates)
    table = [{k: s[k] for k in ("shop", "date", "selected", "sent", "simulated", "skipped", "failed", "unknown")}
             for s in outcome["shops"]]
    create_table_artifact(key="reminders-summary", table=table,
                          description="Overdue reminders per shop"
                                      f"{' (no Twilio credentials: nothing sent)' if outcome['dry_run'] else ''}")
    if failed:
        lines = ["# Reminders that failed", "", "| shop | customer | phone | status | code | reason |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for f in failed:
            lines.append(f"| {_cell(f['shop'])} | {_cell(f['customer'])} | {f['phone']} | {f['status']} | "
                         f"{f['error_code'] or ''} | {_cell(f['error_message'])} |")
    else:
        lines = ["# Reminders that failed", "", "None today."]
    create_markdown_artifact(key="reminders-failures", markdown="\n".join(lines),
                             description="Failed or unknown reminders with reasons")
    replies = outcome.get("replies") or {}
    create_table_artifact(key="reminders-replies", table=[{k: replies.get(k, 0) for k in REPLY_COUNTS}],
                          description="Customers' replies read since the last run"
                                      f"{' (Twilio could not be asked; read again next run)' if replies.get('error') else ''}")  # noqa: E501
    effect = effect_markdown([s["shop_id"] for s in outcome["shops"]], outcome["now"], root)
    create_markdown_artifact(key="reminders-effect", markdown=effect,
                             description="Do reminders work? Paid within 1, 3, 7 days")
    return failed


REPLY_COUNTS = ("read", "stop", "opted_out", "already_out", "no_reminder", "ignored", "seen_before")


def _effect_table(rows: list[dict], heading: str) -> list[str]:
    lines = [f"## {heading}", "", "| group | customers | paid in 1 day | in 3 days | in 7 days | paid in 7 days (₹) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {_cell(r['label'])} | {r['customers']} | {r['paid_1d']} ({r['share_1d']}%) | "
                     f"{r['paid_3d']} ({r['share_3d']}%) | {r['paid_7d']} ({r['share_7d']}%) | "
                     f"{format_inr(r['amount_7d'])} |")
    return lines + [""]


def effect_markdown(shop_ids: list[int], now: datetime, root: Root) -> str:
    """The effect of reminders over the run's shops, by channel and by ladder step (each
    shop's today from the run's ``now``)."""
    by_channel = reminders.effect_for_shops(root, shop_ids, now=now, by="channel")
    lines = ["# Do reminders work?", "",
             f"Reminder days from the last {EFFECT_DAYS} whose 7-day window has closed;"
             " 'not reminded' = customers overdue that day who got no reminder.", ""]
    if not by_channel:
        return "\n".join(lines + ["No reminder has reached a customer at least 7 days ago yet."])
    lines += _effect_table(by_channel, "By channel")
    by_step = reminders.effect_for_shops(root, shop_ids, now=now, by="ladder_day")
    lines += _effect_table(by_step, "By ladder step")
    return "\n".join(lines)


@flow(name="overdue-reminders", flow_run_name=_run_name, log_prints=True)
def overdue_reminders(run_date: str | None = None, dry_run: bool = False, shop: str | None = None,
                      db: str | None = None, rate_per_s: float | None = None, batch: int = reminders.DEFAULT_BATCH,
                      ) -> dict:
    """Send today's overdue WhatsApp reminders, once per customer per day.

    run_date: YYYY-MM-DD, the shop's today (default) or yesterday to catch up a missed run;
    dry_run: a preview, nothing is sent or recorded; shop: one shopkeeper's username; db:
    database file (default KHATA_DB or data/khata.duckdb); rate_per_s: messages per second
    (default KHATA_REMINDER_RATE or 10).
    """
    root = flow_root(db)  # this run's composition root; a missing book is refused before anything runs
    logger = get_run_logger()
    day = parse_date(run_date, "Run date") if run_date else None
    notifier = None
    if dry_run:
        logger.info("Dry run asked for: a preview, nothing is sent or recorded.")
    else:
        notifier = make_notifier(twilio_config())
        if notifier.dry_run:
            logger.info("No Twilio credentials: nothing is sent; reminders are recorded as 'simulated'.")
    rate = rate_per_s or reminders.rate_from_env()
    # run_reminders reads the run's one 'now' and hands it to every task; the instants a batch
    # is claimed and a message accepted are stamped as they happen (a long run stays fresh).
    outcome = reminders.run_reminders(root, today=day, shop=shop, notifier=notifier, dry_run=dry_run,
                                      rate_per_s=rate, batch=batch, limiter=RateLimiter(rate), check_today=True,
                                      steps=STEPS, logger=logger)
    outcome["failures"] = report(outcome, root)
    if outcome["planning_failed"]:
        failed = outcome["planning_failed"]
        raise RuntimeError(f"{len(failed)} shop(s) could not be planned: {failed}")
    return outcome


if __name__ == "__main__":
    overdue_reminders()
