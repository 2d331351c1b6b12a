"""The dry-run notifier: nothing is sent; the outbox row keeps the full text as ``simulated``.
Nobody can reply to a message that was never sent, so it reads no replies."""
from __future__ import annotations

from . import OutgoingMessage, SendResult, StatusResult


class OutboxNotifier:
    name = "outbox (dry run)"
    dry_run = True
    inbox = None                     # no sender number: nothing to read replies from

    def __init__(self):
        self.messages: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        self.messages.append(message)
        return SendResult(status="simulated")

    def fetch_status(self, sid: str) -> StatusResult | None:
        return None

    def fetch_replies(self, since) -> list:
        return []
