"""The analyst export leaves secrets out; a backup keeps everything (it is for restoring)."""
import re
from datetime import UTC, date, datetime

import duckdb
import pytest

from khata import accounts, export
from tests.roots import root_at

from .test_cli import khata

MESSAGE_SID = "SM" + "0123456789abcdef" * 2
FORM_TOKEN = "form-token-4f1c2e9a"
SECRETS = [re.compile(re.escape("$2b$")), re.compile(re.escape(MESSAGE_SID)), re.compile(re.escape(FORM_TOKEN)),
           re.compile(r"\$2[aby]\$\d\d\$")]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A book holding every kind of secret: a bcrypt hash, a locked account with failed
    logins, a form token and a Twilio message id."""
    path = tmp_path_factory.mktemp("secrets") / "k.duckdb"
    keeper = accounts.register_shopkeeper(root_at(path), name="Ravi", shop_name="Ravi Stores", username="ravi",
                                          email="r@r.in", phone="9876543210", password="Demo@1234")
    for _ in range(6):
        accounts.record_login_failure(root_at(path), "ravi")
    con = duckdb.connect(str(path))
    try:
        con.execute("INSERT INTO customers (customer_id, shop_id, name, phone) VALUES (1, ?, 'Asha', '+919876500001')",
                    [keeper["shop_id"]])
        con.execute("INSERT INTO idempotency_keys (shop_id, key, action, result) VALUES (?, ?, 'repay', '{}')",
                    [keeper["shop_id"], FORM_TOKEN])
        con.execute(
            "INSERT INTO reminder_outbox (shop_id, customer_id, reminder_date, reminder_id, kind, ladder_day, amount,"
            " loan_count, phone, message_text, status, message_sid, created_at)"
            " VALUES (?, 1, ?, 1, 'overdue', 1, 100, 1, '+919876500001', 'Please pay', 'sent', ?, ?)",
            [keeper["shop_id"], date(2026, 11, 27), MESSAGE_SID, datetime.now(UTC)])
        assert con.execute("SELECT failed_logins > 0 AND locked_until IS NOT NULL FROM shopkeepers").fetchone()[0]
        assert con.execute("SELECT password_hash FROM shopkeepers").fetchone()[0].startswith("$2b$")
    finally:
        con.close()
    return path


def _all_text(con, relation: str) -> str:
    """Every value of a relation as text, to search for secrets."""
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    if not columns:
        return ""
    row = con.execute("SELECT string_agg(concat_ws('|', " + ", ".join(f'"{c}"::VARCHAR' for c in columns)
                      + f"), '\n') FROM {relation}").fetchone()
    return " ".join(columns) + "\n" + (row[0] or "")


def test_export_leaves_every_secret_out(book, tmp_path):
    out = tmp_path / "snap"
    result = khata("export", "--out", str(out), "--db", str(book))
    assert result.returncode == 0, result.stderr
    files = sorted(out.iterdir())
    assert (out / "shopkeepers.parquet").is_file() and (out / "reminder_outbox.parquet").is_file()
    assert not (out / "idempotency_keys.parquet").exists()
    con = duckdb.connect()
    try:
        texts = {}
        for file in files:
            raw = file.read_bytes()
            assert b"$2b$" not in raw and MESSAGE_SID.encode() not in raw, file
            if file.suffix == ".parquet":
                texts[file.name] = _all_text(con, f"read_parquet('{file}')")
        con.execute(f"ATTACH '{out / 'snapshot.duckdb'}' AS snap (READ_ONLY)")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'snap'").fetchall()]
        assert "idempotency_keys" not in tables and "shopkeepers" in tables
        for table in tables:
            texts[f"snapshot.duckdb:{table}"] = _all_text(con, f"snap.main.{table}")
    finally:
        con.close()
    assert len(texts) >= 2 * 10
    for where, text in texts.items():
        for secret in SECRETS:
            assert not secret.search(text), (where, secret.pattern)
        for column in ("password_hash", "failed_logins", "locked_until", "password_changed_at", "message_sid"):
            assert column not in text.split("\n", 1)[0].split(), (where, column)
    # what is useful is still there
    assert "Ravi" in texts["shopkeepers.parquet"] and "Please pay" in texts["reminder_outbox.parquet"]


def test_a_secret_looking_column_is_left_out_by_default():
    for name in ("twilio_auth_token", "cookie_key", "api_key", "account_sid", "pin_hash"):
        assert export.SECRET_LOOKING.search(name), name
    for name in ("shop_id", "customer_id", "name", "phone", "amount", "status", "note", "created_by"):
        assert not export.SECRET_LOOKING.search(name), name


def test_backup_keeps_the_secrets_it_must_restore(book, tmp_path):
    result = khata("backup", "--out", str(tmp_path / "bk"), "--db", str(book))
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(tmp_path / "bk" / "khata-backup.duckdb"), read_only=True)
    try:
        pw, failed = con.execute("SELECT password_hash, failed_logins FROM shopkeepers").fetchone()
        assert pw.startswith("$2b$") and failed > 0
        assert con.execute("SELECT message_sid FROM reminder_outbox").fetchone()[0] == MESSAGE_SID
        assert con.execute("SELECT key FROM idempotency_keys").fetchone()[0] == FORM_TOKEN
    finally:
        con.close()
