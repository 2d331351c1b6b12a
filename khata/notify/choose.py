"""Which notifier a run uses: Twilio with a complete configuration, else the dry-run outbox."""
from __future__ import annotations

from . import Notifier
from .outbox import OutboxNotifier
from .twilio_whatsapp import TwilioWhatsAppNotifier


def make_notifier(config=None, *, dry_run: bool = False, http_client=None) -> Notifier:
    """The Twilio notifier when there is a complete configuration and no dry run, else the outbox one."""
    if dry_run or config is None:
        return OutboxNotifier()
    return TwilioWhatsAppNotifier(config, http_client=http_client)
