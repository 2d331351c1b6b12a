"""The outbox statuses and their words, spelled once: the service checks a status against
``STATUSES``, the Reminders page filters and labels with ``STATUS_NAMES``/``STATUS_CELLS``, and
``delivery_state`` explains a row with ``STATE_WORDS``. A new status is added here and nowhere
else (tests/unit/test_policy_once.py fails on a second spelling)."""
from __future__ import annotations

from ..i18n import N_

# in the order a shopkeeper checks them: trouble first
STATUSES = ("failed", "unknown", "sending", "queued", "sent", "delivered", "read", "opened", "skipped", "simulated")

# a status as a filter choice (capitalised) and as a table cell (lowercase, as stored)
STATUS_NAMES = {"failed": N_("Failed"), "unknown": N_("Unknown"), "sending": N_("Sending"), "queued": N_("Queued"),
                "sent": N_("Sent"), "delivered": N_("Delivered"), "read": N_("Read"), "opened": N_("Opened"),
                "skipped": N_("Skipped"), "simulated": N_("Simulated")}
STATUS_CELLS = {"failed": N_("failed"), "unknown": N_("unknown"), "sending": N_("sending"), "queued": N_("queued"),
                "sent": N_("sent"), "delivered": N_("delivered"), "read": N_("read"), "opened": N_("opened"),
                "skipped": N_("skipped"), "simulated": N_("simulated")}

# What each status means, as Twilio last reported it: 'sent' is only "accepted", never "delivered".
# (failed and skipped say why instead: ``views.delivery_state``.)
STATE_WORDS = {
    "queued": N_("Waiting to be sent"),
    "sending": N_("Being sent now"),
    "sent": N_("Sent: Twilio accepted it; WhatsApp has not confirmed delivery yet"),
    "delivered": N_("Delivered to the customer's phone (not read yet)"),
    "read": N_("Read by the customer"),
    "simulated": N_("Not sent: no Twilio account; this is the message it would have been"),
    "unknown": N_("Unknown: the run stopped while sending; it may or may not have gone. Not resent"),
    "opened": N_("Opened in your own WhatsApp/SMS app; sending it was up to you"),
}
