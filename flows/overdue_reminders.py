"""The daily overdue-reminder run (deployment ``daily-8am-ist`` in prefect.yaml).

Thin Prefect tasks over ``khata.reminders``: no SQL here, and no loop of its own:
the flow hands ``khata.reminders.run_reminders`` (the one orchestrator, also used by
the CLI) the same functions, each wrapped once by ``step`` (``STEPS``: every argument
passed through, so each step's retries and history show in Prefect). What the operator
sees in the Prefect UI for each run (every artifact names the book it used):
- a run name with the date (``reminders-2026-11-27``; ``-dry-run`` for a preview);
- a table artifact ``reminders-summary``: per shop, this run's own selected / sent /
  simulated / skipped / failed / unknown (a repeat run that selected nobody shows 0);
- a markdown artifact ``reminders-failures``: each failed or unknown reminder with
  the customer, masked phone, Twilio error code and the reason;
- a table artifact ``reminders-replies``: the customers' replies read since the last
  run, how many were STOP (or its equivalent) and how many customers' reminders that
  turned off (task ``read-replies``, before selection, so they get nothing this morning);
- a markdown artifact ``reminders-effect``: do reminders work? Of the customers reminded,
  the share who paid within 1, 3 and 7 days and how much, by channel and by ladder step,
  against customers who were overdue but not reminded (``khata.reminders.effect``);
- logs with counts and masked phone numbers only.

Steps retry only for transient failures (``khata.transient``: the file held by the app
or the CLI for a moment, the network, Twilio 429/5xx); anything else (a permission
error, an unknown shop, a bug) fails the run at once with one plain line in the log and
the run's state message. The sending step never retries as a whole, because its rows
are already claimed: each message is retried inside it for transient Twilio errors only.

``dry_run=true`` is a preview: its artifacts have their own keys
(``reminders-preview-summary``, ``reminders-preview``: customer, masked phone, ₹ amount)
and nothing is sent or recorded. A run without Twilio credentials is not a preview: it
is the day's reminder, recorded as ``simulated`` (replies are not read then).
A ``run_date`` must be each shop's today or yesterday (a catch-up).
"""
from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from flows.steps import DB_RETRIES, DB_RETRY_DELAYS, StepFailed, step, worth_retrying
from khata import reminders, settings
from khata.dates import DEFAULT_TIMEZONE, parse_date, shop_today
from khata.money import format_inr
from khata.notify.choose import make_notifier
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


STEPS = Steps(  # the orchestrator's steps, each wrapped once (same functions, same order, Prefect retries)
    start=step(reminders.start_run, "prepare-outbox"),
    replies=step(reminders.honour_replies, "read-replies"),
    refresh=step(reminders.refresh_statuses, "refresh-twilio-status", retries=2, delays=[5, 15]),
    plan_chunk=step(reminders.plan_shops, "plan-shops"),
    plan_one=step(reminders.plan_shop, "plan-shop"),
    preview_chunk=step(reminders.preview_shops, "preview-shops"),
    claim=step(reminders.claim, "claim-batch"),
    # no retry: these rows are claimed, a second attempt would resend them; each message is
    # retried inside for Twilio's transient errors only
    deliver=step(reminders.deliver, "send-batch", retries=0),
    record=step(reminders.record_results, "record-results", retries=DB_RETRIES + 2, delays=[2, 5, 10, 20, 30, 60]),
    summarize=step(reminders.summarize, "summarize"),
)


def _cell(text) -> str:
    return str(text or "").replace("|", "/").replace("\n", " ")


@task(name="report", retries=DB_RETRIES, retry_delay_seconds=DB_RETRY_DELAYS, cache_policy=NO_CACHE,
      retry_condition_fn=worth_retrying)
def report(outcome: dict, root: Root) -> list[dict]:
    """The artifacts the operator reads, each naming the book; returns the failed and unknown
    reminders. A preview's artifacts have their own keys, so the latest real run's stay."""
    book = f"Book: `{root.path}`"
    if outcome["preview"]:
        create_table_artifact(key="reminders-preview-summary", table=outcome["would"],
                              description=f"PREVIEW (dry run): what a real run would send now; nothing sent or"
                                          f" recorded. {book}")
        lines = ["# Preview (dry run): the reminders a real run would send now", "", book, "",
                 "| shop | customer | phone | kind | amount | outcome |", "| --- | --- | --- | --- | --- | --- |"]
        for m in outcome["would_send"]:
            what = "send" if m["will_send"] else _cell("skip: " + m["skip_reason"])
            lines.append(f"| {_cell(m['shop'])} | {_cell(m['customer'])} | {m['phone']} | {m['kind']} | "
                         f"{format_inr(m['amount'])} | {what} |")
        create_markdown_artifact(key="reminders-preview", markdown="\n".join(lines),
                                 description="PREVIEW (dry run): the reminders a real run would send")
        return []
    shop_dates = {s["shop_id"]: s["date"] for s in outcome["shops"]}
    failed = reminders.failures(root, shop_dates)
    table = [{k: s[k] for k in ("shop", "date", "selected", "sent", "simulated", "skipped", "failed", "unknown")}
             for s in outcome["shops"]]
    create_table_artifact(key="reminders-summary", table=table,
                          description="This run's reminders per shop (not the day's totals)"
                                      f"{' (no Twilio credentials: recorded as simulated, nothing sent)' if outcome['dry_run'] else ''}"  # noqa: E501
                                      f". {book}")
    if failed:
        lines = ["# Reminders that failed", "", book, "", "| shop | customer | phone | status | code | reason |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for f in failed:
            lines.append(f"| {_cell(f['shop'])} | {_cell(f['customer'])} | {f['phone']} | {f['status']} | "
                         f"{f['error_code'] or ''} | {_cell(f['error_message'])} |")
    else:
        lines = ["# Reminders that failed", "", book, "", "None today."]
    create_markdown_artifact(key="reminders-failures", markdown="\n".join(lines),
                             description="Failed or unknown reminders with reasons")
    replies = outcome.get("replies") or {}
    if outcome["dry_run"]:
        why = "Replies not read: no Twilio credentials"
    elif replies.get("error"):
        why = "Twilio could not be asked for replies; read again next run"
    else:
        why = "Customers' replies read since the last run"
    create_table_artifact(key="reminders-replies", table=[{k: replies.get(k, 0) for k in REPLY_COUNTS}],
                          description=f"{why}. {book}")
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
    by_step = reminders.effect_for_shops(root, shop_ids, now=now, by="ladder_step")
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
    logger.info("Book: %s", root.path)
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
    try:
        outcome = reminders.run_reminders(root, today=day, shop=shop, notifier=notifier, dry_run=dry_run,
                                          rate_per_s=rate, batch=batch, limiter=RateLimiter(rate), check_today=True,
                                          steps=STEPS, logger=logger)
    except StepFailed as err:  # already logged in one line by the step; the state message says it too
        return Failed(message=str(err), data=err)
    outcome["failures"] = report(outcome, root)
    if outcome["planning_failed"]:
        failed = outcome["planning_failed"]
        return Failed(message=f"{len(failed)} shop(s) could not be planned: {failed}",
                      data=RuntimeError(f"{len(failed)} shop(s) could not be planned: {failed}"))
    return outcome


if __name__ == "__main__":
    overdue_reminders()
