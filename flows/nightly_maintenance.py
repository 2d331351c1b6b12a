"""The nightly upkeep of the book (deployment ``nightly-3am-ist`` in prefect.yaml).

A dated backup, then the ledger rows rewritten in shop order so every shop's
screens read only their own blocks (see khata/maintenance.py). Runs at 03:00 India
time, when no shop is open. The operator sees a markdown artifact with what was done.
"""
from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from khata import maintenance
from khata.root import Root, flow_root


@task(name="backup-and-cluster", retries=3, retry_delay_seconds=[30, 60, 120], cache_policy=NO_CACHE)
def backup_and_cluster(backups: str | None, root: Root) -> dict:
    return maintenance.nightly(root, backups)


@flow(name="book-maintenance", log_prints=True)
def book_maintenance(backups: str | None = None, db: str | None = None) -> dict:
    """backups: folder for dated backups (default data/backups); db: database file."""
    result = backup_and_cluster(backups, flow_root(db))  # a missing book is refused here
    clustered = result["clustered"]
    get_run_logger().info("Backup %s; clustered %s customers, %s sales, %s repayments in %s s.",
                          result["backup"], clustered["customers"], clustered["loans"], clustered["repayments"],
                          clustered["seconds"])
    create_markdown_artifact(key="book-maintenance", markdown="\n".join([
        "# Nightly upkeep", "", f"- backup: `{result['backup']}`",
        f"- old backups removed: {', '.join(result['backups_removed']) or 'none'}",
        f"- rows kept together by shop: {clustered['customers']} customers, {clustered['loans']} sales, "
        f"{clustered['repayments']} repayments ({clustered['seconds']} s)"]))
    return result
