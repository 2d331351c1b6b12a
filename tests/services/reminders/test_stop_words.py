"""The stop words (``khata.reminders.stop_words``): one list, every language the app offers,
whole-message matching after normalising case, spaces, punctuation and invisible marks."""
from __future__ import annotations

import pytest

from khata.i18n import LANGUAGES
from khata.reminders.stop_words import STOP_WORDS, normalise, stop_word


def test_every_language_the_app_offers_has_stop_words():
    assert set(STOP_WORDS) == set(LANGUAGES)
    assert all(STOP_WORDS[code] for code in STOP_WORDS)


@pytest.mark.parametrize("reply, word", [
    ("STOP", "stop"), (" stop ", "stop"), ("Stop.", "stop"), ("STOP!!!", "stop"), ("UNSUBSCRIBE", "unsubscribe"),
    ("Stop\tAll", "stop all"), ("बंद करो", "बंद करो"), ("बंद  करो।", "बंद करो"), ("रोको", "रोको"),
    ("Band Karo 🙏", "band karo"), ("थांबवा", "थांबवा"), ("બંધ કરો", "બંધ કરો"), ("বন্ধ করুন", "বন্ধ করুন"),
    ("நிறுத்துங்கள்", "நிறுத்துங்கள்"), ("ఆపండి", "ఆపండి"), ("ನಿಲ್ಲಿಸಿ", "ನಿಲ್ಲಿಸಿ"),
    ("बंद\u200dकरो", None),                      # a joiner glues the words: not the phrase
    ("बंद\u200d करो", "बंद करो"),                 # an invisible joiner next to a space is dropped
])
def test_stop_replies(reply, word):
    assert stop_word(reply) == word


@pytest.mark.parametrize("reply", [
    "", None, "ok", "Will pay tomorrow", "Don't stop the credit", "stop sending me bills please now",
    "बंद करो मत", "Stopped by to pay", "stopp", "12345", "🙏", "   ",
])
def test_other_replies_are_not_stop(reply):
    assert stop_word(reply) is None


def test_normalise():
    assert normalise("  Stop!\n ALL ") == "stop all"
    assert normalise("ｓｔｏｐ") == "ｓｔｏｐ"           # full-width letters are not ASCII STOP: no surprise match
