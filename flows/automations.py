"""The Prefect automations the reminder run and the nightly upkeep need, declared here and
created or updated idempotently by ``make run`` (``python -m flows.automations``).

- **crash on silence**: a flow run sends a heartbeat every ``HEARTBEAT_S`` seconds
  (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, set for the worker by scripts/run_prefect.sh);
  when a run's heartbeat stops for ``SILENCE_S`` without a final state (its process was
  killed, the machine slept), the run is set Crashed, which frees the deployment's
  concurrency slot, so the next 8:00 run is not stuck in AwaitingConcurrencySlot.
  Prefect ships the heartbeats, not this automation.
- **alerts** (only when ``KHATA_ALERT_WEBHOOK_URL`` is set): a run that fails or crashes,
  turns Late, or is still Running ``LONG_RUN_S`` after it started (a proactive trigger:
  no final state followed) is posted to the webhook through a Custom Webhook block
  (``credikhaata-alerts``) as JSON ``{"subject": ..., "text": ...}``. Without the setting
  the states still show in the Prefect UI and ``make run`` says so in one line.

Every automation is scoped to flow runs tagged ``credikhaata`` (both deployments in
prefect.yaml carry it) and named ``credikhaata: ...``; one that exists is updated in place.
"""
from __future__ import annotations

import sys
from datetime import timedelta

TAG = "credikhaata"
BLOCK = "credikhaata-alerts"
HEARTBEAT_S = 30            # Prefect's minimum
SILENCE_S = 3 * HEARTBEAT_S  # three missed heartbeats: the process is gone
LONG_RUN_S = 30 * 60
FINAL = ["prefect.flow-run.Completed", "prefect.flow-run.Failed", "prefect.flow-run.Crashed",
         "prefect.flow-run.Cancelled", "prefect.flow-run.TimedOut"]
OURS = {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{TAG}"}
RUN = "{{ flow.name }} / {{ flow_run.name }}"
LINK = "{{ flow_run|ui_url }}"


def _trigger(**fields):
    from prefect.events.schemas.automations import EventTrigger

    return EventTrigger(match={"prefect.resource.id": "prefect.flow-run.*"}, match_related=OURS,
                        for_each={"prefect.resource.id"}, threshold=1, **fields)


def declared(block_document_id=None) -> list[dict]:
    """The automations, as (name, description, trigger, actions); the alerts only with a block."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState, SendNotification
    from prefect.events.schemas.automations import Posture

    found = [{
        "name": f"{TAG}: crash a run whose heartbeat stopped",
        "description": f"No heartbeat for {SILENCE_S} s and no final state: the flow-run process died."
                       " Crashed frees the deployment's concurrency slot.",
        "trigger": _trigger(after={"prefect.flow-run.heartbeat"}, expect={"prefect.flow-run.heartbeat", *FINAL},
                            posture=Posture.Proactive, within=timedelta(seconds=SILENCE_S)),
        "actions": [ChangeFlowRunState(state=StateType.CRASHED, name="Crashed",
                                       message=f"No heartbeat for {SILENCE_S} s: the flow-run process stopped.")],
    }]
    if block_document_id is None:
        return found

    def notify(subject: str, body: str):
        return [SendNotification(block_document_id=block_document_id, subject=subject, body=body)]

    return found + [{
        "name": f"{TAG}: alert when a run fails or crashes",
        "description": "A reminder run or the nightly upkeep ended Failed or Crashed.",
        "trigger": _trigger(expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed",
                                    "prefect.flow-run.TimedOut"}, posture=Posture.Reactive,
                            within=timedelta(0)),
        "actions": notify(f"Credikhaata: {RUN} is {{{{ flow_run.state.name }}}}",
                          f"{RUN} ended {{{{ flow_run.state.name }}}}: {{{{ flow_run.state.message }}}} {LINK}"),
    }, {
        "name": f"{TAG}: alert when a run is late",
        "description": "A scheduled run did not start on time (the worker or the machine is down).",
        "trigger": _trigger(expect={"prefect.flow-run.Late"}, posture=Posture.Reactive, within=timedelta(0)),
        "actions": notify(f"Credikhaata: {RUN} is late", f"{RUN} has not started on time. {LINK}"),
    }, {
        "name": f"{TAG}: alert when a run takes 30 minutes",
        "description": "Running for 30 minutes without a final state.",
        "trigger": _trigger(after={"prefect.flow-run.Running"}, expect=set(FINAL), posture=Posture.Proactive,
                            within=timedelta(seconds=LONG_RUN_S)),
        "actions": notify(f"Credikhaata: {RUN} still running after 30 minutes",
                          f"{RUN} started 30 minutes ago and has not finished. {LINK}"),
    }]


def webhook_block(url: str):
    """The Custom Webhook block the alerts post through (saved, replacing an older URL)."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    block = CustomWebhookNotificationBlock(name=BLOCK, url=url, method="POST",
                                           json_data={"subject": "{{subject}}", "text": "{{body}}"})
    return block.save(BLOCK, overwrite=True)


def ensure(url: str | None) -> list[str]:
    """Create or update every declared automation; remove our alerts when no URL is set.
    Returns the names now in place."""
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client

    block_id = webhook_block(url) if url else None
    wanted = declared(block_id)
    with get_client(sync_client=True) as client:
        existing = {a.name: a for a in client.read_automations() if a.name.startswith(f"{TAG}: ")}
        for name, old in existing.items():
            if name not in {w["name"] for w in wanted}:
                client.delete_automation(old.id)
    for spec in wanted:
        old = existing.get(spec["name"])
        automation = Automation(enabled=True, **spec)
        if old is None:
            automation.create()
        else:
            automation.id = old.id
            automation.update()
    return [w["name"] for w in wanted]


def main() -> int:
    from khata import settings

    url = settings.get("KHATA_ALERT_WEBHOOK_URL")
    try:
        names = ensure(url)
    except Exception as err:  # noqa: BLE001 - the app still runs; say why in one line
        print(f"Could not set up the Prefect automations: {type(err).__name__}: {str(err).splitlines()[0]}")
        return 1
    if url:
        print(f"Alerts: {len(names) - 1} automations post to KHATA_ALERT_WEBHOOK_URL (failed, crashed, late,"
              " running 30 min); a run whose heartbeat stops is marked Crashed.")
    else:
        print("Alerts go nowhere: KHATA_ALERT_WEBHOOK_URL is not set (failed or late runs show in the Prefect UI"
              " only); a run whose heartbeat stops is still marked Crashed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
