"""The app, the reminder flow and the CLI on one database file at once: nothing lost."""
import json
import os
import subprocess
import sys
from pathlib import Path

from khata import demo
from tests.roots import root_at

ROOT = Path(__file__).resolve().parents[2]


def test_app_flow_and_cli_share_one_file(db_file, tmp_path, scale, record_property):
    demo.create_demo(root_at(db_file))
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60", "KHATA_COOKIE_KEY": "contention-" + "k" * 32}
    seconds = str(scale["contention_seconds"])
    procs = {
        kind: subprocess.Popen([sys.executable, "-m", "tests.reliability.contention_workers", kind, str(db_file),
                                seconds, str(tmp_path)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        for kind in ("app", "flow", "cli")
    }
    reports = {}
    for kind, proc in procs.items():
        out, err = proc.communicate(timeout=float(seconds) * 4 + 240)
        assert proc.returncode == 0, f"{kind} failed: {err[-2000:]}"
        reports[kind] = json.loads(out.strip().splitlines()[-1])

    with root_at(db_file).connect() as con:
        stored = {r[0] for r in con.execute("SELECT repayment_id FROM repayments").fetchall()}
        assert set(reports["app"]["repayment_ids"]) <= stored  # every acknowledged repayment is there
        phones = {r[0] for r in con.execute("SELECT phone FROM customers").fetchall()}
        assert set(reports["cli"]["imported_phones"]) <= phones  # every acknowledged import is there
        for day, simulated in reports["flow"]["days"]:
            in_outbox = con.execute("SELECT count(*) FROM reminder_outbox WHERE reminder_date = ?"
                                    " AND status = 'simulated'", [day]).fetchone()[0]
            assert in_outbox == simulated
        bad = con.execute("SELECT count(*) FROM loan_balances WHERE outstanding < 0 OR repaid > principal"
                          ).fetchone()[0]
        assert bad == 0
    for kind, report in reports.items():
        assert report["ops"] > 0, report
        record_property(f"{kind}_ops", report["ops"])
        record_property(f"{kind}_lock_retries", report["lock_retries"])
        record_property(f"{kind}_longest_wait_s", report["longest_wait_s"])
    summary = {k: {x: v for x, v in r.items() if x in ("ops", "refused", "lock_retries", "longest_wait_s",
                                                          "elapsed_s")} for k, r in reports.items()}
    print("contention:", json.dumps(summary))
