"""What the tables say: Last activity is the last sale or repayment, and a missing
value is a blank cell, never the word "None"."""
from __future__ import annotations

from datetime import timedelta

import pytest

from khata import customers, loans, reminders, repayments
from khata.dates import shop_today
from khata.notify.outbox import OutboxNotifier
from tests.conftest import make_shop
from tests.roots import OWNER, env_root

from .conftest import app, open_page

PAGES = ("overview.py", "customers.py", "loans.py", "repayments.py", "reminders.py", "account.py",
         "import_export.py")


@pytest.fixture
def quiet_shop(db_file, monkeypatch):
    """A shop whose only sale was 10 days ago, one repaid 25 days ago, a customer with no
    history and an opted-out one (a skipped reminder, never sent)."""
    monkeypatch.setenv("KHATA_COOKIE_KEY", "k" * 40)
    shop = make_shop(db_file, "quiet")
    sid = shop["shop_id"]
    today = shop_today("Asia/Kolkata")
    asha = env_root().write(sid, OWNER, customers.create_customer, name="Asha Sale", phone="98450 20001")
    env_root().write(sid, OWNER, loans.create_loan, asha["customer_id"], amount="100", item="Dal",
                     issue_date=today - timedelta(days=10), due_date=today + timedelta(days=20))
    babu = env_root().write(sid, OWNER, customers.create_customer, name="Babu Paid", phone="98450 20002")
    sale = env_root().write(sid, OWNER, loans.create_loan, babu["customer_id"], amount="50", item="Tea",
                            issue_date=today - timedelta(days=40), due_date=today - timedelta(days=30))
    env_root().write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="20",
                     paid_on=today - timedelta(days=25))
    env_root().write(sid, OWNER, customers.create_customer, name="Chitra New", phone="98450 20003")
    dev = env_root().write(sid, OWNER, customers.create_customer, name="Dev Quiet", phone="98450 20004",
                           whatsapp_opt_out=True)
    late = env_root().write(sid, OWNER, loans.create_loan, dev["customer_id"], amount="70", item="Oil",
                            issue_date=today - timedelta(days=40), due_date=today - timedelta(days=30))
    env_root().write(sid, OWNER, repayments.record_repayment, late["loan_id"], amount="10",
                     paid_on=today - timedelta(days=25))
    # no Twilio: the day's reminders are recorded as simulated
    reminders.run_reminders(env_root(), notifier=OutboxNotifier())
    return {"today": today, "shop_id": sid}


def test_last_activity_is_the_last_sale_or_repayment(quiet_shop):
    """Shown in the owner's Excel of the Customers list (the phone's cards keep to what the counter
    needs; every column stays in the download)."""
    import io

    import openpyxl

    from dashboard import exports, reads
    from khata import principals
    at = open_page(app("quiet"), "customers.py")
    assert [b for b in at.get("download_button") if "cu_xlsx" in b.proto.id]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.customers_xlsx(
        quiet_shop["shop_id"], reads.db_key(), "", "name", False, False, who=principals.owner("quiet"))())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    column = rows[0].index("Last activity")
    last = {row[0]: row[column] for row in rows[1:-1]}
    today = quiet_shop["today"]
    assert last["Asha Sale"].date() == today - timedelta(days=10)
    assert last["Babu Paid"].date() == today - timedelta(days=25)
    assert last["Chitra New"] is None  # no sale or repayment yet


@pytest.mark.parametrize("page", PAGES)
def test_no_cell_says_none(quiet_shop, page):
    at = open_page(app("quiet"), page)
    for table in at.dataframe:
        frame = table.value
        cells = frame.astype(str).to_numpy().ravel().tolist()
        assert "None" not in cells and "nan" not in cells and "NaT" not in cells, (page, frame)


def test_reminders_table_leaves_missing_values_blank(quiet_shop):
    at = open_page(app("quiet"), "reminders.py")
    sent = at.dataframe[0].value
    assert set(sent["Status"]) == {"simulated", "skipped"}  # Babu's dry run; Dev opted out
    skipped = sent[sent["Status"] == "skipped"].iloc[0]
    assert skipped["Sent at"] == ""


def test_stored_keys_are_shown_as_words_of_the_language(tmp_path, monkeypatch):
    """``table(words=...)``: a status or method the book stores as a key is a translated word;
    an unknown key is shown as it is and a missing one is blank."""
    from dashboard.tables import LOAN_STATUS, table
    from khata import i18n
    from tests.i18n_catalogs import fake, write_fake_catalogs

    rows = [{"status": "paid"}, {"status": "overdue"}, {"status": "someday"}, {"status": None}]
    assert list(table(rows, {"status": "Status"}, words={"status": LOAN_STATUS})["Status"]) == [
        "paid", "overdue", "someday", ""]
    monkeypatch.setattr(i18n, "LOCALE_DIR", write_fake_catalogs(tmp_path))
    i18n.translations.cache_clear()
    try:
        with i18n.use_language("hi"):
            shown = table(rows, {"status": i18n._("Status")}, words={"status": LOAN_STATUS})
        assert list(shown.columns) == [fake("Status")]
        assert list(shown[fake("Status")]) == [fake("paid"), fake("overdue"), "someday", ""]
    finally:
        i18n.translations.cache_clear()
