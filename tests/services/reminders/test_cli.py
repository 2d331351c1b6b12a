"""`python -m khata remind`: a real process on a real file, counts printed, one-line errors."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from khata.demo import create_demo
from tests.conftest import ROOT
from tests.roots import root_at


def khata(*args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["KHATA_DOTENV"] = str(tmp_path / "no.env")  # never the developer's real credentials
    return subprocess.run([sys.executable, "-m", "khata", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_remind_prints_counts_and_sends_once(db_file, tmp_path):
    from khata.dates import shop_today

    today = shop_today("Asia/Kolkata")  # a run date must be the shop's today (or yesterday)
    create_demo(root_at(db_file), today=today)
    first = khata("remind", "--db", str(db_file), "--today", today.isoformat(), "--shop", "demo", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "no Twilio credentials: nothing sent; this is the day's reminder" in first.stdout  # not a preview
    assert "dry run" not in first.stdout
    total = [line for line in first.stdout.splitlines() if line.startswith("Total:")][0]
    assert "selected 50, sent 0, simulated 48, skipped 2, failed 0, unknown 0" in total
    again = khata("remind", "--db", str(db_file), "--today", today.isoformat(), "--dry-run", tmp_path=tmp_path)
    assert again.returncode == 0 and total in again.stdout  # the day's counts, nothing new
    repeat = khata("remind", "--db", str(db_file), "--today", today.isoformat(), "--shop", "demo", tmp_path=tmp_path)
    assert "Total: selected 0, sent 0, simulated 0, skipped 0" in repeat.stdout  # this run's own counts
    assert "That day so far (every run): selected 50, sent 0, simulated 48, skipped 2" in repeat.stdout


def test_remind_errors_are_one_line(db_file, tmp_path):
    create_demo(root_at(db_file), today=date(2026, 11, 27))
    bad_date = khata("remind", "--db", str(db_file), "--today", "27/11/2026", tmp_path=tmp_path)
    assert bad_date.returncode == 1 and bad_date.stderr.count("\n") == 1 and "not a date" in bad_date.stderr
    no_shop = khata("remind", "--db", str(db_file), "--shop", "nobody", tmp_path=tmp_path)
    assert no_shop.returncode == 1 and no_shop.stderr.strip() == "error: No shopkeeper with the username 'nobody'."
    assert "Traceback" not in bad_date.stderr + no_shop.stderr


def outbox_and_audit(db_file):

    with root_at(db_file).connect() as con:
        return (con.execute("SELECT * FROM reminder_outbox ORDER BY ALL").fetchall(),
                con.execute("SELECT * FROM audit_log ORDER BY ALL").fetchall())


def test_remind_refuses_a_date_far_from_today_in_one_line(db_file, tmp_path):
    from khata.dates import shop_today

    create_demo(root_at(db_file), today=shop_today("Asia/Kolkata"))
    before = outbox_and_audit(db_file)
    far = khata("remind", "--db", str(db_file), "--today", "2199-12-31", tmp_path=tmp_path)
    assert far.returncode == 1 and far.stdout == "" and far.stderr.count("\n") == 1, far.stderr
    assert far.stderr.startswith("error: Run date 2199-12-31 is not allowed") and "Traceback" not in far.stderr
    assert outbox_and_audit(db_file) == before  # nothing written


def test_remind_dry_run_previews_and_the_real_run_still_sends(db_file, tmp_path):
    from khata.dates import shop_today

    create_demo(root_at(db_file), today=shop_today("Asia/Kolkata"))
    before = outbox_and_audit(db_file)
    for _ in range(2):
        preview = khata("remind", "--db", str(db_file), "--dry-run", tmp_path=tmp_path)
        assert preview.returncode == 0, preview.stderr
        assert "would send 48, would skip 2" in preview.stdout and "nothing recorded" in preview.stdout
        assert outbox_and_audit(db_file) == before
    real = khata("remind", "--db", str(db_file), tmp_path=tmp_path)
    assert real.returncode == 0 and "simulated 48, skipped 2" in real.stdout
