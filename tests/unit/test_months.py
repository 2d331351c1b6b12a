"""Month names in the language wherever a date is written: messages, charts, tables, the PDF
(Babel's CLDR data; ``%b`` is English whatever the language, so nothing formats with it)."""
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import charts
from khata.dates import entry_date, format_day, format_day_month
from khata.errors import ValidationError
from khata.i18n import LANGUAGES, use_language

ROOT = Path(__file__).resolve().parents[2]
LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_every_month_is_written_in_the_language(code):
    for month in range(1, 13):
        day = date(2026, month, 3)
        assert not LATIN.search(format_day(day, code)), (code, format_day(day, code))
        assert not LATIN.search(format_day_month(day, code))


@pytest.mark.parametrize("code", ["ta", "te", "kn"])
def test_a_message_with_a_date_names_the_month_in_the_language(code):
    with use_language(code), pytest.raises(ValidationError) as err:
        entry_date("2026-12-30", date(2026, 12, 3), "Date")
    assert format_day(date(2026, 12, 30), code) in str(err.value) and "Dec" not in str(err.value)


def test_the_weekly_chart_names_months_in_the_language():
    frame = pd.DataFrame({"week_start": [date(2026, 12, 7)], "amount": [100.0], "loans": [1]})
    with use_language("ta"):
        figure = charts.expected_collections(frame)
    assert list(figure.data[0].x) == [format_day_month(date(2026, 12, 7), "ta")]


def test_no_code_formats_a_month_with_strftime():
    sources = [p for folder in ("khata", "dashboard", "flows") for p in (ROOT / folder).rglob("*.py")]
    assert not [str(p) for p in sources if re.search(r"%[bB]\b", p.read_text())]
