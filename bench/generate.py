"""Deterministic, fast generator of a valid Credikhaata ledger for benchmarks.

    python -m bench.generate --scale big --out /tmp/big.duckdb [--seed 7]

or, from code (the dashboard uses this for a big-shop database)::

    from bench.generate import generate
    info = generate("/tmp/big.duckdb", scale="big", seed=7)

The schema is the real one: the file is created through a ``khata.root.Root`` (``bench/roots.py``), so
every migration runs first. Rows are built as numpy columns (seeded
``numpy.random.default_rng``), handed to DuckDB as Arrow tables and inserted with
one ``INSERT ... SELECT`` per table; nothing is inserted row by row. The same
seed and scale give the same rows (``created_at`` is derived from the data, not
from the clock), so two runs produce identical ledgers.

Rules the data keeps (a test checks them):
- customers have valid E.164 Indian mobiles (+91 9xxxxxxxxx), unique per shop
  (in fact unique over the platform);
- loans have amount > 0 with two decimals, due_date >= issue_date, issue dates
  spread over the last three years before ``AS_OF``;
- repayments are > 0, never add up to more than their loan's principal, and are
  dated between the loan's issue date and ``AS_OF``;
- a few repayments are reversed, and a few loans without repayments are reversed;
- the id sequences are moved past the generated ids, so the services can keep
  appending (a benchmarked repayment gets a fresh id).

Money is generated as integer paise and turned into DECIMAL(18,2) in SQL by an
exact decimal multiplication, never through float.
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from bench.roots import root_at
from khata import db

AS_OF = date(2026, 11, 27)  # "today" of every generated ledger and every benchmark
HISTORY_DAYS = 3 * 365
# bcrypt of "Bench@1234", computed once: hashing per shopkeeper would dominate the run.
PASSWORD_HASH = "$2b$10$Q2smDvbLrsaUd4oKnh4RSezJtV9ryFHU05eELuwKSFJKzR2bmo3Qi"
PASSWORD = "Bench@1234"


@dataclass(frozen=True)
class Scale:
    name: str
    shops: int
    customers: int
    loans: int
    repayments: int


SCALES = {
    "tiny": Scale("tiny", shops=3, customers=60, loans=600, repayments=1500),
    "big": Scale("big", shops=1, customers=5_000, loans=100_000, repayments=250_000),
    "platform": Scale("platform", shops=2_000, customers=200_000, loans=1_000_000, repayments=2_500_000),
}

ITEMS = np.array(["Rice 10kg", "Atta 5kg", "Toor dal 2kg", "Sugar 5kg", "Sunflower oil 1L", "Milk (month)",
                  "Tea 500g", "Soap and detergent", "Biscuits", "Spices", "LPG refill", "School notebooks",
                  "Medicines", "Vegetables", "Groceries (week)"])
FIRST = np.array(["Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Ayaan", "Krishna", "Ishaan",
                  "Ananya", "Diya", "Saanvi", "Aadhya", "Pari", "Anika", "Navya", "Myra", "Lakshmi", "Meena",
                  "Ravi", "Suresh", "Ramesh", "Geeta", "Sunita", "Mohan", "Farah", "Imran", "Joseph", "Gurpreet"])
LAST = np.array(["Sharma", "Verma", "Patel", "Reddy", "Nair", "Iyer", "Khan", "Singh", "Das", "Gupta",
                 "Yadav", "Kumar", "Joshi", "Pillai", "Rao", "Shaikh", "Fernandes", "Ghosh", "Mehta", "Naidu"])
METHODS = np.array(["cash", "upi", "card", "other"])


def _shop_sizes(rng: np.random.Generator, shops: int, total: int) -> np.ndarray:
    """Split ``total`` over shops with a realistic skew (a few busy shops), each shop >= 1."""
    if shops == 1:
        return np.array([total], dtype=np.int64)
    weights = rng.lognormal(0.0, 0.6, shops)
    exact = weights / weights.sum() * (total - shops)
    sizes = np.floor(exact).astype(np.int64) + 1
    short = total - sizes.sum()  # hand the rounding remainder to the largest fractional parts
    sizes[np.argsort(exact - np.floor(exact), kind="stable")[::-1][:short]] += 1
    return sizes


def build(scale: str | Scale = "tiny", seed: int = 7, as_of: date = AS_OF) -> dict[str, pa.Table]:
    """The generated rows as Arrow tables (money as int64 paise in ``*_paise`` columns)."""
    sc = SCALES[scale] if isinstance(scale, str) else scale
    rng = np.random.default_rng(seed)
    epoch = np.datetime64(as_of.isoformat(), "D")

    # shops and their shopkeepers
    shop_ids = np.arange(1, sc.shops + 1, dtype=np.int64)
    shops = pa.table({
        "shop_id": shop_ids,
        "name": [f"Bench Kirana {i}" for i in shop_ids],
        "phone": [f"+9198{i:08d}" for i in shop_ids],
        "upi_id": [f"benchkirana{i}@upi" for i in shop_ids],
        "created_at": np.full(sc.shops, epoch - HISTORY_DAYS - 30).astype("datetime64[us]"),
    })
    shopkeepers = pa.table({
        "shopkeeper_id": shop_ids,
        "shop_id": shop_ids,
        "username": [f"bench{i}" for i in shop_ids],
        "name": [f"Owner {i}" for i in shop_ids],
        "email": [f"bench{i}@example.in" for i in shop_ids],
        "password_hash": np.full(sc.shops, PASSWORD_HASH, dtype=object),
    })

    # customers: contiguous ids per shop; phone digits are a bijection of the id
    per_shop = _shop_sizes(rng, sc.shops, sc.customers)
    # customers join shops over time: ids interleave across shops (not one shop's block after another)
    cust_shop = rng.permutation(np.repeat(shop_ids, per_shop))
    cust_ids = np.arange(1, sc.customers + 1, dtype=np.int64)
    national = 9_000_000_000 + (cust_ids * 7_919 + seed * 104_729) % 1_000_000_000  # unique: gcd(7919, 10^9) = 1
    first = FIRST[rng.integers(0, len(FIRST), sc.customers)]
    last = LAST[rng.integers(0, len(LAST), sc.customers)]
    customers = pa.table({
        "customer_id": cust_ids,
        "shop_id": cust_shop,
        "name": np.char.add(np.char.add(first, " "), last).astype(object),
        "phone": np.char.add("+91", national.astype(str)).astype(object),
        "trust_score": rng.integers(2, 11, sc.customers).astype(np.int32),
        "credit_limit_paise": rng.integers(20, 200, sc.customers) * 100_000,  # Rs 20,000 .. 2,00,000
        "whatsapp_opt_out": rng.random(sc.customers) < 0.02,
        "created_at": (epoch - HISTORY_DAYS - 10 + rng.integers(0, 10, sc.customers)).astype("datetime64[us]"),
    })

    # loans: in time order (as a real book fills up), shops interleaved
    loan_cust = rng.integers(0, sc.customers, sc.loans)
    age = np.sort(rng.integers(0, HISTORY_DAYS, sc.loans))[::-1]  # days before as_of; oldest first
    issue = epoch - age
    term = rng.choice(np.array([7, 15, 30, 30, 30, 45, 60]), sc.loans)
    grace = np.where(rng.random(sc.loans) < 0.8, 0, rng.integers(1, 8, sc.loans))
    principal = rng.integers(50, 5_000, sc.loans) * 100 + rng.choice(np.array([0, 0, 0, 50, 25, 99]), sc.loans)
    loan_ids = np.arange(1, sc.loans + 1, dtype=np.int64)
    loans = pa.table({
        "loan_id": loan_ids,
        "shop_id": cust_shop[loan_cust],
        "customer_id": cust_ids[loan_cust],
        "item": ITEMS[rng.integers(0, len(ITEMS), sc.loans)].astype(object),
        "amount_paise": principal,
        "issue_date": issue,
        "due_date": issue + term,
        "grace_days": grace.astype(np.int32),
        "created_at": issue.astype("datetime64[us]") + rng.integers(8 * 3600, 21 * 3600, sc.loans) * 1_000_000,
    })

    # repayments: assigned to loans (older loans get more of them), split so the
    # sum never exceeds the principal; fully paid loans are paid to the paisa
    weight = 0.3 + np.minimum(age, 120) / 120.0
    rep_loan = np.sort(rng.choice(sc.loans, size=sc.repayments, p=weight / weight.sum()))
    k = np.bincount(rep_loan, minlength=sc.loans)
    paid_in_full = np.where(age > 90, rng.random(sc.loans) < 0.95, rng.random(sc.loans) < 0.45)
    fraction = np.where(paid_in_full, 1.0, rng.uniform(0.2, 0.9, sc.loans))
    share = rng.uniform(0.5, 1.5, sc.repayments)
    share_sum = np.bincount(rep_loan, weights=share, minlength=sc.loans)
    amount = np.floor(principal[rep_loan] * fraction[rep_loan] * share / share_sum[rep_loan]).astype(np.int64)
    amount = np.maximum(amount, 1)
    # the last repayment of a fully paid loan takes the rounding remainder
    starts = np.concatenate(([0], np.cumsum(k)[:-1]))
    has = k > 0
    last_idx = (starts + k - 1)[has]
    total = np.bincount(rep_loan, weights=amount, minlength=sc.loans).astype(np.int64)
    fix = np.where(paid_in_full[has], principal[has] - total[has], 0)
    amount[last_idx] += fix
    # guard: never more than the principal (floor + max(1) could only overshoot on a tiny loan)
    total = np.bincount(rep_loan, weights=amount, minlength=sc.loans).astype(np.int64)
    over = np.flatnonzero(total > principal)
    if over.size:
        raise AssertionError(f"generator bug: {over.size} loans overpaid")
    span = np.minimum(age[rep_loan], term[rep_loan] + 90)  # paid within the term and a few months after
    paid_on = issue[rep_loan] + np.floor(rng.random(sc.repayments) * (span + 1)).astype(np.int64)
    # stored in time order, as a real book fills up (not grouped by loan)
    order = np.argsort(paid_on, kind="stable")
    rep_loan, amount, paid_on = rep_loan[order], amount[order], paid_on[order]
    rep_ids = np.arange(1, sc.repayments + 1, dtype=np.int64)
    repayments = pa.table({
        "repayment_id": rep_ids,
        "shop_id": loans["shop_id"].to_numpy()[rep_loan],
        "customer_id": loans["customer_id"].to_numpy()[rep_loan],
        "loan_id": loan_ids[rep_loan],
        "amount_paise": amount,
        "paid_on": paid_on,
        "method": METHODS[rng.choice(4, sc.repayments, p=[0.55, 0.38, 0.05, 0.02])].astype(object),
        "created_at": paid_on.astype("datetime64[us]") + rng.integers(8 * 3600, 21 * 3600, sc.repayments) * 1_000_000,
    })

    # reversals: ~0.2% of repayments, ~0.1% of the loans that have no repayments
    n_rep_rev = max(1, sc.repayments // 500)
    rev_rep = np.sort(rng.choice(sc.repayments, n_rep_rev, replace=False))
    unpaid_loans = np.flatnonzero(k == 0)
    n_loan_rev = min(len(unpaid_loans), max(1, sc.loans // 1000))
    rev_loan = np.sort(rng.choice(unpaid_loans, n_loan_rev, replace=False)) if n_loan_rev else np.array([], np.int64)
    rev_on = np.concatenate((paid_on[rev_rep] + 1, issue[rev_loan] + 1))
    rev_on = np.minimum(rev_on, epoch)
    n_rev = len(rev_rep) + len(rev_loan)
    reversals = pa.table({
        "reversal_id": np.arange(1, n_rev + 1, dtype=np.int64),
        "shop_id": np.concatenate((repayments["shop_id"].to_numpy()[rev_rep], loans["shop_id"].to_numpy()[rev_loan])),
        "entry_type": np.array(["repayment"] * len(rev_rep) + ["loan"] * len(rev_loan), dtype=object),
        "entry_id": np.concatenate((rep_ids[rev_rep], loan_ids[rev_loan])),
        "reason": np.full(n_rev, "Entered by mistake", dtype=object),
        "reversed_on": rev_on,
        "created_at": rev_on.astype("datetime64[us]") + 12 * 3600 * 1_000_000,
    })
    return {"shops": shops, "shopkeepers": shopkeepers, "customers": customers, "loans": loans,
            "repayments": repayments, "reversals": reversals}


_INSERTS = {
    "shops": "INSERT INTO shops (shop_id, name, phone, upi_id, created_at)"
             " SELECT shop_id, name, phone, upi_id, created_at::TIMESTAMPTZ FROM _gen",
    "shopkeepers": "INSERT INTO shopkeepers (shopkeeper_id, shop_id, username, name, email, password_hash)"
                   " SELECT * FROM _gen",
    "customers": "INSERT INTO customers (customer_id, shop_id, name, phone, trust_score, credit_limit,"
                 " whatsapp_opt_out, created_at, updated_at)"
                 " SELECT customer_id, shop_id, name, phone, trust_score,"
                 " CAST(CAST(credit_limit_paise AS DECIMAL(18,0)) * 0.01 AS DECIMAL(18,2)),"
                 " whatsapp_opt_out, created_at::TIMESTAMPTZ, created_at::TIMESTAMPTZ FROM _gen",
    "loans": "INSERT INTO loans (loan_id, shop_id, customer_id, item, amount, issue_date, due_date, grace_days,"
             " created_by, created_at)"
             " SELECT loan_id, shop_id, customer_id, item,"
             " CAST(CAST(amount_paise AS DECIMAL(18,0)) * 0.01 AS DECIMAL(18,2)),"
             " issue_date, due_date, grace_days, 'bench', created_at::TIMESTAMPTZ FROM _gen",
    "repayments": "INSERT INTO repayments (repayment_id, shop_id, customer_id, loan_id, amount, paid_on, method,"
                  " created_by, created_at)"
                  " SELECT repayment_id, shop_id, customer_id, loan_id,"
                  " CAST(CAST(amount_paise AS DECIMAL(18,0)) * 0.01 AS DECIMAL(18,2)),"
                  " paid_on, method, 'bench', created_at::TIMESTAMPTZ FROM _gen",
    "reversals": "INSERT INTO reversals (reversal_id, shop_id, entry_type, entry_id, reason, reversed_on,"
                 " created_by, created_at)"
                 " SELECT reversal_id, shop_id, entry_type, entry_id, reason, reversed_on, 'bench',"
                 " created_at::TIMESTAMPTZ FROM _gen",
}
_SEQUENCES = {"shop_id_seq": "shops", "shopkeeper_id_seq": "shopkeepers", "customer_id_seq": "customers",
              "loan_id_seq": "loans", "repayment_id_seq": "repayments", "reversal_id_seq": "reversals"}


def generate(path, scale: str = "big", seed: int = 7, *, progress=None, overwrite: bool = True) -> dict:
    """Create a fresh ledger at ``path``; returns {path, scale, seed, rows, seconds, build_s, insert_s}.

    ``progress`` is an optional callable(step_name) called after each table.
    """
    target = Path(path).expanduser().resolve()
    if target.exists() or Path(str(target) + ".wal").exists():
        if not overwrite:
            raise FileExistsError(target)
        target.unlink(missing_ok=True)
        Path(str(target) + ".wal").unlink(missing_ok=True)
    started = time.perf_counter()
    tables = build(scale, seed)
    built = time.perf_counter()
    rows = {}
    with root_at(target).connect() as con:
        con.execute("SET preserve_insertion_order = true")
        con.begin()
        for name, table in tables.items():
            db.register(con, "_gen", table)
            try:
                con.execute(_INSERTS[name])
            finally:
                con.unregister("_gen")
            rows[name] = table.num_rows
            if progress:
                progress(name)
        for seq, table in _SEQUENCES.items():
            start = rows[table] + 1
            con.execute(f"DROP SEQUENCE {seq}")
            con.execute(f"CREATE SEQUENCE {seq} START {start}")
        con.commit()
        con.execute("CHECKPOINT")
        # DuckDB 2.0 writes new files in its own storage format (v2.0.0+); a 1.5-format file
        # keeps the old write costs, so every run says which one it measured
        storage = storage_version(con)
    done = time.perf_counter()
    return {"path": str(target), "scale": scale if isinstance(scale, str) else scale.name, "seed": seed,
            "rows": rows, "seconds": round(done - started, 3), "build_s": round(built - started, 3),
            "insert_s": round(done - built, 3), "as_of": AS_OF.isoformat(),
            "bytes": os.path.getsize(target), "storage_version": storage}


def storage_version(con) -> str:
    """The storage format of the connection's database file, as DuckDB names it (e.g. v2.0.0+)."""
    found = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return (found[0] or {}).get("storage_version", "unknown") if found else "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="big")
    parser.add_argument("--out", required=True, help="database file to create (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    info = generate(args.out, args.scale, args.seed)
    rows = ", ".join(f"{k} {v:,}" for k, v in info["rows"].items())
    print(f"generated {info['scale']} (seed {info['seed']}) in {info['seconds']:.1f} s "
          f"(build {info['build_s']:.1f} s, insert {info['insert_s']:.1f} s): {rows}\n-> {info['path']} "
          f"({info['bytes'] / 1e6:.1f} MB); ledger date {info['as_of']}; every shopkeeper's password is {PASSWORD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
