"""Shop-local time (no service reads the clock except through ``shop_today``) and how a
date is written for a person (``format_day``)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_time

from .errors import ValidationError, shown
from .i18n import N_, _, babel_locale

DEFAULT_TIMEZONE = "Asia/Kolkata"
EARLIEST_DATE = date(2000, 1, 1)
MAX_DUE_YEARS = 5  # a due date further out than this is a typing mistake, not credit


def validate_timezone(name: str) -> str:
    name = (name or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("'{name}' is not a time zone we know (try Asia/Kolkata).").format(
            name=shown(name))) from None
    if name not in available_timezones() and name != "UTC":
        raise ValidationError(_("'{name}' is not a time zone we know (try Asia/Kolkata).").format(name=shown(name)))
    return name


def shop_today(tz: str = DEFAULT_TIMEZONE, now: datetime | None = None) -> date:
    """The calendar date at the shop right now (or at ``now``, an aware instant)."""
    instant = now if now is not None else datetime.now(UTC)
    if instant.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return instant.astimezone(ZoneInfo(tz)).date()


def parse_date(value, field: str = N_("Date")) -> date:
    """Accept a date, a datetime or an ISO 'YYYY-MM-DD' string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValidationError(_("{field} is required.").format(field=_(field)))
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("{field} '{text}' is not a date; use YYYY-MM-DD, like 2026-11-27.").format(
                field=_(field), text=shown(text))) from None
    if parsed < EARLIEST_DATE or parsed.year > 2200:
        raise ValidationError(_("{field} {date} is outside the dates this book keeps.").format(
            field=_(field), date=parsed.isoformat()))
    return parsed


def latest_due_date(today: date) -> date:
    """The last due date the book accepts: ``MAX_DUE_YEARS`` after the shop's today."""
    try:
        return today.replace(year=today.year + MAX_DUE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_DUE_YEARS, day=28)


def entry_date(value, today: date, field: str) -> date:
    """A sale's or payment's date: given or today, never after the shop's today."""
    if value in (None, ""):
        return today
    on = parse_date(value, field)
    if on > today:
        raise ValidationError(_("{field} {date} is in the future; the shop's today is {today}.").format(
            field=_(field), date=format_day(on), today=format_day(today)))
    return on


def due_date_within_bounds(due: date, today: date, field: str = N_("Due date")) -> date:
    """Refuse a due date more than ``MAX_DUE_YEARS`` years after the shop's today."""
    latest = latest_due_date(today)
    if due > latest:
        raise ValidationError(_("{field} {date} is too far ahead; it can be at most {years} years from today "
                                "({latest}).").format(field=_(field), date=format_day(due), years=MAX_DUE_YEARS,
                                                      latest=format_day(latest)))
    return due


def days_past_due(due_date: date, grace_days: int, today: date) -> int:
    """Days after the grace period ended; 0 while still within it."""
    return max(0, (today - (due_date + timedelta(days=grace_days))).days)


def format_day(value: date, language: str | None = None) -> str:
    """A date as shops write it, the month in the current language (or ``language``) and
    Latin digits: 27 Nov 2026, 27 नव॰ 2026 (screens, messages and the PDF agree)."""
    return format_date(value, "d MMM y", locale=babel_locale(language))


def format_clock(value: time, language: str | None = None) -> str:
    """A time of day as shops say it, in the current language (or ``language``) with Latin
    digits and no am/pm: 7:30, 17:30 (the daily run's ``SEND_TIME`` on every page)."""
    return format_time(value, "H:mm", locale=babel_locale(language))


def format_day_month(value: date, language: str | None = None) -> str:
    """A day in a chart's axis: 27 Nov, 27 नव॰ (the month in the current language)."""
    return format_date(value, "d MMM", locale=babel_locale(language))
