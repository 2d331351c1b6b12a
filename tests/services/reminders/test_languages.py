"""Reminders in the customer's language: the free-form body, the template variables, the
one-tap WhatsApp/SMS text, and the Twilio template approved in that language (or the default)."""
from __future__ import annotations

import json
from datetime import date
from urllib.parse import unquote

import pytest

from bench.fake_twilio import FakeTwilioHttp
from khata import accounts, customers
from khata.errors import ValidationError
from khata.i18n import ngettext, use_language
from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier
from khata.reminders import manual
from tests.catalogs import compiled, hindi
from tests.roots import OWNER, root_at

from .helpers import NOW, TODAY, customer, loan, outbox, run

DEFAULT_TEMPLATE, HINDI_TEMPLATE = "HX" + "d" * 32, "HX" + "h" * 32


@pytest.fixture(autouse=True)
def catalogs():
    compiled()


def twilio(fake, **per_language):
    values = {"TWILIO_ACCOUNT_SID": "AC" + "a1" * 16, "TWILIO_AUTH_TOKEN": "tok", "TWILIO_WHATSAPP_FROM":
              "whatsapp:+14155238886", "TWILIO_CONTENT_SID": DEFAULT_TEMPLATE, **per_language}
    return TwilioWhatsAppNotifier(TwilioConfig.from_mapping(values), http_client=fake)


def hindi_plural(singular: str, plural: str, n: int) -> str:
    with use_language("hi"):
        return ngettext(singular, plural, n).format(count=n)


def devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


@pytest.fixture
def two_customers(db_file, shop):
    root_at(db_file).write(shop["shop_id"], OWNER, accounts.update_settings, upi_id="ravi@okaxis")
    ram = customer(shop, db_file, name="Ram Prasad", language="hi")
    asha = customer(shop, db_file, name="Asha Verma")  # no language: the shop's (the owner's, English)
    loan(shop, db_file, ram, "137379.23", date(2026, 11, 20))
    loan(shop, db_file, asha, "1200", date(2026, 11, 20))
    return ram, asha


def test_a_hindi_customer_gets_the_hindi_template_in_hindi_and_the_others_the_default(db_file, shop, two_customers):
    ram, asha = two_customers
    fake = FakeTwilioHttp()
    run(db_file, shop, TODAY, notifier=twilio(fake, TWILIO_CONTENT_SID_HI=HINDI_TEMPLATE), now=NOW)
    messages = [req for req in fake.requests if req["method"] == "POST"]  # the flow also reads replies (GET)
    assert len(messages) == 2
    sent = {req["data"]["To"]: req["data"] for req in messages}
    to_ram, to_asha = sent[f"whatsapp:{ram['phone']}"], sent[f"whatsapp:{asha['phone']}"]
    assert to_ram["ContentSid"] == HINDI_TEMPLATE and to_asha["ContentSid"] == DEFAULT_TEMPLATE
    variables = json.loads(to_ram["ContentVariables"])
    assert variables["1"] == "Ram Prasad" and variables["3"] == "₹1,37,379.23"
    assert devanagari(variables["4"]) and "Nov" not in variables["4"]          # the month in Hindi
    assert "खाता" in unquote(variables["5"])                                   # the UPI note in Hindi
    english = json.loads(to_asha["ContentVariables"])
    assert english["3"] == "₹1,200.00" and english["4"] == "20 Nov 2026"
    # the free-form body, as stored in the outbox, is the catalog's Hindi sentence
    body = {r["customer_id"]: r["message_text"] for r in outbox(db_file)}
    head = hindi("Namaste {name}, this is a reminder from {shop}: {amount} is overdue on your account, "
                 "due since {date} ({purchases}). Pay by UPI: {link} Thank you!",
                 name="Ram Prasad", shop=variables["2"], amount="₹1,37,379.23", date=variables["4"],
                 purchases=hindi_plural("{count} purchase", "{count} purchases", 1), link=variables["5"])
    assert body[ram["customer_id"]] == head
    assert body[asha["customer_id"]].startswith("Namaste Asha Verma, this is a reminder")


def test_without_a_hindi_template_the_default_one_carries_hindi_variables(db_file, shop, two_customers):
    ram, _asha = two_customers
    fake = FakeTwilioHttp()
    run(db_file, shop, TODAY, notifier=twilio(fake, TWILIO_CONTENT_SID_TA="HX" + "t" * 32), now=NOW)
    [to_ram] = [r["data"] for r in fake.requests
                if r["method"] == "POST" and r["data"]["To"] == f"whatsapp:{ram['phone']}"]
    assert to_ram["ContentSid"] == DEFAULT_TEMPLATE
    assert devanagari(json.loads(to_ram["ContentVariables"])["4"])


def test_the_free_form_body_is_in_hindi_without_any_template(db_file, shop, two_customers):
    ram, _asha = two_customers
    fake = FakeTwilioHttp()
    values = {"TWILIO_ACCOUNT_SID": "AC" + "a1" * 16, "TWILIO_AUTH_TOKEN": "tok",
              "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886"}
    run(db_file, shop, TODAY, notifier=TwilioWhatsAppNotifier(TwilioConfig.from_mapping(values), http_client=fake),
        now=NOW)
    [to_ram] = [r["data"] for r in fake.requests
                if r["method"] == "POST" and r["data"]["To"] == f"whatsapp:{ram['phone']}"]
    assert "ContentSid" not in to_ram
    assert to_ram["Body"] == outbox(db_file, customer_id=ram["customer_id"])[0]["message_text"]
    assert to_ram["Body"].startswith("नमस्ते Ram Prasad") and "₹1,37,379.23" in to_ram["Body"]


def test_one_tap_links_carry_the_hindi_text_url_encoded(db_file, shop, two_customers):
    ram, _asha = two_customers
    rows = {r["customer_id"]: r for r in root_at(db_file).read(shop["shop_id"], OWNER, manual.remind_today,
                                                               today=TODAY, now=NOW)["rows"]}
    mine = rows[ram["customer_id"]]
    assert mine["message_text"].startswith("नमस्ते Ram Prasad")
    for link in (mine["whatsapp_link"], mine["sms_link"]):
        assert link.isascii()
        assert unquote(link.split("=", 1)[1]) == mine["message_text"]
    single = root_at(db_file).read(shop["shop_id"], OWNER, manual.reminder_for, ram["customer_id"], today=TODAY,
                                   now=NOW)
    assert single["message_text"] == mine["message_text"]


def test_a_customer_without_a_language_follows_the_owner(db_file, shop, two_customers):
    _ram, asha = two_customers
    accounts.set_language(root_at(db_file), shop["username"], "hi")
    [due] = [r for r in root_at(db_file).read(shop["shop_id"], OWNER, manual.remind_today, today=TODAY, now=NOW)["rows"]
             if r["customer_id"] == asha["customer_id"]]
    assert due["message_text"].startswith("नमस्ते Asha Verma")
    root_at(db_file).write(shop["shop_id"], OWNER, customers.update_customer, asha["customer_id"], language="en")
    [due] = [r for r in root_at(db_file).read(shop["shop_id"], OWNER, manual.remind_today, today=TODAY, now=NOW)["rows"]
             if r["customer_id"] == asha["customer_id"]]
    assert due["message_text"].startswith("Namaste Asha Verma")


@pytest.mark.parametrize("bad", ["xx", "french", "hi-", "🙂"])
def test_a_bad_language_is_refused_and_changes_nothing(db_file, shop, two_customers, bad):
    ram, _asha = two_customers
    with pytest.raises(ValidationError):
        root_at(db_file).write(shop["shop_id"], OWNER, customers.update_customer, ram["customer_id"], language=bad)
    with pytest.raises(ValidationError):
        customer(shop, db_file, name="New One", language=bad)
    with pytest.raises(ValidationError):
        accounts.set_language(root_at(db_file), shop["username"], bad)
    assert root_at(db_file).read(shop["shop_id"], OWNER, customers.customer_row, ram["customer_id"])["language"] == "hi"
    assert accounts.get_shopkeeper(root_at(db_file), shop["username"])["language"] is None
    assert [c["name"] for c in root_at(db_file).read(shop["shop_id"], OWNER, customers.list_customers)] == [
        "Asha Verma", "Ram Prasad"]
