"""One-tap reminders on the pages: the Remind today list and the customer page. One control
(``st.link_button`` with ``on_click``) opens WhatsApp / SMS with the message filled in and records
the day's reminder; it is offered only when that record will be accepted."""
from urllib.parse import unquote

from streamlit.proto.WidgetStates_pb2 import WidgetStates

from khata import accounts, customers, permissions, staff
from khata.reminders import manual
from tests.roots import OWNER, root_at

from .conftest import app, errors, open_page, texts


def _links(at):
    return [(b.proto.label, b.proto.url) for b in at.get("link_button")]


def _taps(at):
    """The link buttons that record when tapped (they carry a widget id and rerun); by key."""
    return {b.key: b for b in at.get("link_button") if b.proto.id and not b.proto.ignore_rerun}


def tap(at, link):
    """What the browser sends when a one-tap link is tapped (after opening its URL): the widget's
    trigger, with every other widget's value, as a real rerun does. AppTest cannot click a link."""
    states = WidgetStates()
    states.CopyFrom(at._tree.get_widget_states())
    state = states.widgets.add()
    state.id = link.proto.id
    state.trigger_value = True
    at._run(states)
    assert not at.exception, at.exception
    return at


def _outbox(path):
    with root_at(path).connect() as con:
        return con.execute("SELECT customer_id, channel, status FROM reminder_outbox ORDER BY 1").fetchall()


def test_remind_today_lists_the_ladders_picks_and_a_tap_records_then_opens_whatsapp(demo_db):
    due = root_at(demo_db).read(1, OWNER, manual.remind_today)["rows"]
    assert due, "the demo shop has customers to remind today"
    at = open_page(app(path=demo_db), "remind_today.py")
    first = due[0]
    assert first["name"] in texts(at)
    assert not [b for b in at.button if (b.key or "").startswith("rt_")]  # no two-step "Send": one tap does it
    wa = _taps(at)[f"rt_{first['customer_id']}_wa"]
    digits = first["phone"].lstrip("+")
    assert wa.proto.label == "📲 Remind on WhatsApp" and wa.proto.url.startswith(f"https://wa.me/{digits}?text=")
    assert unquote(wa.proto.url.split("text=", 1)[1]) == first["message_text"]
    assert _taps(at)[f"rt_{first['customer_id']}_sms"].proto.url.startswith(f"sms:{first['phone']}?body=")
    assert _outbox(demo_db) == []  # drawing the list records nothing
    tap(at, wa)
    assert _outbox(demo_db) == [(first["customer_id"], "whatsapp_manual", "opened")]
    assert "✓ Reminded on WhatsApp today" in texts(at)
    assert f"rt_{first['customer_id']}_wa" not in _taps(at)  # done: no second reminder today
    again = [(label, url) for label, url in _links(at) if url == wa.proto.url]
    assert again == [("Open WhatsApp again ↗", wa.proto.url)]  # open again, recording nothing


def test_a_second_phone_tapping_the_same_customer_records_nothing_and_says_so(demo_db):
    """Two logins had the list open; both tap WhatsApp for the same customer (each phone opens
    WhatsApp first): one reminder is recorded, and the second phone is told its tap was not."""
    first = root_at(demo_db).read(1, OWNER, manual.remind_today)["rows"][0]
    here, there = (open_page(app(path=demo_db), "remind_today.py") for _ in range(2))
    tap(here, _taps(here)[f"rt_{first['customer_id']}_wa"])
    tap(there, _taps(there)[f"rt_{first['customer_id']}_sms"])
    assert _outbox(demo_db) == [(first["customer_id"], "whatsapp_manual", "opened")]
    assert "Already reminded today, so this tap was not counted again." in texts(there)
    assert "✓ Reminded on WhatsApp today" in texts(there) and f"rt_{first['customer_id']}_sms" not in _taps(there)
    assert not errors(here)


def test_customer_page_has_the_buttons_and_not_for_an_opted_out_customer(demo_db):
    who = root_at(demo_db).read(1, OWNER, manual.remind_today)["rows"][0]
    at = app(path=demo_db)
    at.run()
    at.query_params["id"] = str(who["customer_id"])
    at.switch_page("dashboard/app_pages/customer.py").run()
    taps = _taps(at)
    assert {f"cust_remind_{who['customer_id']}_wa", f"cust_remind_{who['customer_id']}_sms"} <= set(taps)
    tap(at, taps[f"cust_remind_{who['customer_id']}_sms"])
    assert _outbox(demo_db) == [(who["customer_id"], "sms_manual", "opened")]
    assert "✓ Reminded by SMS today" in texts(at)
    assert not _taps(at)
    assert ("Open SMS again ↗", taps[f"cust_remind_{who['customer_id']}_sms"].proto.url) in _links(at)

    root_at(demo_db).write(1, OWNER, customers.update_customer, who["customer_id"], whatsapp_opt_out=True)
    at = app(path=demo_db)
    at.run()
    at.query_params["id"] = str(who["customer_id"])
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert not _taps(at)
    assert not _links(at)


def test_opted_out_between_drawing_and_tapping_is_refused_and_said(demo_db):
    who = root_at(demo_db).read(1, OWNER, manual.remind_today)["rows"][0]
    at = open_page(app(path=demo_db), "remind_today.py")
    wa = _taps(at)[f"rt_{who['customer_id']}_wa"]
    root_at(demo_db).write(1, OWNER, customers.update_customer, who["customer_id"], whatsapp_opt_out=True)
    tap(at, wa)  # WhatsApp opened already (the browser goes first); the record is refused
    assert _outbox(demo_db) == []
    assert errors(at) and errors(at)[0].startswith("This reminder was not recorded: ")


def test_a_login_that_may_not_record_reminders_gets_no_one_tap_control(demo_db, monkeypatch):
    """Staff may record reminders today; were that taken away, the page must follow the table
    (door.can), not show a link whose record would be refused after WhatsApp opened."""
    root_at(demo_db).write(1, OWNER, staff.add_staff, username="sunil", name="Sunil Rao", password="Staff@1234")
    accounts.change_password(root_at(demo_db), "sunil", "Staff@1234", "Mine@5678")
    at = open_page(app("sunil", path=demo_db), "remind_today.py")
    assert _taps(at), "staff remind from the counter"
    monkeypatch.setitem(permissions.SERVICES, "reminders.manual.record_manual_reminder",
                        frozenset({"owner", "system"}))
    at.run()
    assert not at.exception, at.exception
    assert not _taps(at) and not _links(at)
    assert _outbox(demo_db) == []


def test_a_long_list_is_paged_and_messages_are_built_only_for_the_page(demo_db):
    whole = root_at(demo_db).read(1, OWNER, manual.remind_today)
    assert whole["count"] == len(whole["rows"]) == whole["waiting"] + whole["done"]
    page = root_at(demo_db).read(1, OWNER, manual.remind_today, offset=2, limit=3)
    assert page["count"] == whole["count"] and page["offset"] == 2
    assert [r["customer_id"] for r in page["rows"]] == [r["customer_id"] for r in whole["rows"][2:5]]
    assert [r["message_text"] for r in page["rows"]] == [r["message_text"] for r in whole["rows"][2:5]]
    at = open_page(app(path=demo_db), "remind_today.py")
    cards = {k for k in _taps(at) if k.endswith("_wa")}
    assert len(cards) == min(25, whole["count"])
    if whole["count"] > 25:  # the demo shop: a second page holds the rest
        at.number_input(key="rt_page").set_value(2).run()
        second = {k for k in _taps(at) if k.endswith("_wa")}
        assert second and not second & cards
