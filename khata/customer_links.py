"""A customer's own link, ``KHATA_PUBLIC_URL/c?t=TOKEN``: signed, never stored.

The token (34 characters, URL-safe base64 of 25 bytes) is the customer's id (5 bytes), their
link generation (2 bytes) and the link's issue day (2 bytes, days since 2020-01-01), followed by
the first 16 bytes (128 bits) of an HMAC-SHA256 over those and the shop's id, keyed with
``KHATA_LINK_KEY`` (else a key generated once into ``KHATA_LINK_KEY_FILE``, mode 0600, like the
cookie key). Forging one means guessing 128 bits; changing one character breaks the HMAC.

A link is valid from its issue day for ``KHATA_LINK_DAYS`` (90) days while the customer's
generation (table ``customer_links``, 0 when no row) is the one it carries: revoking raises the
generation, which ends every link given so far. Nothing is written to give a link: the link of a
day is the one issued on the last multiple of a third of the validity (every 30 days by
default), so every reminder of those days carries the same link, each valid for 60 to 90 more
days, and the text of a queued message and its template variables always agree.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

from . import settings
from .book import Book
from .customers import customer_row

LINK_PATH = "c"           # the public page's address: KHATA_PUBLIC_URL/c?t=TOKEN
TOKEN_PARAM = "t"
EPOCH = date(2020, 1, 1)
TOKEN_BYTES = 5 + 2 + 2 + 16
MISS_WINDOW = timedelta(minutes=10)
MISSES_BEFORE_WAIT = 5    # bad links from one address in MISS_WINDOW before every answer waits
WAIT_S = 2.0

def link_key() -> bytes:
    """``KHATA_LINK_KEY``, else a random key generated once into data/.link_key (0600)."""
    return settings.secret_or_generated("KHATA_LINK_KEY", "KHATA_LINK_KEY_FILE", "link key").encode()


def public_url() -> str | None:
    """Where customers reach the app (``KHATA_PUBLIC_URL``); None: reminders carry no page link."""
    return settings.get("KHATA_PUBLIC_URL")


def link_days() -> int:
    return settings.get("KHATA_LINK_DAYS")


def issue_day(day: date) -> date:
    """The issue day of the link given on ``day``: the same for a third of the validity."""
    step = max(1, link_days() // 3)
    return EPOCH + timedelta(days=((day - EPOCH).days // step) * step)


def _mac(shop_id: int, payload: bytes) -> bytes:
    message = b"credikhaata-link-v1|" + str(int(shop_id)).encode() + b"|" + payload
    return hmac.new(link_key(), message, hashlib.sha256).digest()[:16]


def make_token(shop_id: int, customer_id: int, generation: int, issued: date) -> str:
    payload = (int(customer_id).to_bytes(5, "big") + int(generation).to_bytes(2, "big")
               + (issued - EPOCH).days.to_bytes(2, "big"))
    return base64.urlsafe_b64encode(payload + _mac(shop_id, payload)).decode().rstrip("=")


def _unpack(token: str) -> tuple[int, int, date, bytes, bytes] | None:
    """(customer id, generation, issue day, payload, mac), or None for anything malformed."""
    if not isinstance(token, str) or not 30 <= len(token) <= 40:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != TOKEN_BYTES or base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
        return None
    payload, mac = raw[:9], raw[9:]
    return (int.from_bytes(payload[:5], "big"), int.from_bytes(payload[5:7], "big"),
            EPOCH + timedelta(days=int.from_bytes(payload[7:9], "big")), payload, mac)


def token_hash(token: str) -> str:
    """What the book keeps of a token (an opening): its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str, base: str | None = None) -> str:
    return f"{(base or public_url() or '').rstrip('/')}/{LINK_PATH}?{TOKEN_PARAM}={token}"


def _generations(con, shop_id: int, customer_ids) -> dict[int, int]:
    ids = [int(c) for c in customer_ids]
    return dict(con.execute("SELECT customer_id, generation FROM customer_links"
                            " WHERE shop_id = ? AND list_contains(?, customer_id)", [shop_id, ids]).fetchall())


def page_links(con, shop_id: int, customer_ids, day: date) -> dict[int, str]:
    """Each customer's page link for a message of ``day``; {} when ``KHATA_PUBLIC_URL`` is unset
    (messages then carry the raw UPI link, as before). Writes nothing."""
    base = public_url()
    if not base or not customer_ids:
        return {}
    issued = issue_day(day)
    generations = _generations(con, int(shop_id), customer_ids)
    return {int(c): link_url(make_token(shop_id, c, generations.get(int(c), 0), issued), base)
            for c in customer_ids}


def with_page_links(con, shop_id: int, people: list[dict], day: date) -> list[dict]:
    """``people`` (dicts with customer_id) with ``page_link`` set for a message of ``day``."""
    links = page_links(con, shop_id, [p["customer_id"] for p in people], day)
    for person in people:
        person["page_link"] = links.get(int(person["customer_id"]))
    return people


def link_for(book: Book, customer_id) -> dict:
    """The customer's current link for the shopkeeper's customer page and the CLI:
    {url (None without KHATA_PUBLIC_URL), token, expires_on, opened_at (the latest opening),
    revoked_at (the last revocation)}."""
    customer = customer_row(book, customer_id, include_archived=True)
    cid = customer["customer_id"]
    state = book.row("SELECT generation, revoked_at FROM customer_links WHERE shop_id = ? AND customer_id = ?",
                     [book.shop_id, cid]) or {"generation": 0, "revoked_at": None}
    issued = issue_day(book.today)
    token = make_token(book.shop_id, cid, state["generation"], issued)
    opened = book.value("SELECT max(opened_at) FROM link_openings WHERE shop_id = ? AND customer_id = ?",
                        [book.shop_id, cid])
    return {"customer_id": cid, "url": link_url(token) if public_url() else None, "token": token,
            "expires_on": issued + timedelta(days=link_days()), "opened_at": opened,
            "revoked_at": state["revoked_at"], "generation": state["generation"]}


def revoke_link(book: Book, customer_id) -> dict:
    """End every link the customer was given (owner only); the next reminder carries a new one.
    Returns the new ``link_for``."""
    book.require("customer_links.revoke_link")
    cid = customer_row(book, customer_id, include_archived=True)["customer_id"]
    before = book.value("SELECT generation FROM customer_links WHERE shop_id = ? AND customer_id = ?",
                        [book.shop_id, cid])
    book.con.execute(
        "INSERT INTO customer_links (shop_id, customer_id, generation, revoked_at, revoked_by)"
        " VALUES (?, ?, 1, ?, ?) ON CONFLICT (shop_id, customer_id) DO UPDATE"
        " SET generation = customer_links.generation + 1, revoked_at = excluded.revoked_at,"
        " revoked_by = excluded.revoked_by", [book.shop_id, cid, book.now, book.actor])
    book.audit("revoke_link", "customer", cid, {"generation": before or 0}, {"generation": (before or 0) + 1})
    return link_for(book, cid)


def find_link(con, token: str, now: datetime) -> dict | None:
    """{shop_id, customer_id, link_hash} of a valid link; None for a wrong, changed, revoked or
    expired one, or a customer that is gone (all alike)."""
    unpacked = _unpack(token)
    if unpacked is None:
        return None
    customer_id, generation, issued, payload, mac = unpacked
    found = con.execute(
        "SELECT c.shop_id, coalesce(l.generation, 0) FROM customers c"
        " LEFT JOIN customer_links l ON l.shop_id = c.shop_id AND l.customer_id = c.customer_id"
        " WHERE c.customer_id = ?", [customer_id]).fetchone()
    if found is None:
        _mac(0, payload)  # the same work as for a customer that exists
        return None
    shop_id, current = found
    if not hmac.compare_digest(_mac(shop_id, payload), mac) or generation != current:
        return None
    today = now.astimezone(UTC).date()
    # issued on a shop-local day, checked on the UTC one: a day's slack before
    if not issued - timedelta(days=1) <= today <= issued + timedelta(days=link_days()):
        return None
    return {"shop_id": shop_id, "customer_id": customer_id, "link_hash": token_hash(token)}


def address_hash(address: str | None) -> str:
    """A client address as the book keeps it: keyed, so the table holds no address."""
    return hmac.new(link_key(), b"address|" + (address or "local").encode(), hashlib.sha256).hexdigest()[:32]


def recent_misses(con, address: str, now: datetime) -> int:
    return con.execute("SELECT count(*) FROM link_misses WHERE address_hash = ? AND missed_at > ?",
                       [address, now - MISS_WINDOW]).fetchone()[0]


def record_miss(con, address: str, now: datetime) -> None:
    con.execute("DELETE FROM link_misses WHERE missed_at < ?", [now - timedelta(days=1)])
    con.execute("INSERT INTO link_misses (address_hash, missed_at) VALUES (?, ?)", [address, now])
