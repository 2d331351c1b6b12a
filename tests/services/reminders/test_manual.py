"""One-tap reminders: links with the shared message, one reminder per customer per day,
and the automatic run respecting a tap."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import unquote

import pytest

from khata import accounts, customers
from khata.errors import Conflict
from khata.notify.outbox import OutboxNotifier
from khata.reminders import manual
from tests.roots import OWNER, root_at

from .helpers import NOW, TODAY, customer, loan, outbox, run


def _today(shop, db_file):
    return root_at(db_file).read(shop["shop_id"], OWNER, manual.remind_today, today=TODAY, now=NOW)["rows"]


def _tap(shop, db_file, cid, channel="whatsapp_manual", day=TODAY):
    return root_at(db_file).write(shop["shop_id"], OWNER, manual.record_manual_reminder, cid, channel, today=day,
                                  now=NOW + timedelta(days=(day - TODAY).days))


def test_links_carry_the_same_message_url_encoded_with_amount_shop_name_and_upi_link(db_file, shop):
    root_at(db_file).write(shop["shop_id"], OWNER, accounts.update_settings, upi_id="ravi@okaxis")
    asha = customer(shop, db_file, name="Asha & Sons")
    loan(shop, db_file, asha, "1250.50", date(2026, 11, 20))
    [due] = _today(shop, db_file)
    text = due["message_text"]
    digits = asha["phone"].lstrip("+")
    assert due["whatsapp_link"].startswith(f"https://wa.me/{digits}?text=")
    assert due["sms_link"].startswith(f"sms:{asha['phone']}?body=")
    for link in (due["whatsapp_link"], due["sms_link"]):
        encoded = link.split("=", 1)[1]
        assert " " not in encoded and "&" not in encoded  # every character that means something in a URL is encoded
        assert unquote(encoded) == text
    assert "₹1,250.50" in text and "Asha & Sons" in text and "Ravi Kirana" in text
    assert "upi://pay?pa=ravi@okaxis" in text and "am=1250.50" in text


def test_a_tap_is_the_days_reminder_once_and_the_automatic_run_then_sends_nothing(db_file, shop):
    asha, babu = customer(shop, db_file, name="Asha"), customer(shop, db_file, name="Babu")
    loan(shop, db_file, asha, "300.00", date(2026, 11, 20))
    loan(shop, db_file, babu, "900.00", date(2026, 11, 20))
    assert [r["name"] for r in _today(shop, db_file)] == ["Babu", "Asha"]  # largest first
    first = _tap(shop, db_file, asha["customer_id"])
    again = _tap(shop, db_file, asha["customer_id"], "sms_manual")
    assert first["recorded"] and not again["recorded"] and again["channel"] == "whatsapp_manual"
    [row] = outbox(db_file)
    assert (row["channel"], row["status"], row["customer_id"]) == ("whatsapp_manual", "opened", asha["customer_id"])
    listed = _today(shop, db_file)
    assert [(r["name"], r["done"]) for r in listed] == [("Babu", None), ("Asha", "whatsapp_manual")]
    notifier = OutboxNotifier()
    run(db_file, shop, TODAY, notifier, now=NOW)
    assert [m.to for m in notifier.messages] == [babu["phone"]]  # Asha was reminded by hand already
    assert len(outbox(db_file)) == 2


def test_a_tap_counts_as_a_ladder_step(db_file, shop):
    """Reminded by hand on day 7 after due: the automatic run does not repeat the day-7 step on day 8."""
    asha = customer(shop, db_file)
    loan(shop, db_file, asha, "300.00", TODAY - timedelta(days=7))
    _tap(shop, db_file, asha["customer_id"])
    notifier = OutboxNotifier()
    run(db_file, shop, TODAY + timedelta(days=1), notifier, now=NOW + timedelta(days=1))
    assert notifier.messages == []


def test_opted_out_customers_have_no_button_and_a_tap_is_refused(db_file, shop):
    asha = customer(shop, db_file)
    loan(shop, db_file, asha, "300.00", date(2026, 11, 20))
    root_at(db_file).write(shop["shop_id"], OWNER, customers.update_customer, asha["customer_id"],
                           whatsapp_opt_out=True)
    assert _today(shop, db_file) == []
    assert root_at(db_file).read(shop["shop_id"], OWNER, manual.reminder_for, asha["customer_id"], today=TODAY) is None
    with pytest.raises(Conflict, match="asked not to get reminders"):
        _tap(shop, db_file, asha["customer_id"])
    assert outbox(db_file) == []


def test_nothing_overdue_means_nothing_to_remind_and_nothing_recorded(db_file, shop):
    asha = customer(shop, db_file)
    loan(shop, db_file, asha, "300.00", TODAY + timedelta(days=20))
    with pytest.raises(Conflict, match="nothing overdue"):
        _tap(shop, db_file, asha["customer_id"])
    with pytest.raises(Exception, match="WhatsApp or SMS"):
        _tap(shop, db_file, asha["customer_id"], "carrier pigeon")
    assert outbox(db_file) == []
