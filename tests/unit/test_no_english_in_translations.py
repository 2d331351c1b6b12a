"""No English words left inside a translation (docs/glossary.md, "Latin letters").

A translation may keep, in Latin letters, only brand and technical names a shopkeeper meets as
they are (WhatsApp, UPI, CSV...), what a person types exactly (a reply word like STOP, column
names like ``credit_limit``, a time zone, a date pattern, an e-mail, a UPI ID) and placeholders.
Everything else, example names of people included, is written in the language's own script.
"""
import re

import pytest
from babel.messages.pofile import read_po

from khata.i18n import DEFAULT_LANGUAGE, LANGUAGES

# Brand and technical names, and what a person types in Latin letters. Not English words.
ALLOWED = {
    "WhatsApp", "UPI", "CSV", "SMS", "Twilio", "QR", "PDF", "Excel", "xlsx", "ID", "UTF", "OK", "OTP", "URL",
    "Debian", "fonts-noto-core", "Asia", "Kolkata", "YYYY-MM-DD", "STOP", "START", "Prefect", "Streamlit", "DuckDB",
    "Google", "Pay", "GPay", "PhonePe", "Paytm", "Chromium",
}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
NOT_WORDS = re.compile(
    r"`[^`]*`"                      # code the person types (`make run`)
    r"|<br>|%\{[^}]*\}"             # chart markup and plotly's own placeholders
    r"|https?://\S+|\S+@\S+"        # addresses, e-mails, UPI IDs
    r"|\b\w*_\w*\b"                 # column names (credit_limit, opening_due_date)
    r"|\bUTF-8\b|\bCSV UTF-8\b")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")


def english_words(text: str) -> list[str]:
    text = NOT_WORDS.sub(" ", PLACEHOLDER.sub(" ", text))
    return [w for w in LATIN_WORD.findall(text) if w not in ALLOWED]


def test_the_checker_finds_english_and_lets_names_and_codes_through():
    assert english_words("जैसे Asha या 98765") == ["Asha"]
    assert english_words("நிலை pending அல்லது rejected") == ["pending", "rejected"]
    assert english_words("{name} को WhatsApp पर UPI ID ravi@okaxis, `make run`, credit_limit, <br>%{x}") == []


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != DEFAULT_LANGUAGE])
def test_no_english_word_is_left_in_a_translation(code, locale_dir):
    with open(locale_dir / code / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale=code)
    found = []
    for message in catalog:
        if not message.id:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            if words := english_words(text or ""):
                found.append(f"{message.id!r}: {words}")
    assert not found, f"{code}: English left in {len(found)} translations:\n" + "\n".join(found)
