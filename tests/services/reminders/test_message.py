"""The message (``khata.reminders.message``): the UPI link and the template variables."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl, unquote, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from khata import reminders
from tests.roots import root_at


def test_upi_link_is_escaped():
    link = reminders.upi_link("sharma.kirana-1@okaxis", "Sharma & Sons Kirana", Decimal("1234.5"),
                              "Khata Ravi+Meena #2")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("upi", "pay")
    params = dict(parse_qsl(parts.query))  # a raw & or space in a value would break this apart
    assert params == {"pa": "sharma.kirana-1@okaxis", "pn": "Sharma & Sons Kirana", "am": "1234.50",
                      "cu": "INR", "tn": "Khata Ravi+Meena #2"}
    assert " " not in link and "&S" not in link
    assert parts.query.split("&")[1] == "pn=Sharma%20%26%20Sons%20Kirana"
    assert unquote(parts.query.split("&")[4]) == "tn=Khata Ravi+Meena #2"


@settings(max_examples=200, deadline=None)
@given(payee=st.text(min_size=1, max_size=50).filter(lambda s: "\x00" not in s),
       note=st.text(min_size=1, max_size=50).filter(lambda s: "\x00" not in s),
       paise=st.integers(min_value=1, max_value=10_000_000_000))
def test_upi_link_round_trips_any_text(payee, note, paise):
    amount = Decimal(paise) / 100
    link = reminders.upi_link("shop.name-1@okaxis", payee, amount, note)
    assert " " not in link and "\n" not in link
    pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    assert [k for k, _ in pairs] == ["pa", "pn", "am", "cu", "tn"]
    values = dict(pairs)
    assert (values["pn"], values["tn"], values["cu"]) == (payee, note, "INR")
    assert Decimal(values["am"]) == amount and len(values["am"].split(".")[1]) == 2


def test_template_variables_are_one_line_whatever_was_stored():
    """Twilio rejects variables with newlines, tabs or runs of spaces: names stored before text was
    normalised still give clean variables (Indian-script joiners are kept)."""
    shop = {"name": "Sharma\tKirana\r\nStore", "upi_id": "sharma@okaxis"}
    due = {"name": "Asha \n\n Verma\x07\x1b[31m", "kind": "overdue", "amount": Decimal("120.5"),
           "oldest_due_date": __import__("datetime").date(2026, 11, 20), "loan_count": 2}
    text, variables = reminders.compose(shop, due)
    assert variables["1"] == "Asha Verma [31m" and variables["2"] == "Sharma Kirana Store"
    for value in [text, *variables.values()]:
        assert not any(ch in value for ch in "\n\r\t\x07\x1b") and "  " not in value
    assert "Namaste Asha Verma [31m, this is a reminder from Sharma Kirana Store" in text
    assert reminders.one_line("क्\u200dष  \u200cनमस्ते") == "क्\u200dष \u200cनमस्ते"


def test_a_claimed_reminder_carries_clean_variables(db_file, shop):
    from datetime import date

    from .helpers import NOW, TODAY, customer, loan

    cust = customer(shop, db_file, name="Meena")
    loan(shop, db_file, cust, "200.00", date(2026, 11, 26))
    root_at(db_file).in_transaction(lambda con: con.execute("UPDATE customers SET name = ? WHERE customer_id = ?",
                                     ["Meena\nDevi\t", cust["customer_id"]]))  # stored long ago
    plan = reminders.plan_shop(root_at(db_file), shop["shop_id"], today=TODAY, now=NOW)
    [row] = reminders.claim(root_at(db_file), {shop["shop_id"]: plan["reminder_date"]}, run_id="r1", now=NOW)
    assert row["variables"]["1"] == "Meena Devi" and "Namaste Meena Devi," in row["message_text"]
