"""Twilio's error codes in plain words (``khata.notify.codes``): the one mapping."""
from __future__ import annotations

from khata.notify import PERMANENT_CODES, codes


def test_every_code_that_does_something_has_words():
    assert codes.PERMANENT | codes.OPT_OUT | codes.NOT_ON_WHATSAPP <= set(codes.WORDS)
    assert set(PERMANENT_CODES) == codes.PERMANENT
    assert codes.OPTED_OUT_CODE in codes.OPT_OUT and codes.NOT_ON_WHATSAPP_CODE not in codes.OPT_OUT


def test_reason_in_plain_words_or_what_twilio_said():
    assert codes.reason("63016") == "Outside WhatsApp's 24-hour window — needs an approved template."
    assert codes.reason(63016, "raw") == codes.reason("63016")
    assert codes.reason("99999", "Twilio's own words") == "Twilio's own words"
    assert codes.reason("timeout", "Twilio did not answer in time.") == "Twilio did not answer in time."
    assert codes.reason(None) is None and codes.reason("", "") is None


def test_opted_out():
    assert codes.opted_out("63014") and codes.opted_out(21610) and not codes.opted_out("63016")
    assert not codes.opted_out(None) and not codes.opted_out("x")
