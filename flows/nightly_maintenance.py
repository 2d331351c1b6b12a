"""The nightly upkeep of the book (deployment ``nightly-3am-ist`` in prefect.yaml).

A dated backup, then the ledger rows rewritten in shop order so every shop's
screens read only their own blocks (see khata/maintenance.py), then a fresh analyst
snapshot (analysts never hold the shop's file). Runs at 03:00 India time, when no shop
is open. The operator sees a run named by its date and a markdown artifact naming the
book and what was done.
"""
from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import Failed

from flows.steps import StepFailed, step
from khata import maintenance
from khata.dates import DEFAULT_TIMEZONE, shop_today
from khata.root import flow_root

backup_and_cluster = step(maintenance.nightly, "backup-cluster-snapshot", retries=3, delays=[30, 60, 120])


def _run_name() -> str:
    return f"upkeep-{shop_today(DEFAULT_TIMEZONE).isoformat()}"


@flow(name="book-maintenance", flow_run_name=_run_name, log_prints=True)
def book_maintenance(backups: str | None = None, db: str | None = None, snapshot: str | None = None) -> dict:
    """backups: folder for dated backups (default data/backups); db: database file;
    snapshot: the analyst snapshot's folder (default KHATA_SNAPSHOT_DIR, else data/snapshot)."""
    root = flow_root(db)  # a missing book is refused before anything runs
    logger = get_run_logger()
    book = root.path
    logger.info("Book: %s", book)
    try:
        result = backup_and_cluster(root, backups, snapshot_dir=snapshot)
    except StepFailed as err:
        return Failed(message=str(err), data=err)
    clustered = result["clustered"]
    logger.info("Backup %s; clustered %s customers, %s sales, %s repayments in %s s; snapshot %s.",
                result["backup"], clustered["customers"], clustered["loans"], clustered["repayments"],
                clustered["seconds"], result["snapshot"]["out"])
    create_markdown_artifact(key="book-maintenance", markdown="\n".join([
        "# Nightly upkeep", "", f"- book: `{book}`", f"- backup: `{result['backup']}`",
        f"- old backups removed: {', '.join(result['backups_removed']) or 'none'}",
        f"- rows kept together by shop: {clustered['customers']} customers, {clustered['loans']} sales, "
        f"{clustered['repayments']} repayments ({clustered['seconds']} s)",
        f"- analyst snapshot: `{result['snapshot']['out']}`"]))
    return result
