"""Languages: money and dates per language (Latin digits, lakh grouping, parsed back exactly),
language codes refused or accepted, and which language a page run speaks (dashboard.language)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import format as fmt
from dashboard.language import accept_language, choose
from khata.dates import format_day
from khata.errors import ValidationError
from khata.i18n import LANGUAGES, use_language
from khata.money import MAX_AMOUNT, format_inr, parse_amount
from khata.validate import checked_language

amounts = st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2, allow_nan=False,
                      allow_infinity=False)


@given(amount=amounts, language=st.sampled_from(list(LANGUAGES)))
def test_parsing_the_formatted_amount_gives_back_the_same_decimal_in_every_language(amount, language):
    shown = format_inr(amount, language)
    assert parse_amount(shown) == amount
    assert set(shown) <= set("₹,.0123456789")  # Latin digits, whatever the language


@given(amount=amounts, language=st.sampled_from(list(LANGUAGES)))
def test_the_current_language_formats_like_the_named_one(amount, language):
    with use_language(language):
        assert format_inr(amount) == format_inr(amount, language)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_indian_grouping_in_every_language_even_where_cldr_groups_in_thousands(language):
    assert format_inr(Decimal("137379.23"), language) == "₹1,37,379.23"
    assert format_inr(Decimal("12345678.5"), language) == "₹1,23,45,678.50"
    assert format_inr(Decimal("999"), language) == "₹999.00"


def test_dates_have_the_month_in_the_language_and_latin_digits():
    day = date(2026, 11, 27)
    assert format_day(day, "en") == "27 Nov 2026"
    hindi = format_day(day, "hi")
    assert hindi.startswith("27 ") and hindi.endswith(" 2026") and "Nov" not in hindi
    assert any("\u0900" <= ch <= "\u097f" for ch in hindi)  # Devanagari month
    with use_language("ta"):
        tamil = fmt.day(day)
        assert tamil == format_day(day, "ta") and any("\u0b80" <= ch <= "\u0bff" for ch in tamil)
    assert fmt.day(day) == "27 Nov 2026"  # back in English outside the block
    for language in LANGUAGES:
        assert "27" in format_day(day, language) and "2026" in format_day(day, language)


@pytest.mark.parametrize("typed, code", [("hi", "hi"), ("HI", "hi"), (" hi-IN ", "hi"), ("mr_IN", "mr"),
                                         ("हिन्दी", "hi"), ("தமிழ்", "ta"), ("", None), (None, None), ("  ", None)])
def test_language_codes_and_own_names_are_accepted(typed, code):
    assert checked_language(typed) == code


@pytest.mark.parametrize("typed", ["fr", "xx", "hindi", "h", "hi;DROP", "<b>hi</b>", "12", "en-", "zz-IN"])
def test_other_languages_are_refused_with_the_codes_that_would_do(typed):
    with pytest.raises(ValidationError) as err:
        checked_language(typed, "Language")
    assert "hi" in str(err.value) and "kn" in str(err.value)


@pytest.mark.parametrize("header, ranked", [
    ("hi-IN,hi;q=0.9,en-US;q=0.8,en;q=0.7", ["hi", "en"]),
    ("mr;q=0.5, hi-IN, en;q=0.8", ["hi", "en", "mr"]),
    ("fr-FR,fr;q=0.9,ta;q=0.3", ["ta"]),          # French is not offered: the next offered one
    ("en;q=0.2, kn;q=0.2", ["en", "kn"]),         # a tie keeps the header's order
    ("hi;q=0, te", ["te"]),                       # q=0 means "not this one"
    ("hi;q=abc, gu;q=2, bn;q=0.4", ["bn"]),       # bad q-values are ignored
    ("*", []), ("", []), (None, []), ("de, ja", []),
])
def test_accept_language_is_ranked_by_q_values(header, ranked):
    assert accept_language(header) == ranked


def test_precedence_query_then_session_then_account_then_browser_then_english():
    header = "ta;q=0.9, en;q=0.5"
    assert choose(query="hi", session="mr", account="gu", accept=header) == "hi"
    assert choose(query=None, session="mr", account="gu", accept=header) == "mr"
    assert choose(session=None, account="gu", accept=header) == "gu"
    assert choose(account=None, accept=header) == "ta"
    assert choose(accept="fr") == "en"               # nothing offered: English
    assert choose(query="xx", account="bn") == "bn"  # an unsupported ?lang= is ignored
    assert choose() == "en"


@given(header=st.text(max_size=200))
def test_any_header_gives_offered_languages_only_and_never_fails(header):
    ranked = accept_language(header)
    assert set(ranked) <= set(LANGUAGES) and len(ranked) == len(set(ranked))
    assert choose(accept=header) in LANGUAGES
