"""The replies that mean "stop sending me reminders": one list, in every language the app offers.

A reply matches when, normalised (Unicode NFC, case folded, punctuation, symbols and
emoji removed, runs of spaces made one), it is exactly one of these words or phrases;
"STOP!", " stop ", "Stop." and "बंद करो।" all match, "I will pay, don't stop" does not.
Whole-message matching is what Twilio does for its own STOP keywords: a customer who
writes a sentence is answered by a person, not by a rule. Romanised Hindi ("band karo")
is listed too, because that is how many customers type.
"""
from __future__ import annotations

import re
import unicodedata

STOP_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "opt out", "optout",
           "stop messages", "stop reminders", "no more messages"),
    "hi": ("बंद", "बंद करो", "बंद करें", "बंद कीजिए", "बन्द करो", "रोको", "रोकें", "रुको", "मत भेजो",
           "मैसेज बंद करो", "मैसेज मत भेजो", "band", "band karo", "mat bhejo", "roko"),
    "mr": ("बंद करा", "थांबवा", "थांबा", "पाठवू नका", "मेसेज बंद करा", "band kara"),
    "gu": ("બંધ", "બંધ કરો", "રોકો", "મોકલશો નહીં", "ના મોકલો", "મેસેજ બંધ કરો"),
    "bn": ("বন্ধ", "বন্ধ করুন", "বন্ধ করো", "থামুন", "থামাও", "পাঠাবেন না", "মেসেজ বন্ধ করুন"),
    "ta": ("நிறுத்து", "நிறுத்துங்கள்", "நிறுத்தவும்", "அனுப்ப வேண்டாம்", "அனுப்பாதீர்கள்"),
    "te": ("ఆపు", "ఆపండి", "ఆపేయండి", "పంపవద్దు", "పంపకండి", "మెసేజ్ ఆపండి"),
    "kn": ("ನಿಲ್ಲಿಸಿ", "ನಿಲ್ಲಿಸು", "ಕಳುಹಿಸಬೇಡಿ", "ಮೆಸೇಜ್ ನಿಲ್ಲಿಸಿ"),
}

_SPACES = re.compile(r"\s+")


def normalise(text) -> str:
    """The reply as compared: NFC, case folded, no punctuation/symbols/invisible marks, one space."""
    if not text:
        return ""
    chars = []
    for ch in unicodedata.normalize("NFC", str(text)).casefold():
        kind = unicodedata.category(ch)
        if kind[0] in "PS" or kind in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif kind == "Cf":            # zero-width joiners, direction marks: invisible, dropped
            continue
        else:
            chars.append(ch)
    return _SPACES.sub(" ", "".join(chars)).strip()


_INDEX = {normalise(word): word for words in STOP_WORDS.values() for word in words}


def stop_word(text) -> str | None:
    """The listed word a reply is (as listed, e.g. 'बंद करो'), or None when it is not a stop reply."""
    return _INDEX.get(normalise(text))
