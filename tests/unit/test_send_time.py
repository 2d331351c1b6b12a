"""The one-message-a-day rule counts a catch-up from the scheduled send time: the time in
khata/reminders/ladder.py must be the reminder deployment's cron in prefect.yaml."""
import yaml

from khata.reminders.ladder import SEND_TIME
from tests.conftest import ROOT


def test_send_time_is_the_deployments_schedule():
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    [daily] = [d for d in deployments if d["name"] == "daily-8am-ist"]
    [schedule] = daily["schedules"]
    minute, hour, *_ = schedule["cron"].split()
    assert (int(hour), int(minute)) == (SEND_TIME.hour, SEND_TIME.minute)
    assert schedule["timezone"] == "Asia/Kolkata"
    assert "credikhaata" in daily["tags"]  # the automations (flows/automations.py) match runs by this tag
