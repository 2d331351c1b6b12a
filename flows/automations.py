"""The Prefect automations the reminder run and the nightly upkeep need, declared here and
created or updated idempotently by ``make run`` (``python -m flows.automations``).

- **crash on silence**: a flow run sends a heartbeat every ``HEARTBEAT_S`` seconds
  (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, set for the worker by scripts/run_prefect.sh);
  when a run's heartbeat stops for ``SILENCE_S`` without a final state (its process was
  killed, the machine slept), the run is set Crashed, which frees the deployment's
  concurrency slot, so the next daily run is not stuck in AwaitingConcurrencySlot.
  Prefect ships the heartbeats, not this automation. A run killed before it began
  (Pending: submitted, its process still starting) sends no heartbeat yet; it holds the
  slot too, so a run still Pending ``START_S`` after it was submitted is set Crashed as well.
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
START_S = 5 * 60            # a submitted run (Pending) whose process never starts running
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
    }, {
        "name": f"{TAG}: crash a run that never started",
        "description": f"Pending for {START_S // 60} minutes: the flow-run process died while starting.",
        "trigger": _trigger(after={"prefect.flow-run.Pending"}, expect={"prefect.flow-run.Running", *FINAL},
                            posture=Posture.Proactive, within=timedelta(seconds=START_S)),
        "actions": [ChangeFlowRunState(state=StateType.CRASHED, name="Crashed",
                                       message=f"Submitted {START_S // 60} minutes ago and never started running.")],
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


def crash_left_runs(run_ids: list[str]) -> list[str]:
    """Mark Crashed the flow runs an earlier `make run` stopped or left behind (their processes
    are gone: scripts/run.sh stopped them) unless they reached a final state; frees their
    deployment's slot at once instead of after the heartbeat automation's wait."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    marked = []
    with get_client(sync_client=True) as client:
        for run_id in dict.fromkeys(r.strip() for r in run_ids if r.strip()):
            try:
                run = client.read_flow_run(UUID(run_id))
            except Exception:  # noqa: BLE001 - unknown id (another server's): nothing to do
                continue
            if run.state is None or run.state.is_final():
                continue
            client.set_flow_run_state(run.id, Crashed(message="Its process was stopped with make run; marked"
                                                              " Crashed when make run started again."), force=True)
            marked.append(run.name)
    return marked


def main(argv: list[str] | None = None) -> int:
    from khata import settings

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--crashed"]:
        from pathlib import Path

        names = crash_left_runs(Path(argv[1]).read_text().split())
        if names:
            print(f"Marked Crashed (stopped with the last make run): {', '.join(names)}")
        return 0

    url = settings.get("KHATA_ALERT_WEBHOOK_URL")
    try:
        names = ensure(url)
    except Exception as err:  # noqa: BLE001 - the app still runs; say why in one line
        print(f"Could not set up the Prefect automations: {type(err).__name__}: {str(err).splitlines()[0]}")
        return 1
    if url:
        print(f"Alerts: {len(names) - 2} automations post to KHATA_ALERT_WEBHOOK_URL (failed, crashed, late,"
              " running 30 min); a run whose heartbeat stops is marked Crashed.")
    else:
        print("Alerts go nowhere: KHATA_ALERT_WEBHOOK_URL is not set (failed or late runs show in the Prefect UI"
              " only); a run whose heartbeat stops is still marked Crashed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
