"""The app holds no DuckDB connection between reruns: another process (the CLI, the
reminder flow) can open the file read-write while a session is open, and the app
sees its writes after the cache is cleared."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import streamlit as st

from khata.money import format_inr
from tests.roots import OWNER, env_root

from .conftest import app, open_page, texts


def test_another_process_can_write_while_the_app_is_open(demo_db):
    at = open_page(app(), "customers.py")
    script = textwrap.dedent(f"""
        import duckdb
        con = duckdb.connect({str(demo_db)!r})
        con.execute("UPDATE customers SET name = 'Written By CLI'"
                    " WHERE customer_id = (SELECT min(customer_id) FROM customers)")
        con.close()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # "Conflicting lock is held" if the app kept a connection
    st.cache_data.clear()
    at.text_input(key="cu_search").input("Written").run()
    assert "Written By CLI" in texts(at)  # a name on the Customers list


def test_overview_reads_fresh_numbers_after_an_external_write(demo_db):
    at = app()
    at.run()
    before = {m.label: m.value for m in at.metric}["Outstanding"]
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(__import__('khata').__path__[0] + '/..')!r})
        from khata import loans, principals, repayments
        from khata.root import Root
        root, owner = Root({str(demo_db)!r}), principals.owner("demo")
        loan = root.read(1, owner, loans.list_loans, status="overdue")[0]
        root.write(1, owner, repayments.record_repayment, loan["loan_id"], amount="1.00")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    st.cache_data.clear()
    at.run()
    from khata import reports
    after = {m.label: m.value for m in at.metric}["Outstanding"]
    assert after != before
    assert after == format_inr(env_root().read(1, OWNER, reports.shop_summary)["outstanding"])
