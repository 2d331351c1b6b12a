"""One-tap reminders on the pages: the Remind today list and the customer page. The buttons
record the day's reminder; the links then open WhatsApp / SMS with the message filled in."""
from urllib.parse import unquote

from khata import customers
from khata.reminders import manual
from tests.roots import OWNER, root_at

from .conftest import app, open_page, texts


def _links(at):
    return [(b.proto.label, b.proto.url) for b in at.get("link_button")]


def _outbox(path):
    with root_at(path).connect() as con:
        return con.execute("SELECT customer_id, channel, status FROM reminder_outbox ORDER BY 1").fetchall()


def test_remind_today_lists_the_ladders_picks_and_a_tap_records_then_opens_whatsapp(demo_db):
    due = root_at(demo_db).read(1, OWNER, manual.remind_today)["rows"]
    assert due, "the demo shop has customers to remind today"
    at = open_page(app(path=demo_db), "remind_today.py")
    first = due[0]
    assert first["name"] in texts(at)
    wa = [b for b in at.button if b.key == f"rt_{first['customer_id']}_wa"]
    assert wa and not _links(at)  # before a tap: buttons, no link yet
    wa[0].click().run()
    assert not at.exception, at.exception
    assert _outbox(demo_db) == [(first["customer_id"], "whatsapp_manual", "opened")]
    [(label, url), (sms_label, sms_url)] = _links(at)
    digits = first["phone"].lstrip("+")
    assert label == "Open WhatsApp ↗" and url.startswith(f"https://wa.me/{digits}?text=")
    assert unquote(url.split("text=", 1)[1]) == first["message_text"]
    assert sms_url.startswith(f"sms:{first['phone']}?body=")
    assert "✓ Reminded on WhatsApp today" in texts(at)
    wa_again = [b for b in at.button if b.key == f"rt_{first['customer_id']}_wa"]
    assert wa_again == []  # done: no second reminder today


def test_customer_page_has_the_buttons_and_not_for_an_opted_out_customer(demo_db):
    who = root_at(demo_db).read(1, OWNER, manual.remind_today)["rows"][0]
    at = app(path=demo_db)
    at.run()
    at.query_params["id"] = str(who["customer_id"])
    at.switch_page("dashboard/app_pages/customer.py").run()
    keys = {b.key for b in at.button}
    assert {f"cust_remind_{who['customer_id']}_wa", f"cust_remind_{who['customer_id']}_sms"} <= keys
    [b for b in at.button if b.key == f"cust_remind_{who['customer_id']}_sms"][0].click().run()
    assert _outbox(demo_db) == [(who["customer_id"], "sms_manual", "opened")]
    assert any(url.startswith("sms:") for _label, url in _links(at))

    root_at(demo_db).write(1, OWNER, customers.update_customer, who["customer_id"], whatsapp_opt_out=True)
    at = app(path=demo_db)
    at.run()
    at.query_params["id"] = str(who["customer_id"])
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert not [b for b in at.button if (b.key or "").startswith("cust_remind_")]
    assert not _links(at)


def test_a_long_list_is_paged_and_messages_are_built_only_for_the_page(demo_db):
    whole = root_at(demo_db).read(1, OWNER, manual.remind_today)
    assert whole["count"] == len(whole["rows"]) == whole["waiting"] + whole["done"]
    page = root_at(demo_db).read(1, OWNER, manual.remind_today, offset=2, limit=3)
    assert page["count"] == whole["count"] and page["offset"] == 2
    assert [r["customer_id"] for r in page["rows"]] == [r["customer_id"] for r in whole["rows"][2:5]]
    assert [r["message_text"] for r in page["rows"]] == [r["message_text"] for r in whole["rows"][2:5]]
    at = open_page(app(path=demo_db), "remind_today.py")
    cards = {b.key for b in at.button if (b.key or "").endswith("_wa")}
    assert len(cards) == min(25, whole["count"])
    if whole["count"] > 25:  # the demo shop: a second page holds the rest
        at.number_input(key="rt_page").set_value(2).run()
        second = {b.key for b in at.button if (b.key or "").endswith("_wa")}
        assert second and not second & cards
