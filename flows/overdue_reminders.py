"""The daily overdue-reminder run (deployment ``daily-8am-ist`` in prefect.yaml).

Thin Prefect tasks over ``khata.reminders``: no SQL here. What the operator sees
in the Prefect UI for each run:
- a run name with the date (``reminders-2026-11-27``);
- a table artifact ``reminders-summary``: per shop, selected / sent / simulated /
  skipped / failed / unknown;
- a markdown artifact ``reminders-failures``: each failed or unknown reminder with
  the customer, masked phone, Twilio error code and the reason;
- logs with counts and masked phone numbers only.

Database steps retry (the file may be held by the app or the CLI for a moment);
the sending step never retries as a whole, because its rows are already claimed:
each message is retried inside it for transient Twilio errors only.
"""
from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from khata import reminders, settings
from khata.dates import DEFAULT_TIMEZONE, parse_date, shop_today
from khata.errors import DatabaseBusy, KhataError
from khata.notify import make_notifier
from khata.notify.ratelimit import RateLimiter
from khata.notify.twilio_whatsapp import ENV_KEYS, TwilioConfig

SECRET_BLOCKS = {  # Prefect Secret block name -> setting, used for whatever the environment lacks
    "twilio-account-sid": "TWILIO_ACCOUNT_SID",
    "twilio-auth-token": "TWILIO_AUTH_TOKEN",
    "twilio-whatsapp-from": "TWILIO_WHATSAPP_FROM",
    "twilio-content-sid": "TWILIO_CONTENT_SID",
}
DB_RETRIES = 4
DB_RETRY_DELAYS = [2, 5, 10, 20]
PLAN_CHUNK = 500  # shops planned per unit of work (one ledger query per chunk and local date)


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
def prepare_outbox(shop: str | None, db: str | None) -> list[dict]:
    """Stale 'sending' rows -> 'unknown'; returns the shops of this run."""
    logger = get_run_logger()
    shops = reminders.list_shops(shop, db)
    result = reminders.prepare(shop_ids=[s["shop_id"] for s in shops] if shop else None, path=db)
    if result["unknown"]:
        logger.warning("%d reminder(s) from an interrupted run marked 'unknown' (not resent).", result["unknown"])
    if result["expired"]:
        logger.warning("%d queued reminder(s) from an earlier day were never sent; marked skipped.",
                       result["expired"])
    return shops


@task(name="refresh-twilio-status", retries=2, retry_delay_seconds=[5, 15], cache_policy=NO_CACHE)
def refresh_status(notifier, shop_ids: list[int] | None, db: str | None) -> dict:
    return reminders.refresh_statuses(notifier, shop_ids=shop_ids, logger=get_run_logger(), path=db)


@task(name="plan-shops", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying,
      task_run_name="plan-shops-{shop_ids[0]}-and-{count}-more")
def plan_shops(shop_ids: list[int], count: int, run_date: date | None, db: str | None) -> list[dict]:
    """Select and queue reminders for a chunk of shops in one unit of work."""
    plans = reminders.plan_shops(shop_ids, today=run_date, path=db)
    for plan in plans:
        get_run_logger().info("Shop %s on %s: %d selected (%d to send, %d skipped).", plan["shop_id"],
                              plan["reminder_date"], plan["selected"], plan["queued"], plan["skipped"])
    return plans


@task(name="plan-shop", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying,
      task_run_name="plan-shop-{shop_id}")
def plan_shop(shop_id: int, run_date: date | None, db: str | None) -> dict:
    """One shop alone: used when its chunk could not be planned, so one shop's trouble
    never stops the others."""
    plan = reminders.plan_shop(shop_id, today=run_date, path=db)
    get_run_logger().info("Shop %s on %s: %d selected (%d to send, %d skipped).", plan["shop_id"],
                          plan["reminder_date"], plan["selected"], plan["queued"], plan["skipped"])
    return plan


@task(name="claim-batch", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def claim_batch(shop_dates: dict, run_id: str, batch: int, db: str | None) -> list[dict]:
    return reminders.claim(shop_dates, run_id=run_id, batch=batch, path=db)


@task(name="send-batch", retries=0, cache_policy=NO_CACHE)
def send_batch(rows: list[dict], notifier, limiter) -> list[dict]:
    """No Prefect retry: these rows are claimed; a second attempt would resend them."""
    logger = get_run_logger()
    results = reminders.deliver(rows, notifier, limiter=limiter, logger=logger)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    logger.info("Sent a batch of %d via %s: %s", len(rows), notifier.name, counts)
    return results


@task(name="record-results", retries=DB_RETRIES + 2, retry_delay_seconds=[2, 5, 10, 20, 30, 60],
      cache_policy=NO_CACHE, retry_condition_fn=worth_retrying)
def record(results: list[dict], run_id: str, db: str | None) -> dict:
    return reminders.record_results(results, run_id=run_id, path=db)


@task(name="report", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def report(shop_dates: dict, dry_run: bool, db: str | None) -> dict:
    logger = get_run_logger()
    summary = reminders.summarize(shop_dates, db)
    failed = reminders.failures(shop_dates, db)
    table = [{k: s[k] for k in ("shop", "date", "selected", "sent", "simulated", "skipped", "failed", "unknown")}
             for s in summary]
    create_table_artifact(key="reminders-summary", table=table,
                          description=f"Overdue reminders per shop{' (dry run: nothing sent)' if dry_run else ''}")
    if failed:
        lines = ["# Reminders that failed", "", "| shop | customer | phone | status | code | reason |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for f in failed:
            reason = (f["error_message"] or "").replace("|", "/").replace("\n", " ")
            lines.append(f"| {f['shop']} | {f['customer']} | {f['phone']} | {f['status']} | "
                         f"{f['error_code'] or ''} | {reason} |")
    else:
        lines = ["# Reminders that failed", "", "None today."]
    create_markdown_artifact(key="reminders-failures", markdown="\n".join(lines),
                             description="Failed or unknown reminders with reasons")
    for s in summary:
        logger.info("%s %s: selected %d, sent %d, simulated %d, skipped %d, failed %d, unknown %d", s["shop"],
                    s["date"], s["selected"], s["sent"], s["simulated"], s["skipped"], s["failed"], s["unknown"])
    totals = reminders._totals(summary)
    return {"shops": summary, "totals": totals, "failures": failed}


@flow(name="overdue-reminders", flow_run_name=_run_name, log_prints=True)
def overdue_reminders(run_date: str | None = None, dry_run: bool = False, shop: str | None = None,
                      db: str | None = None, rate_per_s: float | None = None, batch: int = reminders.DEFAULT_BATCH,
                      ) -> dict:
    """Send today's overdue WhatsApp reminders, once per customer per day.

    run_date: YYYY-MM-DD to use instead of each shop's local today; dry_run: never call
    Twilio (rows become 'simulated'); shop: one shopkeeper's username; db: database file
    (default KHATA_DB or data/khata.duckdb); rate_per_s: messages per second (default
    KHATA_REMINDER_RATE or 10).
    """
    logger = get_run_logger()
    day = parse_date(run_date, "Run date") if run_date else None
    config = None if dry_run else twilio_config()
    notifier = make_notifier(config, dry_run=dry_run)
    if notifier.dry_run:
        logger.info("Dry run: %s", "asked for" if dry_run else "no Twilio credentials, nothing is sent")
    rate = rate_per_s or reminders.rate_from_env()
    limiter = RateLimiter(rate)

    shops = prepare_outbox(shop, db)
    ids = [s["shop_id"] for s in shops]
    refresh_status(notifier, ids if shop else None, db)
    shop_dates, planning_failed = {}, []
    for start in range(0, len(ids), PLAN_CHUNK):
        chunk = ids[start:start + PLAN_CHUNK]
        try:
            plans = plan_shops(chunk, len(chunk) - 1, day, db)
        except Exception as err:  # plan that chunk shop by shop: one shop's trouble never stops the others
            logger.warning("Shops %s..%s could not be planned together (%s); one by one instead.",
                           chunk[0], chunk[-1], type(err).__name__)
            plans = []
            for shop_id in chunk:
                try:
                    plans.append(plan_shop(shop_id, day, db))
                except Exception as one_err:
                    logger.error("Shop %s could not be planned: %s", shop_id, type(one_err).__name__)
                    planning_failed.append(shop_id)
        for plan in plans:
            shop_dates[plan["shop_id"]] = plan["reminder_date"]
    run_id = reminders.new_run_id()
    while shop_dates:
        rows = claim_batch(shop_dates, run_id, batch, db)
        if not rows:
            break
        results = send_batch(rows, notifier, limiter)
        record(results, run_id, db)
    outcome = report(shop_dates, notifier.dry_run, db)
    outcome.update(dry_run=notifier.dry_run, run_id=run_id)
    if planning_failed:
        raise RuntimeError(f"{len(planning_failed)} shop(s) could not be planned: {planning_failed}")
    return outcome


if __name__ == "__main__":
    overdue_reminders()
