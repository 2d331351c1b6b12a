"""One tap from any list to a customer's page: a real link to ``/customer?id=N`` (Streamlit
navigates inside the session, so no login and no second tap), its label the name as typed."""
from __future__ import annotations

import streamlit as st

from .text import plain

CUSTOMER_PAGE = "dashboard/app_pages/customer.py"


def customer_link(customer_id: int, name: str, *, where=st, help: str | None = None) -> None:
    """The customer's name as a link to their page, drawn in ``where`` (a column, a container)."""
    where.page_link(CUSTOMER_PAGE, label=plain(name), query_params={"id": str(customer_id)}, help=help,
                    icon=":material/chevron_right:", icon_position="right")  # a chevron: this name is tappable
