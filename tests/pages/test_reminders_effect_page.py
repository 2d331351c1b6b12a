"""The Reminders page (AppTest): each message's state in plain words (a failure with its reason,
'sent' never shown as delivered), the "Do reminders work?" chart with its numbers beside it, and
reminders turned back on only with a note."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import numpy as np

from khata import customers, principals, reminders
from khata.dates import shop_today
from tests.roots import OWNER, root_at

from .conftest import app, errors, open_page, texts

SHOP = 1


def _outbox(path, rows):
    """(customer_id, reminder_date, channel, status, error_code, error_message) straight into the outbox."""
    def work(con):
        for cid, day, channel, status, code, message in rows:
            con.execute(
                "INSERT INTO reminder_outbox (shop_id, customer_id, reminder_date, reminder_id, kind, ladder_day,"
                " amount, loan_count, phone, message_text, channel, status, error_code, error_message, created_at)"
                " VALUES (?, ?, ?, nextval('reminder_id_seq'), 'overdue', 7, 250, 1, '+919800000000', 'Please pay',"
                " ?, ?, ?, ?, current_timestamp)", [SHOP, cid, day, channel, status, code, message])
    root_at(path).in_transaction(work)


def _numbers(values):
    """Plotly's JSON keeps number arrays as typed binary ({"dtype": "f8", "bdata": base64})."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def _people(path):
    """Customers who get reminders, each with a name no other customer has (rows are found by name)."""
    everyone = root_at(path).read(SHOP, OWNER, customers.list_customers)
    names = [c["name"] for c in everyone]
    return [c for c in everyone if not c["whatsapp_opt_out"] and names.count(c["name"]) == 1]


def test_each_message_in_plain_words_and_the_effect_chart_with_its_numbers(demo_db):
    today = shop_today("Asia/Kolkata")
    people = _people(demo_db)
    week_ago = today - timedelta(days=10)
    _outbox(demo_db, [
        (people[0]["customer_id"], today, "whatsapp", "failed", "63016", "Outside window (raw Twilio text)"),
        (people[1]["customer_id"], today, "whatsapp", "sent", None, None),
        (people[2]["customer_id"], today, "whatsapp", "read", None, None),
        *[(p["customer_id"], week_ago, "whatsapp", "delivered", None, None) for p in people[3:8]],
        *[(p["customer_id"], week_ago, "sms_manual", "opened", None, None) for p in people[8:11]],
    ])
    at = open_page(app(), "reminders.py")
    frame = at.dataframe[0].value
    said = dict(zip(frame["Customer"], frame["What happened"]))
    assert said[people[0]["name"]] == "Failed: Outside WhatsApp's 24-hour window — needs an approved template."
    assert said[people[1]["name"]].startswith("Sent: Twilio accepted it") and "not confirmed" in said[people[1]["name"]]
    assert "Delivered" not in said[people[1]["name"]]
    assert said[people[2]["name"]] == "Read by the customer"

    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    [effect] = [c for c in charts if "Who paid after a reminder" in c["layout"]["title"]["text"]]
    expected = root_at(demo_db).read(SHOP, OWNER, reminders.reminder_effect)
    assert [r["label"] for r in expected] == ["SMS by hand", "Automatic WhatsApp", "All reminded",
                                              "Not reminded (overdue)"]
    assert expected[0]["customers"] == 3 and expected[1]["customers"] == 5 and expected[-1]["customers"] > 0
    bars = {trace["name"]: dict(zip(trace["x"], _numbers(trace["y"]))) for trace in effect["data"]}
    assert set(bars) == {"within 1 day", "within 3 days", "within 7 days"}
    for row in expected:
        assert bars["within 7 days"][row["label"]] == float(row["share_7d"])
    numbers = at.dataframe[-1].value
    assert list(numbers["Group"]) == [r["label"] for r in expected]
    assert list(numbers["Customers"]) == [r["customers"] for r in expected]
    control = expected[-1]
    assert list(numbers["In 7 days"])[-1] == f"{control['paid_7d']} ({control['share_7d']}%)"

    at.radio(key="rm_effect_by").set_value("ladder_step").run()
    assert "7 day(s) overdue" in list(at.dataframe[-1].value["Group"])


def test_no_chart_before_a_reminder_is_a_week_old(demo_db):
    people = _people(demo_db)
    _outbox(demo_db, [(people[0]["customer_id"], shop_today("Asia/Kolkata"), "whatsapp", "delivered", None, None)])
    at = open_page(app(), "reminders.py")
    assert "Results appear a week after the first reminder" in texts(at)
    assert not [c for c in at.get("plotly_chart") if "Who paid" in json.loads(c.proto.spec)["layout"]["title"]["text"]]


def test_reminders_back_on_only_with_a_note(demo_db):
    quiet = next(c for c in root_at(demo_db).read(SHOP, OWNER, customers.list_customers) if c["whatsapp_opt_out"])
    cid = quiet["customer_id"]
    at = open_page(app(), "reminders.py")
    at.selectbox(key="rm_pick").set_value(cid).run()
    at.toggle(key=f"rm_toggle_{cid}").set_value(True).run()
    at.button(key="rm_save").click().run()
    assert not at.exception and any("agreed to get reminders again" in e for e in errors(at))
    assert root_at(demo_db).read(SHOP, OWNER, customers.get_customer, cid)["whatsapp_opt_out"] is True

    at.text_input(key=f"rm_note_{cid}").input("Said yes on the phone").run()
    at.button(key="rm_save").click().run()
    assert not at.exception and not errors(at)
    assert root_at(demo_db).read(SHOP, OWNER, customers.get_customer, cid)["whatsapp_opt_out"] is False
    at.selectbox(key="rm_pick").set_value(cid).run()
    assert "Turned back on by demo on" in texts(at) and "Said yes on the phone" in texts(at)


def test_the_customer_page_says_why_reminders_are_off(demo_db):
    person = _people(demo_db)[0]
    root_at(demo_db).write(SHOP, principals.owner("demo"), reminders.stop_reminders, person["customer_id"])
    at = app()
    at.query_params["id"] = str(person["customer_id"])
    at = open_page(at, "customer.py")
    assert "🔕 Does not get WhatsApp reminders. Turned off by demo on" in texts(at)
