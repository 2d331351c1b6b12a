"""`python -m khata remind`: a real process on a real file, counts printed, one-line errors."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from khata.demo import create_demo
from tests.conftest import ROOT


def khata(*args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["KHATA_DOTENV"] = str(tmp_path / "no.env")  # never the developer's real credentials
    return subprocess.run([sys.executable, "-m", "khata", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_remind_prints_counts_and_sends_once(db_file, tmp_path):
    create_demo(path=db_file, today=date(2026, 11, 27))
    first = khata("remind", "--db", str(db_file), "--today", "2026-11-27", "--shop", "demo", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "dry run, nothing sent" in first.stdout  # no credentials
    total = [line for line in first.stdout.splitlines() if line.startswith("Total:")][0]
    assert "selected 50, sent 0, simulated 48, skipped 2, failed 0, unknown 0" in total
    again = khata("remind", "--db", str(db_file), "--today", "2026-11-27", "--dry-run", tmp_path=tmp_path)
    assert again.returncode == 0 and total in again.stdout  # the day's counts, nothing new


def test_remind_errors_are_one_line(db_file, tmp_path):
    create_demo(path=db_file, today=date(2026, 11, 27))
    bad_date = khata("remind", "--db", str(db_file), "--today", "27/11/2026", tmp_path=tmp_path)
    assert bad_date.returncode == 1 and bad_date.stderr.count("\n") == 1 and "not a date" in bad_date.stderr
    no_shop = khata("remind", "--db", str(db_file), "--shop", "nobody", tmp_path=tmp_path)
    assert no_shop.returncode == 1 and no_shop.stderr.strip() == "error: No shopkeeper with the username 'nobody'."
    assert "Traceback" not in bad_date.stderr + no_shop.stderr

