"""The dashboard's door for changing the book: every khata write the pages make,
in one place (with ``dashboard.reads``). Each takes the logged-in shop and
shopkeeper from the session; run them through ``forms.submit``, which shows a
refusal, clears this shop's cached reads and flashes the result.

Also re-exports the few service constants pages show (password rules, CSV
columns, payment methods), so pages import no khata service module.
"""
from __future__ import annotations

from khata import accounts, book, customers, importer, loans, reminders, repayments
from khata.accounts import PASSWORD_RULES  # noqa: F401 - shown on the sign-up and account pages
from khata.importer import OPTIONAL as IMPORT_OPTIONAL  # noqa: F401
from khata.importer import REQUIRED as IMPORT_REQUIRED  # noqa: F401
from khata.reminders import manual
from khata.repayments import METHODS  # noqa: F401

from .session import actor, shop_id


def add_customer(*, token: str, **fields) -> dict:
    return book.write(shop_id(), customers.create_customer, actor=actor(), idempotency_key=token, **fields)


def edit_customer(customer_id: int, **changes) -> dict:
    return book.write(shop_id(), customers.update_customer, customer_id, actor=actor(), **changes)


def resume_reminders(customer_id: int, note: str) -> dict:
    """WhatsApp reminders back on; refused without a note saying how the customer agreed."""
    return book.write(shop_id(), reminders.resume_reminders, customer_id, note, actor=actor())


def stop_reminders(customer_id: int) -> dict:
    return book.write(shop_id(), reminders.stop_reminders, customer_id, actor=actor())


def remove_customer(customer_id: int) -> str:
    return book.write(shop_id(), customers.remove_customer, customer_id, actor=actor())


def sell_on_credit(customer_id: int, *, token: str, **fields) -> dict:
    return book.write(shop_id(), loans.create_loan, customer_id, actor=actor(), idempotency_key=token, **fields)


def reverse_sale(loan_id: int, reason: str) -> dict:
    return book.write(shop_id(), loans.reverse_loan, loan_id, reason=reason, actor=actor())


def repay_customer(customer_id: int, *, token: str, **payment) -> dict:
    return book.write(shop_id(), repayments.record_customer_repayment, customer_id, actor=actor(),
                      idempotency_key=token,
                                                **payment)


def repay_sale(loan_id: int, *, token: str, **payment) -> dict:
    return book.write(shop_id(), repayments.record_repayment, loan_id, actor=actor(), idempotency_key=token, **payment)


def reverse_repayment(repayment_id: int, reason: str) -> dict:
    return book.write(shop_id(), repayments.reverse_repayment, repayment_id, reason=reason, actor=actor())


def record_manual_reminder(customer_id: int, channel: str) -> dict:
    return book.write(shop_id(), manual.record_manual_reminder, customer_id, channel, actor=actor())


def import_customers(data: bytes, progress) -> dict:
    return book.write(shop_id(), importer.import_customers, data, actor=actor(), progress=progress)


def save_shop_settings(**changes) -> dict:
    return book.write(shop_id(), accounts.update_settings, actor=actor(), **changes)


def set_language(code: str) -> str | None:
    """The shopkeeper's language, stored with the account (every device, after login)."""
    return accounts.set_language(actor(), code)


def change_password(old: str, new: str):
    return accounts.change_password(actor(), old, new)
