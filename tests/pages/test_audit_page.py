"""The Audit log written for people: shop-local times, what happened as a sentence in the page's
language, changes as "field: old → new"; no raw JSON and no action codes."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from khata import customers, principals
from khata.dates import format_day
from tests.roots import OWNER, root_at

from ..catalogs import hindi
from .conftest import app, open_page

SHOP = 1


def _raise_a_limit(path) -> dict:
    who = root_at(path).read(SHOP, OWNER, customers.list_customers)[0]
    root_at(path).write(SHOP, principals.owner("demo"), customers.update_customer, who["customer_id"],
                        credit_limit=str(who["credit_limit"] + 1000))
    logged_at = root_at(path).on_connection(
        lambda con: con.execute("SELECT max(logged_at) FROM audit_log WHERE action = 'edit'").fetchone()[0])
    return {**who, "logged_at": logged_at}


def _audit_page(language: str):
    at = app()
    at.query_params["lang"] = language
    return open_page(at, "audit.py")


def test_a_change_reads_as_a_sentence_with_old_and_new_at_the_shops_time(demo_db):
    who = _raise_a_limit(demo_db)
    frame = _audit_page("en").dataframe[0].value
    line = frame[frame["What happened"] == "Changed a customer's details"].iloc[0]
    old, new = who["credit_limit"], who["credit_limit"] + 1000
    assert line["Changes"] == f"Credit limit: ₹{old:,.2f} → ₹{new:,.2f}"
    shop_time = who["logged_at"].astimezone(ZoneInfo("Asia/Kolkata"))
    assert line["When"] == f"{format_day(shop_time.date(), 'en')}, {shop_time:%H:%M}"
    everything = frame.to_csv()
    assert "{" not in everything and '"' not in frame["Changes"].str.cat()  # no raw JSON
    assert not {"edit", "create", "login", "whatsapp_opt_in"} & set(frame["What happened"])  # no codes
    assert len({type(v) for v in frame["#"]}) == 1  # one type in every column


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_the_audit_log_is_in_the_pages_language(demo_db, language):
    _raise_a_limit(demo_db)
    frame = _audit_page(language).dataframe[0].value
    if language == "hi":
        assert hindi("Changed a customer's details") in set(frame[hindi("What happened")])
        assert any(c.startswith(hindi("Credit limit") + ": ₹") and " → ₹" in c for c in frame[hindi("Changes")])
    else:
        assert not any("Changed" in v or "Credit limit" in v for v in frame.to_csv().splitlines())
