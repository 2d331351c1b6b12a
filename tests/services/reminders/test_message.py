"""The message (``khata.reminders.message``): the UPI link and the template variables."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl, unquote, urlsplit

from hypothesis import given, settings, strategies as st

from khata import reminders

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

