"""Dates: the shop's today decides (whatever the machine's timezone), and the status
rule of the ledger's SQL view at the 1 Dec 23:59 / 2 Dec 00:01 IST edge."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from khata import customers, loans
from khata.dates import days_past_due, due_date_within_bounds, entry_date, parse_date, shop_today, validate_timezone
from khata.errors import ValidationError
from tests.roots import OWNER, root_at


@pytest.mark.parametrize("machine_tz", ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"])
def test_due_1_dec_pending_at_2359_ist_overdue_at_0001_ist(machine_tz, monkeypatch, db_file, shop):
    """Whatever the machine's own timezone, the shop's date decides the loan's status."""
    monkeypatch.setenv("TZ", machine_tz)
    ist = ZoneInfo("Asia/Kolkata")
    before = datetime(2026, 12, 1, 23, 59, tzinfo=ist).astimezone(UTC)
    after = datetime(2026, 12, 2, 0, 1, tzinfo=ist).astimezone(UTC)
    assert shop_today("Asia/Kolkata", before) == date(2026, 12, 1)
    assert shop_today("Asia/Kolkata", after) == date(2026, 12, 2)
    sid = shop["shop_id"]
    cid = root_at(db_file).write(sid, OWNER, customers.create_customer, name="A", phone="9876500001")["customer_id"]
    loan_id = root_at(db_file).write(sid, OWNER, loans.create_loan, cid, amount="10", item="Rice",
                                     issue_date="2026-11-20", due_date="2026-12-01", now=before)["loan_id"]
    assert root_at(db_file).read(sid, OWNER, loans.get_loan, loan_id, now=before)["status"] == "pending"
    assert root_at(db_file).read(sid, OWNER, loans.get_loan, loan_id, now=after)["status"] == "overdue"


def test_days_past_due_counts_after_grace():
    due = date(2026, 11, 10)
    assert days_past_due(due, 3, date(2026, 11, 14)) == 1
    assert days_past_due(due, 0, date(2026, 11, 1)) == 0


def test_entry_dates_never_after_today_and_due_dates_within_five_years():
    today = date(2026, 11, 27)
    assert entry_date(None, today, "Issue date") == today
    with pytest.raises(ValidationError, match="in the future"):
        entry_date("2026-11-28", today, "Issue date")
    assert due_date_within_bounds(date(2031, 11, 27), today) == date(2031, 11, 27)
    with pytest.raises(ValidationError, match="at most 5 years"):
        due_date_within_bounds(date(2031, 11, 28), today)
    assert due_date_within_bounds(date(2029, 2, 28), date(2024, 2, 29)) == date(2029, 2, 28)


def test_dates_and_timezones_refused_clearly():
    assert parse_date("2026-11-27") == date(2026, 11, 27)
    with pytest.raises(ValidationError, match="not a date"):
        parse_date("27/11/2026")
    with pytest.raises(ValidationError, match="outside"):
        parse_date("1900-01-01")
    with pytest.raises(ValidationError, match="not a date"):
        parse_date("2026-02-30")
    with pytest.raises(ValidationError, match="time zone"):
        validate_timezone("Mars/Olympus")
