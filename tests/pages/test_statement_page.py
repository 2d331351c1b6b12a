"""The customer page: a UPI QR for what is due, and the statement as a PDF to share."""
import subprocess

import streamlit as st

from dashboard.reads import statement_pdf_maker
from dashboard.session import ME
from khata import accounts, customers, statement
from tests.roots import OWNER, root_at

from .conftest import app, texts


def _customer_page(at, customer_id):
    at.run()
    at.query_params["id"] = str(customer_id)
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert not at.exception, at.exception
    return at


def _owing_customer(path):
    return next(c for c in root_at(path).read(1, OWNER, customers.list_customers) if c["outstanding"] > 0)


def test_a_customer_who_owes_sees_a_qr_and_pay_words_and_can_take_a_pdf(demo_db, tmp_path):
    who = _owing_customer(demo_db)
    found = root_at(demo_db).read(1, OWNER, statement.statement_for, who["customer_id"])
    at = _customer_page(app(path=demo_db), who["customer_id"])
    assert len(at.get("image")) == 1  # the QR
    shown = texts(at)
    assert statement.pay_words(found) in shown and "demokirana@okaxis" in shown
    assert "upi://" not in shown and "%20" not in shown  # the raw link is only in the QR
    labels = [b.proto.label for b in at.get("download_button")]
    assert "⬇️ Statement to share (PDF)" in labels
    pdf = tmp_path / "s.pdf"
    st.session_state[ME] = {"shop_id": 1, "username": "demo", "name": "Demo", "role": "owner"}  # drawn as demo
    pdf.write_bytes(statement_pdf_maker(1, who["customer_id"], "en")())  # what the button sends when tapped
    st.session_state.pop(ME, None)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert who["name"] in text and "upi://" not in text and statement.pay_words(found) in flat


def test_no_qr_when_the_shop_has_no_upi_id(demo_db):
    root_at(demo_db).write(1, OWNER, accounts.update_settings, upi_id="")
    who = _owing_customer(demo_db)
    at = _customer_page(app(path=demo_db), who["customer_id"])
    assert len(at.get("image")) == 0
    assert "upi://pay" not in texts(at)
