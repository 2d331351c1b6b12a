"""A customer's own link: issue, re-issue, revoke, expire; only a hash kept; one link sees one
customer; every other service refused; bad links counted per address across processes; the CLI."""
from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from khata import (
    accounts,
    book,
    cli,
    customer_links,
    customer_view,
    customers,
    loans,
    principals,
    reports,
    settings,
)
from khata.errors import NotAllowed
from khata.principals import customer_link
from tests.conftest import ROOT, make_shop
from tests.roots import OWNER, root_at

HOST = "https://khata.example.in"


@pytest.fixture
def ledger(db_file, monkeypatch):
    """Ravi's shop with Asha (two sales, one overdue, a repayment with a private note) and Bina;
    Meena's shop with Chetan."""
    monkeypatch.setenv("KHATA_PUBLIC_URL", HOST)
    ravi = make_shop(db_file, "ravi")
    meena = make_shop(db_file, "meena", name="Meena Devi", phone="9123456780", shop_name="Meena Stores")
    sid, other = ravi["shop_id"], meena["shop_id"]
    root_at(db_file).write(sid, OWNER, accounts.update_settings, upi_id="ravi@okaxis")
    with root_at(db_file).unit(sid, OWNER, write=True) as b:
        asha = customers.create_customer(b, name="Asha", phone="98765 11111", credit_limit="5000",
                                         notes="PRIVATE: slow payer")["customer_id"]
        bina = customers.create_customer(b, name="Bina", phone="98765 11112", credit_limit="5000")["customer_id"]
        old = loans.create_loan(b, asha, amount="500", item="Rice 5 kg", issue_date=b.today - timedelta(days=40),
                                due_date=b.today - timedelta(days=10))["loan_id"]
        loans.create_loan(b, asha, amount="200", item="Dal")
        loans.create_loan(b, bina, amount="300", item="Bina's soap")
        from khata import repayments
        repayments.record_repayment(b, old, amount="100", note="PRIVATE: paid late again")
    chetan = root_at(db_file).write(other, OWNER, customers.create_customer, name="Chetan", phone="98765 22222",
                                    credit_limit="5000")["customer_id"]
    return {"sid": sid, "other": other, "asha": asha, "bina": bina, "chetan": chetan, "path": db_file}


def link(ledger, who="asha", sid="sid"):
    return root_at(ledger["path"]).read(ledger[sid], OWNER, customer_links.link_for, ledger[who])


def opens(ledger, token, *, address="10.0.0.1", first=True, now=None):
    return customer_view.visit(root_at(ledger["path"]), token, address=address, first_view=first, now=now)["khata"]


def every_text(path) -> str:
    """Every value of every table, as text."""
    def read(con):
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables"
                                            " WHERE table_type = 'BASE TABLE'").fetchall()]
        return "\n".join(str(row) for t in tables for row in con.execute(f"SELECT * FROM {t}").fetchall())
    return root_at(path).on_connection(read)


def test_a_link_is_short_signed_and_opens_its_customer(ledger):
    issued = link(ledger)
    token = issued["token"]
    assert issued["url"] == f"{HOST}/c?t={token}"
    assert len(token) <= 40 and len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) - 9 >= 16
    assert issued["expires_on"] >= date.today() + timedelta(days=59)
    khata = opens(ledger, token)
    assert khata["customer"] == {"name": "Asha"}
    assert khata["due"] == reports_due(ledger, "asha")
    # re-issuing on another day of the same period gives the same link: every reminder may carry it
    assert link(ledger)["token"] == token


def reports_due(ledger, who):
    return root_at(ledger["path"]).read(ledger["sid"], OWNER, customers.owed_by, ledger[who])


def test_one_link_sees_exactly_its_customers_entries_and_none_of_the_shops_notes(ledger):
    khata = opens(ledger, link(ledger)["token"])
    statement = root_at(ledger["path"]).read(ledger["sid"], OWNER, reports.customer_statement, ledger["asha"])
    assert [(e["entry_date"], e["debit"], e["credit"], e["balance"]) for e in khata["entries"]] == \
        [(e["entry_date"], e["debit"], e["credit"], e["balance"]) for e in reversed(statement)]
    assert khata["entries"][0]["balance"] == khata["due"] == 600  # latest first, the running balance
    shown = repr(khata)
    assert "Rice 5 kg" in shown and "Dal" in shown
    for other in ("Bina", "soap", "Chetan", "PRIVATE", "9876511111", "9876511112", "ravi@okaxis"):
        assert other not in shown.replace("upi://pay?pa=ravi%40okaxis", "").replace("pa=ravi@okaxis", ""), other
    assert khata["overdue"] == 400 and [s["due_date"] for s in khata["open_sales"] if s["overdue"]]
    assert f"am={khata['due']:.2f}" in khata["upi_link"]
    # a link of the other shop's customer shows that customer only, in that shop
    chetan = opens(ledger, link(ledger, "chetan", "other")["token"])
    assert chetan["customer"]["name"] == "Chetan" and chetan["entries"] == [] and "Ravi" not in repr(chetan)
    assert chetan["shop"]["name"] == "Meena Stores"


def test_revoking_ends_every_earlier_link_and_the_next_is_new(ledger):
    first = link(ledger)["token"]
    bina = link(ledger, "bina")["token"]
    renewed = root_at(ledger["path"]).write(ledger["sid"], OWNER, customer_links.revoke_link, ledger["asha"])
    assert renewed["token"] != first and renewed["revoked_at"] is not None
    assert opens(ledger, first) is None
    assert opens(ledger, renewed["token"])["customer"]["name"] == "Asha"
    assert opens(ledger, bina)["customer"]["name"] == "Bina"  # another customer's link is untouched


def test_staff_cannot_revoke_and_nothing_changes(ledger):
    from khata import staff
    root_at(ledger["path"]).write(ledger["sid"], OWNER, staff.add_staff, username="sunil", name="Sunil",
                                  password="Staff@1234")
    token = link(ledger)["token"]
    with pytest.raises(NotAllowed, match="Only the shop owner can end a customer's link"):
        root_at(ledger["path"]).write(ledger["sid"], principals.staff("sunil"), customer_links.revoke_link,
                                      ledger["asha"])
    assert opens(ledger, token) is not None


def test_a_link_expires_after_its_days(ledger, monkeypatch):
    token = link(ledger)["token"]
    now = datetime.now(UTC)
    expires = link(ledger)["expires_on"]
    assert opens(ledger, token, now=datetime.combine(expires, datetime.min.time(), UTC)) is not None
    assert opens(ledger, token, now=datetime.combine(expires + timedelta(days=1), datetime.min.time(), UTC)) is None
    monkeypatch.setenv("KHATA_LINK_DAYS", "3")  # a shorter validity applies to links already given
    assert opens(ledger, token, now=now + timedelta(days=40)) is None


def test_a_changed_wrong_or_foreign_token_opens_nothing(ledger):
    token = link(ledger)["token"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(len(token)):  # every single changed character
        changed = token[:i] + alphabet[(alphabet.index(token[i]) + 7) % 64] + token[i + 1:]
        assert opens(ledger, changed) is None, i
    for bad in ("", "x", token + "A", token[:-1], "../../etc/passwd", "' OR 1=1 --", "A" * 34):
        assert opens(ledger, bad) is None
    # a token signed with another key (another installation) opens nothing here
    os.environ["KHATA_LINK_KEY"] = "another-installation-key-" + "z" * 20
    try:
        foreign = link(ledger)["token"]
    finally:
        del os.environ["KHATA_LINK_KEY"]
    assert opens(ledger, foreign) is None


def test_only_a_hash_is_stored_and_an_opening_is_recorded_once_per_session(ledger):
    token = link(ledger)["token"]
    opens(ledger, token, first=True)
    opens(ledger, token, first=False)  # the same browser session again
    root_at(ledger["path"]).write(ledger["sid"], OWNER, customer_links.revoke_link, ledger["asha"])
    everything = every_text(ledger["path"])
    assert token not in everything and token[:20] not in everything
    assert customer_links.token_hash(token) in everything
    with root_at(ledger["path"]).connect() as con:
        assert con.execute("SELECT count(*) FROM link_openings").fetchone()[0] == 1
    assert link(ledger)["opened_at"] is not None and link(ledger, "bina")["opened_at"] is None


def test_a_customer_link_may_call_its_services_and_no_other(ledger):
    principal = customer_link(ledger["asha"])
    with root_at(ledger["path"]).connect() as con:
        for service in (customers.list_customers, reports.shop_summary,
                        lambda b: customers.get_customer(b, ledger["bina"]),
                        lambda b: customer_links.link_for(b, ledger["asha"])):
            unit = book.Book(root_at(ledger["path"]), ledger["sid"], principal).attach(con)
            with pytest.raises(NotAllowed):
                service(unit)
    # its own service reads the customer from the principal, never from an argument
    khata = root_at(ledger["path"]).read(ledger["sid"], principal, customer_view.customer_khata)
    assert khata["customer"]["name"] == "Asha"
    with pytest.raises(ValueError):  # a customer principal without its customer cannot be made
        principals.Principal(principals.CUSTOMER, "customer-link")


def test_the_customers_pdf_has_no_private_notes(ledger, tmp_path):
    pdf = customer_view.pdf_for(root_at(ledger["path"]), link(ledger)["token"])
    (tmp_path / "s.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Asha" in text and "Rice 5 kg" in text and "PRIVATE" not in text and "Bina" not in text
    assert customer_view.pdf_for(root_at(ledger["path"]), "A" * 34) is None


def test_after_five_bad_links_every_answer_to_that_address_waits(ledger):
    token = link(ledger)["token"]
    for _ in range(5):
        started = time.monotonic()
        assert opens(ledger, "B" * 34, address="10.9.9.9") is None
        assert time.monotonic() - started < customer_links.WAIT_S
    for attempt in (lambda: opens(ledger, "C" * 34, address="10.9.9.9"),   # a sixth bad link
                    lambda: opens(ledger, token, address="10.9.9.9")):      # even a good one
        started = time.monotonic()
        attempt()
        assert time.monotonic() - started >= customer_links.WAIT_S
    started = time.monotonic()
    assert opens(ledger, token, address="10.1.1.1") is not None  # another address is not slowed
    assert time.monotonic() - started < customer_links.WAIT_S
    with root_at(ledger["path"]).connect() as con:
        assert "10.9.9.9" not in str(con.execute("SELECT * FROM link_misses").fetchall())


def test_bad_links_from_another_process_count_too(ledger):
    code = ("from khata import customer_view\nfrom khata.root import Root\n"
            f"root = Root({str(ledger['path'])!r})\n"
            "for _ in range(5):\n"
            "    customer_view.visit(root, 'D' * 34, address='10.7.7.7', first_view=True)\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ})
    started = time.monotonic()
    assert opens(ledger, "E" * 34, address="10.7.7.7") is None
    assert time.monotonic() - started >= customer_links.WAIT_S


def test_the_link_key_is_generated_once_into_a_private_file(tmp_path, monkeypatch):
    key_file = tmp_path / "keys" / ".link_key"
    monkeypatch.setenv("KHATA_LINK_KEY_FILE", str(key_file))
    monkeypatch.delenv("KHATA_LINK_KEY", raising=False)
    first = customer_links.link_key()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(first) >= 32
    assert customer_links.link_key() == first


@pytest.mark.parametrize("value,ok", [("https://khata.example.in", True), ("https://khata.example.in/shop/", True),
                                      ("http://localhost:8501", True), ("http://khata.example.in", False),
                                      ("khata.example.in", False), ("https://x.in/?a=1", False)])
def test_the_public_address_must_be_https(value, ok):
    if ok:
        assert settings.parse_value("KHATA_PUBLIC_URL", value) == value.rstrip("/")
    else:
        with pytest.raises(settings.SettingError, match="KHATA_PUBLIC_URL must be an https://"):
            settings.parse_value("KHATA_PUBLIC_URL", value)


def test_the_cli_prints_the_link_and_revokes_it(ledger, capsys, monkeypatch):
    path = str(ledger["path"])
    assert cli.main(["link", "--shop", "ravi", "--customer", str(ledger["asha"]), "--db", path]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == link(ledger)["url"] and printed.startswith(f"{HOST}/c?t=")
    token = printed.rpartition("=")[2]
    assert opens(ledger, token)["customer"]["name"] == "Asha"
    assert cli.main(["link", "--revoke", "--shop", "ravi", "--customer", str(ledger["asha"]), "--db", path]) == 0
    assert "Revoked" in capsys.readouterr().out
    assert opens(ledger, token) is None
    # another shop's customer looks like no customer at all
    assert cli.main(["link", "--shop", "ravi", "--customer", str(ledger["chetan"]), "--db", path]) == 1
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.delenv("KHATA_PUBLIC_URL")
    assert cli.main(["link", "--shop", "ravi", "--customer", str(ledger["asha"]), "--db", path]) == 1
    assert "KHATA_PUBLIC_URL is not set" in capsys.readouterr().err


def test_reminder_link_opened_tells_opened_from_not_opened(ledger):
    from khata.reminders import manual
    sid, path = ledger["sid"], ledger["path"]
    with root_at(path).unit(sid, OWNER, write=True) as b:
        loans.create_loan(b, ledger["bina"], amount="90", item="Tea", issue_date=b.today - timedelta(days=30),
                          due_date=b.today - timedelta(days=5))
    for who in ("asha", "bina"):
        root_at(path).write(sid, OWNER, manual.record_manual_reminder, ledger[who], "whatsapp_manual")
    asha_link = root_at(path).read(sid, OWNER, manual.reminder_for, ledger["asha"])
    token = asha_link["message_text"].rpartition("/c?t=")[2].split()[0]  # the link in Asha's reminder
    assert opens(ledger, token)["customer"]["name"] == "Asha"
    with root_at(path).connect() as con:
        rows = {r[0]: r[1:] for r in con.execute(
            "SELECT customer_id, opened, opened_at IS NOT NULL FROM reminder_link_opened WHERE shop_id = ?",
            [sid]).fetchall()}
    assert rows == {ledger["asha"]: (True, True), ledger["bina"]: (False, False)}


def test_gitignore_covers_the_link_key():
    assert "data/.link_key" in (ROOT / ".gitignore").read_text().splitlines()
    assert settings.SETTINGS["KHATA_LINK_KEY_FILE"].default == ROOT / "data" / ".link_key"
