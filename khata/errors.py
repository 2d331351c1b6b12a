"""Errors whose message is meant for the shopkeeper, in the shopkeeper's words."""
from .i18n import _


class KhataError(Exception):
    """Base class: ``str(err)`` is safe to show to a shopkeeper as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(KhataError):
    """Something typed in a form is not acceptable."""


class NotFound(KhataError):
    """No such thing in this shop (also what another shop's ids look like)."""


class Conflict(KhataError):
    """The action clashes with what is already in the book (duplicate phone, ...)."""


class CreditLimitExceeded(Conflict):
    """A sale would take the customer past their credit limit."""


class Overpayment(Conflict):
    """A repayment larger than what is owed."""


class AuthError(KhataError):
    """Login, lockout and password problems; never says whether a username exists."""


class DatabaseBusy(KhataError):
    """Another program kept the database file locked longer than we wait."""


class ImportRejected(KhataError):
    """A CSV import with bad rows: nothing was imported; ``row_errors`` lists them."""

    def __init__(self, row_errors: list[tuple[int, str]]):
        self.row_errors = row_errors
        shown = "; ".join(_("line {line}: {reason}").format(line=line, reason=reason)
                          for line, reason in row_errors[:5])
        more = _(" (and {n} more)").format(n=len(row_errors) - 5) if len(row_errors) > 5 else ""
        super().__init__(
            _("Nothing was imported: {n} row(s) need fixing. {rows}{more}").format(n=len(row_errors), rows=shown,
                                                                                  more=more)
        )


def shown(value, limit: int = 40) -> str:
    """What the shopkeeper typed, quoted in a message, cut short if it is long."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NotAllowed(KhataError):
    """The logged-in person's role may not do this (a staff login, say); nothing changed."""


class BookMissing(KhataError, RuntimeError):
    """The configured book file does not exist: refused everywhere except ``khata init`` and
    ``khata demo``, so a mistyped ``KHATA_DB`` never creates an empty book. For the operator,
    in English like the other operator texts; one line."""

    def __init__(self, path):
        self.path = path
        super().__init__(f"No book at {path}; create it with `khata init --db {path}`.")
