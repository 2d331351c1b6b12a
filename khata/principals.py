"""Who acts: every unit of work on a book is done by one principal, said by the caller.

A principal is a person's login (the shop's owner or a staff member), a named system
actor (the daily reminder run, the nightly upkeep, an operator's CLI command), or a
customer's link (read-only, one customer of one shop). Nothing defaults to the owner:
the entry point that knows who is acting builds the principal and hands it to the
unit of work; services check ``khata/permissions.py`` against ``principal.role``.
"""
from __future__ import annotations

from dataclasses import dataclass

# The kinds of principal; ``role`` is what khata/permissions.py is keyed by.
OWNER, STAFF, SYSTEM, CUSTOMER = "owner", "staff", "system", "customer"
KINDS = (OWNER, STAFF, SYSTEM, CUSTOMER)
LOGIN_ROLES = (OWNER, STAFF)  # what a login (shopkeepers.role) may be


@dataclass(frozen=True)
class Principal:
    """One actor. ``name`` is what the audit log records: a login's username, a system
    actor's name ("daily-run"), or "customer-link" for a customer's link.
    ``customer_id`` is set only for a customer's link, the one customer it may see."""

    kind: str
    name: str
    customer_id: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown principal kind {self.kind!r}")
        if not self.name:
            raise ValueError("a principal needs a name")
        if (self.kind == CUSTOMER) != (self.customer_id is not None):
            raise ValueError("a customer's link, and only it, is limited to one customer")

    @property
    def role(self) -> str:
        return self.kind

    @property
    def is_owner(self) -> bool:
        return self.kind == OWNER

    @property
    def is_person(self) -> bool:
        """A login at the app (owner or staff), as opposed to a system actor or a link."""
        return self.kind in LOGIN_ROLES


def owner(username: str) -> Principal:
    return Principal(OWNER, username)


def staff(username: str) -> Principal:
    return Principal(STAFF, username)


def login(username: str, role: str) -> Principal:
    """The principal of a logged-in session, from the login's stored role."""
    if role not in LOGIN_ROLES:
        raise ValueError(f"a login's role is owner or staff, not {role!r}")
    return Principal(role, username)


def customer_link(customer_id: int) -> Principal:
    return Principal(CUSTOMER, "customer-link", int(customer_id))


# The named system actors: each entry point that is not a person says which one it is.
DAILY_RUN = Principal(SYSTEM, "daily-run")
NIGHTLY_UPKEEP = Principal(SYSTEM, "nightly-upkeep")
CLI_OPERATOR = Principal(SYSTEM, "cli-operator")
