"""Every SQL query in docs/analyst.md, run on a snapshot of a book with staff logins (the
demo shop plus two staff members) and a day of reminders, with its counts checked: a
query that joins every login, or a new query nobody checked, fails here."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from khata import export, reminders, staff
from khata.dates import shop_today
from khata.demo import create_demo
from khata.notify.outbox import OutboxNotifier
from tests.conftest import ROOT
from tests.roots import OWNER, root_at

DOC = ROOT / "docs" / "analyst.md"


def queries() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(), flags=re.S)
    out = []
    for block in blocks:
        text = "\n".join(line for line in block.splitlines() if not line.strip().startswith("--"))
        out += [q.strip() for q in text.split(";") if q.strip()]
    return out


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analyst")
    path = folder / "k.duckdb"
    today = shop_today("Asia/Kolkata")
    shop = create_demo(root_at(path), today=today)
    for name in ("sunil", "meera"):
        root_at(path).write(shop["shop_id"], OWNER, staff.add_staff, username=name, name=name.title(),
                            password="Staff@1234")
    now = datetime.combine(today, time(2, 30), UTC)
    reminders.run_reminders(root_at(path), today=today, now=now, notifier=OutboxNotifier())
    out = folder / "exports" / "today"
    export.export_snapshot(root_at(path), out)
    return out


def _check_languages(rows, con):
    assert sum(r[2] for r in rows) == con.execute("SELECT count(*) FROM customers").fetchone()[0] == 64
    assert {r[1] for r in rows} <= {"en", "hi", "mr", "gu", "bn", "ta", "te", "kn"}


def _check_aging(rows, con):
    [(_, *buckets)] = rows
    total = con.execute("SELECT sum(outstanding) FROM loan_balances WHERE outstanding > 0").fetchone()[0]
    assert sum(b or 0 for b in buckets) == total > 0


def _check_top_ten(rows, con):
    assert len(rows) == 10 and [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)


def _check_monthly(rows, con):
    issued = con.execute("SELECT sum(issued) FROM daily_collections").fetchone()[0]
    assert sum(r[1] for r in rows) == issued and len(rows) >= 6


def _check_parquet(rows, con):
    assert sum(r[1] for r in rows) == con.execute("SELECT count(*) FROM loan_balances").fetchone()[0] == 330


def _check_yesterday(rows, con):
    assert all(r[2] > 0 for r in rows)  # yesterday had no run here: possibly none, never a zero count


def _check_effect(rows, con):
    assert all(r[0] in ("reminded", "reminded before due", "not reminded") for r in rows)


def _check_link_opened(rows, con):
    real = con.execute("SELECT count(*) FROM reminder_link_opened"
                       " WHERE status IN ('sent', 'delivered', 'read', 'opened')").fetchone()[0]
    assert sum(r[1] for r in rows) == real and all(0 <= r[2] <= 100 for r in rows)


CHECKS = {  # a distinctive piece of each documented query -> what its answer must be
    "coalesce(c.language, k.language": _check_languages,
    "FILTER (WHERE days_past_due > 90)": _check_aging,
    "FROM customer_balances ORDER BY outstanding DESC LIMIT 10": _check_top_ten,
    "FROM daily_collections GROUP BY 1": _check_monthly,
    "loan_balances.parquet": _check_parquet,
    "reminder_date = current_date - 1": _check_yesterday,
    "FROM reminder_effect": _check_effect,
    "FROM reminder_link_opened": _check_link_opened,
}


def test_every_documented_query_has_a_check():
    found = queries()
    assert len(found) == len(CHECKS)
    for query in found:
        assert sum(key in query for key in CHECKS) == 1, query


@pytest.mark.parametrize("query", queries(), ids=lambda q: " ".join(q.split())[:50])
def test_documented_query_answers_right(snapshot: Path, query):
    con = duckdb.connect(str(snapshot / "snapshot.duckdb"), read_only=True)
    try:
        sql = query.replace("data/exports/today/", f"{snapshot}/")
        rows = con.execute(sql).fetchall()
        [check] = [c for key, c in CHECKS.items() if key in query]
        check(rows, con)
    finally:
        con.close()


def test_parquet_money_is_decimal_as_the_docs_say(snapshot: Path):
    import pyarrow.parquet as pq

    field = pq.read_schema(snapshot / "loan_balances.parquet").field("outstanding")
    assert str(field.type) == "decimal128(18, 2)"
    import pandas as pd

    frame = pd.read_parquet(snapshot / "loan_balances.parquet")
    assert frame["outstanding"].dtype == object and isinstance(frame["outstanding"].iloc[0], Decimal)
