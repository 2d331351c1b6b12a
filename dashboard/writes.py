"""The dashboard's door for changing the book: every khata write the pages make,
in one place (with ``dashboard.reads``). Each takes the logged-in shop and
shopkeeper from the session; run them through ``forms.submit``, which shows a
refusal, clears this shop's cached reads and flashes the result.

Also re-exports the few service constants pages show (password rules, CSV
columns, payment methods), so pages import no khata service module.
"""
from __future__ import annotations

from khata import accounts, approvals, book, customer_links, customers, importer, loans, reminders, repayments, staff
from khata.accounts import PASSWORD_RULES  # noqa: F401 - shown on the sign-up and account pages
from khata.importer import OPTIONAL as IMPORT_OPTIONAL  # noqa: F401
from khata.importer import REQUIRED as IMPORT_REQUIRED  # noqa: F401
from khata.reminders import manual
from khata.repayments import METHODS  # noqa: F401

from .session import actor, role, shop_id


def add_customer(*, token: str, **fields) -> dict:
    return book.write(shop_id(), customers.create_customer, actor=actor(), role=role(), idempotency_key=token, **fields)


def edit_customer(customer_id: int, **changes) -> dict:
    return book.write(shop_id(), customers.update_customer, customer_id, actor=actor(), role=role(), **changes)


def revoke_link(customer_id: int) -> dict:
    """End every link the customer was given (owner only, refused in khata for staff)."""
    return book.write(shop_id(), customer_links.revoke_link, customer_id, actor=actor(), role=role())


def resume_reminders(customer_id: int, note: str) -> dict:
    """WhatsApp reminders back on; refused without a note saying how the customer agreed."""
    return book.write(shop_id(), reminders.resume_reminders, customer_id, note, actor=actor())


def stop_reminders(customer_id: int) -> dict:
    return book.write(shop_id(), reminders.stop_reminders, customer_id, actor=actor())


def remove_customer(customer_id: int) -> str:
    return book.write(shop_id(), customers.remove_customer, customer_id, actor=actor(), role=role())


def sell_on_credit(customer_id: int, *, token: str, **fields) -> dict:
    return book.write(shop_id(), loans.create_loan, customer_id, actor=actor(), role=role(), idempotency_key=token,
                      **fields)


def reverse_sale(loan_id: int, reason: str) -> dict:
    return book.write(shop_id(), loans.reverse_loan, loan_id, reason=reason, actor=actor(), role=role())


def repay_customer(customer_id: int, *, token: str, **payment) -> dict:
    return book.write(shop_id(), repayments.record_customer_repayment, customer_id, actor=actor(), role=role(),
                      idempotency_key=token,
                                                **payment)


def repay_sale(loan_id: int, *, token: str, **payment) -> dict:
    return book.write(shop_id(), repayments.record_repayment, loan_id, actor=actor(), role=role(),
                      idempotency_key=token, **payment)


def reverse_repayment(repayment_id: int, reason: str) -> dict:
    return book.write(shop_id(), repayments.reverse_repayment, repayment_id, reason=reason, actor=actor(), role=role())


def record_manual_reminder(customer_id: int, channel: str) -> dict:
    return book.write(shop_id(), manual.record_manual_reminder, customer_id, channel, actor=actor(), role=role())


def import_customers(data: bytes, progress) -> dict:
    return book.write(shop_id(), importer.import_customers, data, actor=actor(), role=role(), progress=progress)


def save_shop_settings(**changes) -> dict:
    return book.write(shop_id(), accounts.update_settings, actor=actor(), role=role(), **changes)


def set_language(code: str) -> str | None:
    """The shopkeeper's language, stored with the account (every device, after login)."""
    return accounts.set_language(actor(), code)


def change_password(old: str, new: str):
    return accounts.change_password(actor(), old, new)


# ---- requests for the owner, and the owner's decisions ---------------------------------

def request_reversal(entry_type: str, entry_id: int, reason: str) -> dict:
    return book.write(shop_id(), approvals.request_reversal, entry_type, entry_id, reason=reason, actor=actor(),
                      role=role())


def approve(approval_id: int) -> dict:
    return book.write(shop_id(), approvals.approve, approval_id, actor=actor(), role=role())


def reject(approval_id: int, note: str | None = None) -> dict:
    return book.write(shop_id(), approvals.reject, approval_id, note=note, actor=actor(), role=role())


# ---- the shop's logins (owner) ---------------------------------------------------------

def add_staff(**fields) -> dict:
    return book.write(shop_id(), staff.add_staff, actor=actor(), role=role(), **fields)


def reset_staff_password(username: str, password: str) -> dict:
    return book.write(shop_id(), staff.reset_staff_password, username, password, actor=actor(), role=role())


def set_staff_active(username: str, active: bool) -> dict:
    return book.write(shop_id(), staff.set_staff_active, username, active, actor=actor(), role=role())


def remove_staff(username: str) -> str:
    return book.write(shop_id(), staff.remove_staff, username, actor=actor(), role=role())
