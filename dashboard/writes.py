"""Every khata write the pages make, named, in one place (with ``dashboard.reads``).
Each goes through the one door, ``dashboard.door.write``, which passes the session's
principal and shop (nothing here says who acts); run them through ``forms.submit``,
which shows a refusal, clears this shop's cached reads and flashes the result.

Also re-exports the few service constants pages show (password rules, CSV
columns, payment methods), so pages import no khata service module.
"""
from __future__ import annotations

from khata import accounts, approvals, customer_links, customers, importer, loans, reminders, repayments, staff
from khata.accounts import PASSWORD_RULES  # noqa: F401 - shown on the sign-up and account pages
from khata.importer import OPTIONAL as IMPORT_OPTIONAL  # noqa: F401
from khata.importer import REQUIRED as IMPORT_REQUIRED  # noqa: F401
from khata.reminders import manual
from khata.repayments import METHODS  # noqa: F401

from . import door
from .door import app_root
from .session import actor


def add_customer(*, token: str, **fields) -> dict:
    return door.write(customers.create_customer, idempotency_key=token, **fields)


def edit_customer(customer_id: int, **changes) -> dict:
    return door.write(customers.update_customer, customer_id, **changes)


def revoke_link(customer_id: int) -> dict:
    """End every link the customer was given (owner only, refused in khata for staff)."""
    return door.write(customer_links.revoke_link, customer_id)


def resume_reminders(customer_id: int, note: str) -> dict:
    """WhatsApp reminders back on; refused without a note saying how the customer agreed."""
    return door.write(reminders.resume_reminders, customer_id, note)


def stop_reminders(customer_id: int) -> dict:
    return door.write(reminders.stop_reminders, customer_id)


def remove_customer(customer_id: int) -> str:
    return door.write(customers.remove_customer, customer_id)


def sell_on_credit(customer_id: int, *, token: str, **fields) -> dict:
    return door.write(loans.create_loan, customer_id, idempotency_key=token, **fields)


def reverse_sale(loan_id: int, reason: str) -> dict:
    return door.write(loans.reverse_loan, loan_id, reason=reason)


def repay_customer(customer_id: int, *, token: str, **payment) -> dict:
    return door.write(repayments.record_customer_repayment, customer_id, idempotency_key=token, **payment)


def repay_sale(loan_id: int, *, token: str, **payment) -> dict:
    return door.write(repayments.record_repayment, loan_id, idempotency_key=token, **payment)


def reverse_repayment(repayment_id: int, reason: str) -> dict:
    return door.write(repayments.reverse_repayment, repayment_id, reason=reason)


def record_manual_reminder(customer_id: int, channel: str) -> dict:
    return door.write(manual.record_manual_reminder, customer_id, channel)


def import_customers(data: bytes, progress) -> dict:
    return door.write(importer.import_customers, data, progress=progress)


def save_shop_settings(**changes) -> dict:
    return door.write(accounts.update_settings, **changes)


def set_language(code: str) -> str | None:
    """The shopkeeper's language, stored with the account (every device, after login)."""
    return accounts.set_language(app_root(), actor(), code)


def change_password(old: str, new: str):
    return accounts.change_password(app_root(), actor(), old, new)


# ---- requests for the owner, and the owner's decisions ---------------------------------

def request_reversal(entry_type: str, entry_id: int, reason: str) -> dict:
    return door.write(approvals.request_reversal, entry_type, entry_id, reason=reason)


def approve(approval_id: int) -> dict:
    return door.write(approvals.approve, approval_id)


def reject(approval_id: int, note: str | None = None) -> dict:
    return door.write(approvals.reject, approval_id, note=note)


# ---- the shop's logins (owner) ---------------------------------------------------------

def add_staff(**fields) -> dict:
    return door.write(staff.add_staff, **fields)


def reset_staff_password(username: str, password: str) -> dict:
    return door.write(staff.reset_staff_password, username, password)


def set_staff_active(username: str, active: bool) -> dict:
    return door.write(staff.set_staff_active, username, active)


def remove_staff(username: str) -> str:
    return door.write(staff.remove_staff, username)
