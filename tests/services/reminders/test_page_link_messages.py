"""With KHATA_PUBLIC_URL set, every reminder carries the customer's own page link instead of
the raw UPI link: the automatic message (text and template variable {{5}}), and the one-tap
WhatsApp and SMS texts (URL-encoded in wa.me / sms: links). The English SMS is one 160-character
GSM part with a 30-character host; a Hindi one is UCS-2 (70 characters, 67 per part when split)."""
from __future__ import annotations

import math
from datetime import date
from urllib.parse import quote, unquote

import pytest

from khata import accounts, customer_links, customer_view, reminders
from khata.reminders import manual
from tests.roots import OWNER, root_at

from .helpers import NOW, TODAY, customer, loan

HOST = "khata-kirana-store-mumbai.shop"  # 30 characters
# GSM 03.38's basic character set: an SMS of only these is one part up to 160 characters
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")


def sms_parts(text: str) -> tuple[str, int]:
    if set(text) <= GSM7:
        return "GSM-7", 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    units = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if units <= 70 else math.ceil(units / 67)


@pytest.fixture
def public(monkeypatch):
    assert len(HOST) == 30
    monkeypatch.setenv("KHATA_PUBLIC_URL", f"https://{HOST}")


def _due_today(shop, db_file, name="Asha Verma", language=None, amount="1250.50"):
    root_at(db_file).write(shop["shop_id"], OWNER, accounts.update_settings, upi_id="ravi@okaxis")
    cust = customer(shop, db_file, name=name, **({"language": language} if language else {}))
    loan(shop, db_file, cust, amount, date(2026, 11, 20))
    rows = root_at(db_file).read(shop["shop_id"], OWNER, manual.remind_today, today=TODAY, now=NOW)["rows"]
    return cust, next(r for r in rows if r["customer_id"] == cust["customer_id"])


def _page_link(shop, db_file, cust):
    """The customer's link as the owner's customer page and the CLI give it."""
    return root_at(db_file).read(shop["shop_id"], OWNER, customer_links.link_for, cust["customer_id"], today=TODAY,
                                 now=NOW)["url"]


def test_one_tap_texts_carry_the_page_link_url_encoded(public, db_file, shop):
    cust, due = _due_today(shop, db_file)
    link = _page_link(shop, db_file, cust)
    assert link.startswith(f"https://{HOST}/c?t=")
    assert link in due["message_text"] and "upi://" not in due["message_text"]
    for one_tap in (due["whatsapp_link"], due["sms_link"]):
        assert quote(link, safe="") in one_tap  # percent-encoded: its ? = / survive the outer link
        assert link in unquote(one_tap.split("=", 1)[1])
    # the link in the message opens this customer's page
    token = link.rpartition("=")[2]
    khata = customer_view.visit(root_at(db_file), token, address=None, first_view=False)["khata"]
    assert khata["customer"]["name"] == "Asha Verma"


def test_the_english_sms_is_one_part_with_a_30_character_host(public, db_file, shop):
    cust, due = _due_today(shop, db_file, name="Venkataraman Subramanian", amount="123456.75")
    sms = unquote(due["sms_link"].split("body=", 1)[1])
    assert _page_link(shop, db_file, cust) in sms and "Rs 1,23,456.75" in sms
    assert sms_parts(sms) == ("GSM-7", 1), (len(sms), sms)
    assert len(sms) <= 160


def test_a_hindi_sms_takes_three_parts(public, db_file, shop):
    """What docs/reminders say: the Hindi SMS with the link is UCS-2, 3 parts."""
    cust, due = _due_today(shop, db_file, name="रमेश नायर", language="hi")
    sms = unquote(due["sms_link"].split("body=", 1)[1])
    assert "तारीख निकल" in sms and _page_link(shop, db_file, cust) in sms   # the glossary's overdue
    encoding, parts = sms_parts(sms)
    assert encoding == "UCS-2" and parts == 3, (len(sms), sms)


def test_template_variable_5_is_the_page_link_and_matches_the_queued_text(public, db_file, shop):
    cust, _due = _due_today(shop, db_file)
    plan = reminders.plan_shop(root_at(db_file), shop["shop_id"], today=TODAY, now=NOW)
    [claimed] = reminders.claim(root_at(db_file), {plan["shop_id"]: plan["reminder_date"]}, run_id="r1", now=NOW)
    link = _page_link(shop, db_file, cust)
    assert claimed["variables"]["5"] == link
    assert link in claimed["message_text"]


def test_without_a_public_address_reminders_keep_the_upi_link(db_file, shop, monkeypatch):
    monkeypatch.delenv("KHATA_PUBLIC_URL", raising=False)
    _cust, due = _due_today(shop, db_file)
    assert "upi://pay?pa=ravi@okaxis" in due["message_text"] and "/c?t=" not in due["message_text"]
    plan = reminders.plan_shop(root_at(db_file), shop["shop_id"], today=TODAY, now=NOW)
    [claimed] = reminders.claim(root_at(db_file), {plan["shop_id"]: plan["reminder_date"]}, run_id="r1", now=NOW)
    assert claimed["variables"]["5"].startswith("upi://pay?")
