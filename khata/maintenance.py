"""Physical upkeep of the book: keep each shop's ledger rows together on disk.

Why: every screen reads one shop, but loans, repayments and customers are
appended in time order, so at platform scale one shop's rows are spread over the
whole table. DuckDB skips storage blocks whose min/max (zone map) exclude the
shop, which only works when a shop's rows sit together. And because every unit of
work opens the file afresh (docs/architecture.md: one connection per unit of work), each query has to
read and decompress the blocks it touches again. Measured with the benchmark at
platform scale (2,000 shops, 1,000,000 loans, 2,500,000 repayments; see
bench/README.md), clustering cuts the shop summary and the list pages by about half.

``cluster_by_shop`` rewrites the three ledger tables ordered by shop in ONE
transaction (readers see the old or the new order, never a half; the ledger's
content does not change). Rows appended afterwards go to the end again, so run it
regularly: it is cheap to run daily at night (about 15 s at platform scale,
holding the write lock meanwhile: other processes wait and retry, see db.py).
"""
from __future__ import annotations

import time
from datetime import UTC

CLUSTER_ORDER = {
    "customers": "shop_id, customer_id",
    "loans": "shop_id, loan_id",
    "repayments": "shop_id, loan_id, repayment_id",
}


def cluster_by_shop(root, *, tables: dict[str, str] | None = None) -> dict:
    """Rewrite the ledger tables ordered by shop; returns {table: rows, 'seconds': s}."""
    order = tables or CLUSTER_ORDER
    started = time.perf_counter()

    def work(con):
        con.execute("SET enable_progress_bar = false")
        counts = {}
        for table, keys in order.items():
            if table not in CLUSTER_ORDER:
                raise ValueError(f"{table} is not a ledger table that can be clustered")
            before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            con.execute(f"CREATE TEMP TABLE _cluster AS SELECT * FROM {table} ORDER BY {keys}")
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM _cluster")
            con.execute("DROP TABLE _cluster")
            after = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if after != before:  # cannot happen in one transaction; refuse to commit if it did
                raise RuntimeError(f"{table}: {before} rows before clustering, {after} after")
            counts[table] = after
        return counts

    counts = root.in_transaction(work)
    root.on_connection(lambda con: con.execute("CHECKPOINT"))
    return {**counts, "seconds": round(time.perf_counter() - started, 3)}


BACKUPS_KEPT = 7


def nightly(root, backup_root=None, *, keep: int = BACKUPS_KEPT, snapshot_dir=None) -> dict:
    """What the night does for the book: a dated backup (the last ``keep`` are kept),
    clustering by shop, then a fresh analyst snapshot (``KHATA_SNAPSHOT_DIR``), so analysts
    query yesterday's book without ever holding the shop's file. Returns what was done."""
    import shutil
    from datetime import datetime
    from pathlib import Path

    from . import settings
    from .export import backup, export_snapshot, private_dir

    folder = private_dir(Path(backup_root) if backup_root else root.path.parent / "backups")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    target = backup(root, folder / stamp)
    dated = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "khata-backup.duckdb").is_file())
    removed = []
    for old in dated[:-keep] if keep > 0 else []:
        shutil.rmtree(old)
        removed.append(old.name)
    clustered = cluster_by_shop(root)
    snapshot_dir = snapshot_dir or settings.get("KHATA_SNAPSHOT_DIR") or root.path.parent / "snapshot"
    snapshot = export_snapshot(root, snapshot_dir)
    return {"backup": str(target), "backups_removed": removed, "clustered": clustered, "snapshot": snapshot}
