"""Which customer picker for a big shop: measured, not guessed (bench/README.md, "Customer
pickers on the big shop").

    .venv/bin/python -m bench.generate --scale big --out /tmp/big.duckdb
    .venv/bin/python -m bench.pickers /tmp/big.duckdb [--reps 7]

Server time per run, in this process through Streamlit's AppTest (the app's real pages, the
real book; no browser or network), median of ``--reps``:

- ``live search``: the Credit sales page as it is (a search box that commits after a typing
  pause, and a selectbox of the first 50 matches), one run per pause: a new search (its SQL
  runs) and the same search again (cached);
- ``every customer``: one selectbox holding all the shop's customers with the sale form's labels
  (Streamlit filters them in the browser as you type, no rerun per letter), drawn alone; what
  it would add to every run of every page that has a picker, plus the bytes of its options
  (which go over the phone's network on every run);
- the same selectbox with 50 options, for comparison.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USER = "bench1"


def _median_ms(run, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _logged_in(AppTest, accounts, root):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    keeper = accounts.get_shopkeeper(root, USER)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = keeper["username"]
    at.session_state["name"] = keeper["name"]
    at.session_state["_khata_login_at"] = time.time()
    return at


def _every_customer_script():
    import streamlit as st

    labels = st.session_state["bench_labels"]
    st.selectbox("Customer", list(labels), format_func=labels.get, index=None, key="every")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    os.environ["KHATA_DB"] = str(Path(args.db).resolve())
    os.environ.setdefault("KHATA_COOKIE_KEY", "bench-cookie-key-" + "k" * 32)
    from streamlit.testing.v1 import AppTest

    from dashboard import pickers
    from khata import accounts, customers, principals
    from khata.root import Root

    root = Root(os.environ["KHATA_DB"])
    sid = accounts.get_shopkeeper(root, USER)["shop_id"]
    owner = principals.owner(USER)
    every = root.read(sid, owner, customers.list_customers)
    start = time.perf_counter()
    labels = {row["customer_id"]: pickers.owing_label(row) for row in every}
    label_ms = (time.perf_counter() - start) * 1000

    at = _logged_in(AppTest, accounts, root)
    at.run()
    at.switch_page("dashboard/app_pages/loans.py").run()
    box = next(t for t in at.text_input if (t.key or "").startswith("new_sale_find_"))
    words = iter([f"{a}{b}" for a in "aeiou" for b in "nrst"] * 4)

    def new_search():
        next(t for t in at.text_input if t.key == box.key).input(next(words))
        at.run()

    same = {"text": "an"}

    def same_search():
        next(t for t in at.text_input if t.key == box.key).input(same["text"])
        at.run()

    results = {"customers": len(every), "label_build_ms": round(label_ms, 1),
               "live_search_new_ms": round(_median_ms(new_search, args.reps), 1)}
    same_search()
    results["live_search_cached_ms"] = round(_median_ms(same_search, args.reps), 1)
    results["live_search_page_bytes"] = sum(e.proto.ByteSize() for e in at.selectbox)

    for name, chosen in (("every_customer", labels), ("fifty", dict(list(labels.items())[:50]))):
        pick = AppTest.from_function(_every_customer_script, default_timeout=120)
        pick.session_state["bench_labels"] = chosen
        pick.run()
        results[f"{name}_selectbox_ms"] = round(_median_ms(pick.run, args.reps), 1)
        results[f"{name}_selectbox_bytes"] = pick.selectbox[0].proto.ByteSize()
    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key:<{width}}  {value:,}")


if __name__ == "__main__":
    main()
