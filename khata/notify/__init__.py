"""How a reminder leaves the building.

A ``Notifier`` sends one WhatsApp message and, when it can, reports the later
delivery status of a message it sent. Two exist:

- ``twilio_whatsapp.TwilioWhatsAppNotifier``: the real one (Twilio REST API);
- ``outbox.OutboxNotifier``: the dry run; nothing leaves, the outbox row becomes
  ``simulated`` with the full text, so a demo without a Twilio account still shows
  exactly what would have been sent.

It also reads the replies customers sent to the sender (``fetch_replies``), so a
STOP is honoured without a public webhook.

``choose.make_notifier`` picks one from the configuration (it sits apart so the notifiers
can import these types from the package without a cycle). Notifiers never touch the
database: the caller claims rows, closes its connection, sends, then records the
results in a new short transaction (see ``khata.reminders``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from .codes import NOT_ON_WHATSAPP, NOT_ON_WHATSAPP_CODE, OPT_OUT, PERMANENT, WORDS  # noqa: F401

# Twilio error codes that will not get better by retrying (recorded with these words, never retried).
PERMANENT_CODES = {code: WORDS[code] for code in PERMANENT}


@dataclass(frozen=True)
class OutgoingMessage:
    """One message: the rendered text plus the template variables (for an approved template)."""
    to: str                          # E.164, e.g. +919876543210
    body: str
    variables: dict = field(default_factory=dict)
    key: tuple = ()                  # (shop_id, customer_id, reminder_date): who this is for
    language: str | None = None      # the customer's: picks the Twilio template approved in it


@dataclass
class SendResult:
    status: str                      # 'sent', 'failed' or 'simulated'
    sid: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    transient: bool = False          # worth retrying (429, 5xx, timeout)
    invalid_number: bool = False     # flag the customer: not on WhatsApp
    attempts: int = 1


@dataclass
class StatusResult:
    status: str                      # Twilio's own word: queued, sent, delivered, read, failed, undelivered, ...
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """A message a customer sent to the sender's number (a reply to a reminder)."""
    sid: str
    from_phone: str                  # E.164, without the whatsapp: prefix
    body: str
    date_sent: datetime              # timezone-aware
    inbox: str = ""                  # the number it was sent to (whatsapp:+...)


@runtime_checkable
class Notifier(Protocol):
    name: str
    dry_run: bool

    def send(self, message: OutgoingMessage) -> SendResult:
        """Send once (no retry here); never raises for a delivery problem."""

    def fetch_status(self, sid: str) -> StatusResult | None:
        """Twilio's current status for a message it accepted, or None when unknowable."""

    def fetch_replies(self, since: datetime) -> list[InboundMessage] | None:
        """Messages customers sent to the shop's number since ``since`` (none for the dry run);
        None when they could not be read (network, Twilio error): try again next run."""
