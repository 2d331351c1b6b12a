"""Who may call which service: the one table of roles, checked by the services.

Every public function in ``khata`` that takes a ``Book`` is listed here (a test
fails when one is missing). A service that changes or shows what staff may not
touch starts with ``book.require("<module>.<function>")``; the Book knows the
acting principal (``khata.principals``), and its ``role`` is what this table is
keyed by: ``owner``, ``staff``, ``system`` (the named system actors: the daily
run, the nightly upkeep, the operator's CLI, which act for the shop as its owner
did before principals were explicit, but never approve or consent for a person)
and ``customer`` (a customer's link: read-only, one customer; it may call only
the services listed with ``LINK``: the customer's own page; such a service also calls
``book.require_customer(customer_id)``). Pages ask ``can(service)`` on the
session, so no page holds a role list. Pages hide what a role cannot do, but the refusal lives here, so a
hand-made request or a forgotten button changes nothing.

Staff run the counter: customers, sales, repayments, balances, statements and
one-tap reminders. Only the owner reverses, archives, changes credit terms or
shop settings, imports, downloads customer lists, reads the audit log, manages
logins and approves requests.
"""
from __future__ import annotations

from .errors import NotAllowed
from .i18n import N_, _
from .principals import CUSTOMER, OWNER, STAFF, SYSTEM

ROLES = (OWNER, STAFF, SYSTEM, CUSTOMER)
EVERYONE = frozenset({OWNER, STAFF, SYSTEM})   # every login and the shop's system actors; not a link
OWNER_ONLY = frozenset({OWNER, SYSTEM})        # the owner, and system actors working for the shop
OWNER_ALONE = frozenset({OWNER})               # a person's judgment or word: never a system actor
LINK = frozenset({CUSTOMER})                   # add to a read service a customer's link may call

# service ("module.function" inside khata) -> roles allowed
SERVICES: dict[str, frozenset[str]] = {
    # shop settings
    "accounts.get_settings": EVERYONE,
    "accounts.update_settings": OWNER_ONLY,
    # logins
    "staff.add_staff": OWNER_ONLY,
    "staff.list_staff": OWNER_ONLY,
    "staff.reset_staff_password": OWNER_ONLY,
    "staff.set_staff_active": OWNER_ONLY,
    "staff.remove_staff": OWNER_ONLY,
    "audit.audit_log": OWNER_ONLY,
    "audit.audit_lines": OWNER_ONLY,
    "audit.audit_actors": OWNER_ONLY,
    # customers
    "customers.customer_row": EVERYONE,
    "customers.owed_by": EVERYONE,
    "customers.create_customer": EVERYONE,
    "customers.update_customer": EVERYONE,          # credit terms: "customers.change_credit_terms"
    "customers.change_credit_terms": OWNER_ONLY,
    "customers.remove_customer": OWNER_ONLY,
    "customers.bring_back_if_owing": EVERYONE,
    "customers.list_customers": EVERYONE,
    "customers.get_customer": EVERYONE,
    "customers.find_customers": EVERYONE,
    "customers.customer_language": EVERYONE,
    "importer.import_customers": OWNER_ONLY,
    "downloads.table_rows": OWNER_ONLY,
    # the ledger
    "loans.available_credit": EVERYONE,
    "loans.create_loan": EVERYONE,                   # above the shop's staff limit: a request
    "loans.loan_row": EVERYONE,
    "loans.get_loan": EVERYONE,
    "loans.loans_owing": EVERYONE,
    "loans.list_loans": EVERYONE,
    "loans.reverse_loan": OWNER_ONLY,
    "repayments.record_repayment": EVERYONE,
    "repayments.record_customer_repayment": EVERYONE,
    "repayments.list_repayments": EVERYONE,
    "repayments.repayment_row": EVERYONE,
    "repayments.reverse_repayment": OWNER_ONLY,
    # approvals
    "approval_requests.approval_row": EVERYONE,
    "approval_requests.insert_request": EVERYONE,      # what request_reversal and request_sale store
    "approval_requests.request_sale": EVERYONE,
    "approvals.request_reversal": EVERYONE,
    "approvals.list_approvals": EVERYONE,            # staff see their own requests
    "approvals.approve": OWNER_ALONE,
    "approvals.reject": OWNER_ALONE,
    # reports and statements
    "reports.shop_summary": EVERYONE,
    "reports.customer_statement": EVERYONE,
    "reports.period_totals": EVERYONE,
    "reports.issued_vs_collected_frame": EVERYONE,
    "reports.top_customers_frame": EVERYONE,
    "reports.expected_collections_frame": EVERYONE,
    "reports.days_to_repay_bins": EVERYONE,
    "reports.overview": EVERYONE,
    "statement.statement_for": EVERYONE,
    # reminders
    "reminders.manual.remind_today": EVERYONE,
    "reminders.manual.reminder_for": EVERYONE,
    "reminders.manual.reminded_today": EVERYONE,
    "reminders.manual.record_manual_reminder": EVERYONE,
    "reminders.views.reminder_log": EVERYONE,
    "reminders.views.upcoming_reminders": EVERYONE,
    "reminders.views.upcoming_page": EVERYONE,
    "reminders.effect.reminder_effect": EVERYONE,
    "reminders.consent.consent_state": EVERYONE,
    "reminders.consent.stop_reminders": EVERYONE,    # the customer asked at the counter
    "reminders.consent.resume_reminders": OWNER_ALONE,  # consent to be messaged again: the owner's word
    # the customer's own page (a link in every reminder)
    "customer_links.link_for": EVERYONE,            # the link staff share in a one-tap reminder
    "customer_links.revoke_link": OWNER_ONLY,
    "customer_view.customer_khata": LINK,   # what the link shows: its one customer only
    "customer_view.statement_pdf": LINK,
    "customer_view.record_opening": LINK,
}

# What a refusal says, in the shopkeeper's words.
REFUSALS: dict[str, str] = {
    "accounts.update_settings": N_("Only the shop owner can change the shop's settings."),
    "customers.change_credit_terms": N_("Only the shop owner can change a customer's credit limit or trust score."),
    "customers.remove_customer": N_("Only the shop owner can archive or delete a customer."),
    "importer.import_customers": N_("Only the shop owner can import customers."),
    "downloads.table_rows": N_("Only the shop owner can download the shop's lists."),
    "loans.reverse_loan": N_("Only the shop owner can reverse a sale; ask for a reversal instead."),
    "repayments.reverse_repayment": N_("Only the shop owner can reverse a repayment; ask for a reversal instead."),
    "approvals.approve": N_("Only the shop owner can approve requests."),
    "approvals.reject": N_("Only the shop owner can reject requests."),
    "audit.audit_log": N_("Only the shop owner can see the audit log."),
    "audit.audit_lines": N_("Only the shop owner can see the audit log."),
    "audit.audit_actors": N_("Only the shop owner can see the audit log."),
    "reminders.consent.resume_reminders": N_("Only the shop owner can turn a customer's reminders back on."),
    "customer_links.revoke_link": N_("Only the shop owner can end a customer's link."),
}
MANAGE_LOGINS = N_("Only the shop owner can manage logins.")
NOT_ALLOWED = N_("Your login may not do this; ask the shop owner.")


def role_of(who) -> str:
    """The table's key for a principal (or a role given as text)."""
    role = getattr(who, "role", who)
    if role not in ROLES:
        raise NotAllowed(_("Unknown role; a login is either the owner or staff."))
    return role


def allowed(who, service: str) -> bool:
    """True when ``who`` (a principal or a role) may call ``service``; an unlisted service is
    refused to everyone."""
    return role_of(who) in SERVICES.get(service, frozenset())


def refusal(service: str) -> str:
    """What a refusal of ``service`` says, translated."""
    return _(REFUSALS.get(service, MANAGE_LOGINS if service.startswith("staff.") else NOT_ALLOWED))


def require(who, service: str) -> None:
    """Raise NotAllowed (before anything is changed) unless ``who`` may call ``service``."""
    if not allowed(who, service):
        raise NotAllowed(refusal(service))
