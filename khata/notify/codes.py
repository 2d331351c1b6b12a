"""Twilio's error codes in the shopkeeper's words: the one mapping.

The outbox stores Twilio's code and these English words; pages show ``reason()``,
which translates the words at read time (so a Hindi page shows Hindi) and falls
back to what Twilio said for a code not listed here. The sets below decide what
a code does: never retried, flag the number as not on WhatsApp, or turn the
customer's WhatsApp reminders off (they blocked or opted out of the sender).
"""
from __future__ import annotations

from ..i18n import N_, _

NOT_ON_WHATSAPP_CODE = 63003
OPTED_OUT_CODE = 63014
WINDOW_CODE = 63016

WORDS: dict[int, str] = {
    21211: N_("The phone number is not valid."),
    21408: N_("Twilio may not send to this country from this account."),
    21610: N_("The customer replied STOP to this sender: messages to them are blocked."),
    21614: N_("This number cannot receive messages (not a mobile number)."),
    30003: N_("The phone was unreachable (switched off or out of coverage)."),
    30004: N_("The customer blocked messages from this sender."),
    30005: N_("The number does not exist (unknown to the network)."),
    30006: N_("The number is a landline or cannot receive messages."),
    30007: N_("Stopped by the carrier's message filter."),
    30008: N_("Not delivered; the network gave no reason."),
    63003: N_("This number is not on WhatsApp."),
    63013: N_("WhatsApp refused it under its business policy."),
    63014: N_("The customer blocked or opted out of messages from this business."),
    63015: N_("The customer has not joined the Twilio sandbox."),
    63016: N_("Outside WhatsApp's 24-hour window — needs an approved template."),
    63018: N_("The WhatsApp daily message limit for this sender was reached."),
    63024: N_("WhatsApp says this is not a valid recipient."),
    63032: N_("WhatsApp did not deliver it (the customer's WhatsApp is in a test group)."),
    63049: N_("WhatsApp chose not to deliver it (too many business messages to this customer)."),
}

# Recorded and never retried: asking again gives the same answer.
PERMANENT = {21211, 21408, 21610, 21614, NOT_ON_WHATSAPP_CODE, 63013, OPTED_OUT_CODE, 63015, WINDOW_CODE, 63018,
             63024}
NOT_ON_WHATSAPP = {NOT_ON_WHATSAPP_CODE}
# The customer does not want these messages: their WhatsApp reminders are turned off.
OPT_OUT = {OPTED_OUT_CODE, 21610, 30004}


def as_code(code) -> int | None:
    """A stored code ('63016', 63016) as an int; None for 'timeout', '', None."""
    try:
        return int(str(code).strip())
    except (TypeError, ValueError):
        return None


def english(code) -> str | None:
    """The stored words for a code (English), or None when it is not listed."""
    return WORDS.get(as_code(code))


def reason(code, fallback: str | None = None) -> str | None:
    """Why a message failed, in the current language: our words for a listed code,
    else what Twilio (or the run) said, else None."""
    words = english(code)
    return _(words) if words else (fallback or None)


def opted_out(code) -> bool:
    return as_code(code) in OPT_OUT
