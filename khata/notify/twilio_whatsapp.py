"""WhatsApp through Twilio's REST API (the official ``twilio`` client).

With ``TWILIO_CONTENT_SID`` set, the approved template is sent (``content_sid`` +
``content_variables``), which is what Meta requires for a business-initiated
message outside the 24-hour window. Meta approves a template in one language, so
``TWILIO_CONTENT_SID_HI`` (``_MR``, ``_GU``, ``_BN``, ``_TA``, ``_TE``, ``_KN``) name the
template for customers of that language; a language without one gets the default
template (with the variables still in the customer's language). The template variables are:

    {{1}} customer name   {{2}} shop name   {{3}} amount (₹ with Indian grouping)
    {{4}} oldest due date {{5}} the customer's own page link when KHATA_PUBLIC_URL is set, else the
    UPI payment link ("Please pay at the shop." when the shop has no UPI ID); see khata/reminders/message.py

Without it a free-form ``body`` is sent: that only works in the Twilio sandbox or
inside the 24-hour window (Twilio answers 63016 otherwise).

Credentials come from ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` and
``TWILIO_WHATSAPP_FROM`` (environment, or the project's ``.env``), or are handed
in by the Prefect flow from Secret blocks. They are never logged: ``TwilioConfig``
hides them in its repr and error messages are scrubbed of phone numbers.
"""
from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .. import settings
from ..phones import mask_phone
from . import NOT_ON_WHATSAPP, PERMANENT_CODES, InboundMessage, OutgoingMessage, SendResult, StatusResult

# A template approved in each language (TWILIO_CONTENT_SID_HI, ...); a language without one
# falls back to TWILIO_CONTENT_SID, the shop's default template.
LANGUAGE_KEYS = {"TWILIO_CONTENT_SID_HI": "hi", "TWILIO_CONTENT_SID_MR": "mr", "TWILIO_CONTENT_SID_GU": "gu",
                 "TWILIO_CONTENT_SID_BN": "bn", "TWILIO_CONTENT_SID_TA": "ta", "TWILIO_CONTENT_SID_TE": "te",
                 "TWILIO_CONTENT_SID_KN": "kn"}
ENV_KEYS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "TWILIO_CONTENT_SID",
            *LANGUAGE_KEYS)
_PHONE_RE = re.compile(r"\+?\d[\d ]{9,16}\d")


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str                 # whatsapp:+14155238886 or +14155238886
    content_sid: str | None = None
    timeout_s: float = 15.0
    content_sids: dict = field(default_factory=dict)  # language code -> template approved in it

    def template_for(self, language: str | None) -> str | None:
        """The template for a customer's language, else the default one (None: free-form body)."""
        return self.content_sids.get(language or "") or self.content_sid

    def __repr__(self) -> str:       # never show the token (nor the full sender)
        return f"TwilioConfig(account_sid={self.account_sid[:6]}…, template={'yes' if self.content_sid else 'no'})"

    @classmethod
    def from_mapping(cls, values: dict) -> TwilioConfig | None:
        """A config when the three required values are present (blank counts as missing), else None."""
        sid = (values.get("TWILIO_ACCOUNT_SID") or "").strip()
        token = (values.get("TWILIO_AUTH_TOKEN") or "").strip()
        sender = (values.get("TWILIO_WHATSAPP_FROM") or "").strip()
        if not (sid and token and sender):
            return None
        content = (values.get("TWILIO_CONTENT_SID") or "").strip() or None
        timeout = settings.parse_value("TWILIO_TIMEOUT_S", values.get("TWILIO_TIMEOUT_S"))
        per_language = {code: (values.get(key) or "").strip() for key, code in LANGUAGE_KEYS.items()}
        return cls(sid, token, sender, content, timeout, {k: v for k, v in per_language.items() if v})

    @classmethod
    def from_env(cls, env: dict | None = None, dotenv_file: Path | None | str = "default") -> TwilioConfig | None:
        """Environment first, then the project's ``.env`` (or ``KHATA_DOTENV``) for anything missing:
        ``khata.settings``. ``env`` and ``dotenv_file`` replace those two sources (tests)."""
        if env is None and dotenv_file == "default":
            return cls.from_mapping({k: settings.raw(k)[0] for k in (*ENV_KEYS, "TWILIO_TIMEOUT_S")})
        if dotenv_file == "default":
            dotenv_file = settings.dotenv_path()
        values = {}
        if dotenv_file is not None and Path(dotenv_file).is_file():
            from dotenv import dotenv_values

            values.update({k: v for k, v in dotenv_values(dotenv_file).items() if k in ENV_KEYS and v})
        source = os.environ if env is None else env
        values.update({k: source[k] for k in (*ENV_KEYS, "TWILIO_TIMEOUT_S") if source.get(k)})
        return cls.from_mapping(values)


def whatsapp_address(number: str) -> str:
    number = number.strip()
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def scrub(text: str | None, limit: int = 300) -> str | None:
    """Error text safe to store and show: no full phone numbers, no colour codes, bounded length."""
    if not text:
        return None
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))
    text = _PHONE_RE.sub(lambda m: mask_phone("+" + re.sub(r"\D", "", m.group(0))), text)
    return text[:limit]


def classify(err: Exception) -> SendResult:
    """Turn whatever the client raised into a result: permanent, transient or plain failed."""
    if isinstance(err, (TwilioRestException, TwilioServiceException)):
        status = getattr(err, "status", None) or 0
        try:
            code = int(err.code) if err.code is not None else None
        except (TypeError, ValueError):
            code = None
        if isinstance(err, TwilioServiceException):
            raw = " - ".join(p for p in (err.title, err.detail) if p)
        else:
            raw = err.msg
        if code in PERMANENT_CODES:
            return SendResult("failed", error_code=str(code), error_message=PERMANENT_CODES[code],
                              invalid_number=code in NOT_ON_WHATSAPP)
        transient = status == 429 or status >= 500 or code == 20429
        return SendResult("failed", error_code=str(code or status), transient=transient,
                          error_message=scrub(raw) or f"HTTP {status}")
    if isinstance(err, requests.exceptions.Timeout):
        return SendResult("failed", error_code="timeout", transient=True,
                          error_message="Twilio did not answer in time.")
    if isinstance(err, requests.exceptions.ConnectionError):
        return SendResult("failed", error_code="connection", transient=True,
                          error_message="Could not reach Twilio (network).")
    if isinstance(err, TwilioException):
        return SendResult("failed", error_code="twilio", error_message=scrub(str(err)) or type(err).__name__)
    return SendResult("failed", error_code="error", error_message=scrub(f"{type(err).__name__}: {err}"))


class TwilioWhatsAppNotifier:
    name = "twilio whatsapp"
    dry_run = False

    def __init__(self, config: TwilioConfig, *, http_client=None, base_url: str | None = None):
        self.config = config
        self._http_client = http_client
        self._base_url = base_url
        self._local = threading.local()

    def _client(self) -> Client:
        """One client per thread (a requests Session is not shared between threads)."""
        client = getattr(self._local, "client", None)
        if client is None:
            http = self._http_client or TwilioHttpClient(timeout=self.config.timeout_s)
            client = Client(self.config.account_sid, self.config.auth_token, http_client=http)
            if self._base_url:
                client.api.base_url = self._base_url
            self._local.client = client
        return client

    def request_fields(self, message: OutgoingMessage) -> dict:
        fields = {"to": whatsapp_address(message.to), "from_": whatsapp_address(self.config.from_number)}
        template = self.config.template_for(message.language)
        if template:
            fields["content_sid"] = template
            fields["content_variables"] = json.dumps(message.variables, ensure_ascii=False)
        else:
            fields["body"] = message.body
        return fields

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            created = self._client().messages.create(**self.request_fields(message))
        except Exception as err:  # TwilioException (both kinds), timeouts, anything: one customer only
            return classify(err)
        if created.status == "failed" or created.error_code:
            code = str(created.error_code) if created.error_code else None
            return SendResult("failed", sid=created.sid, error_code=code,
                              error_message=scrub(created.error_message) or "Twilio reported a failure.")
        return SendResult("sent", sid=created.sid)

    def fetch_status(self, sid: str) -> StatusResult | None:
        try:
            msg = self._client().messages(sid).fetch()
        except Exception:
            return None
        code = str(msg.error_code) if msg.error_code else None
        reason = PERMANENT_CODES.get(int(code)) if code and code.isdigit() else None
        return StatusResult(msg.status, code, reason or scrub(msg.error_message))

    @property
    def inbox(self) -> str:
        """The sender's address; customers' replies arrive here."""
        return whatsapp_address(self.config.from_number)

    def fetch_replies(self, since: datetime) -> list[InboundMessage] | None:
        """Inbound WhatsApp messages to the sender since ``since`` (Twilio's Messages API,
        every page); None when Twilio could not be asked."""
        try:
            found = self._client().messages.list(to=self.inbox, date_sent_after=since)
        except Exception:  # TwilioException, timeouts: the next run reads from the same point
            return None
        out = []
        for msg in found:
            if (msg.direction or "") != "inbound" or not msg.from_ or msg.date_sent is None:
                continue
            out.append(InboundMessage(sid=msg.sid, from_phone=msg.from_.removeprefix("whatsapp:"),
                                      body=msg.body or "", date_sent=msg.date_sent, inbox=self.inbox))
        return out
