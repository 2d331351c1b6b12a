"""A write in one shop clears that shop's cached reads only; other shops keep theirs."""
from __future__ import annotations

import streamlit as st

from dashboard import cache, reads
from dashboard.session import ME
from khata import customers
from tests.conftest import make_shop

from .conftest import app, keyed, open_page, submit


def test_a_write_in_one_shop_keeps_other_shops_cached(demo_db, monkeypatch):
    other = make_shop(demo_db, "othershop")["shop_id"]
    demo = 1
    key = reads.db_key()
    st.cache_data.clear()
    # the reads run as a logged-in session's principal (the door has no default)
    st.session_state[ME] = {"shop_id": demo, "username": "demo", "name": "Demo", "role": "owner"}
    calls = []
    real = customers.list_customers
    monkeypatch.setattr(customers, "list_customers", lambda unit, **kw: calls.append(unit.shop_id) or real(unit, **kw))
    reads.customer_list(demo, key)
    reads.customer_list(other, key)
    reads.customer_list(other, key)
    assert calls == [demo, other]  # the second read of the other shop was a cache hit
    before = {demo: cache.generation(demo), other: cache.generation(other)}

    at = open_page(app("demo"), "customers.py")  # a write through a form of the demo shop
    keyed(at.text_input, "ac_name_").input("Farida Begum")
    keyed(at.text_input, "ac_phone_").input("98450 11111")
    submit(at, "Add customer")
    assert cache.generation(demo) == before[demo] + 1
    assert cache.generation(other) == before[other]

    calls.clear()
    demo_rows = reads.customer_list(demo, key)
    reads.customer_list(other, key)
    assert calls == [demo]  # the demo shop reads again; the other shop's entry still hits
    assert "Farida Begum" in [row["name"] for row in demo_rows]
    st.session_state.pop(ME, None)
