"""The nightly upkeep flow: a dated backup, old ones pruned, rows clustered, nothing changed."""
from khata import demo, maintenance
from tests.cli.test_cli import khata
from tests.roots import root_at


def _ledger(path):
    with root_at(path).connect() as con:
        return con.execute("SELECT status, count(*), sum(outstanding) FROM loan_balances GROUP BY ALL ORDER BY ALL"
                           ).fetchall()


def test_flow_backs_up_and_clusters_without_changing_the_book(prefect_harness, db_file, tmp_path):
    from flows.nightly_maintenance import book_maintenance

    demo.create_demo(root_at(db_file))
    before = _ledger(db_file)
    backups = tmp_path / "backups"
    for n in range(9):  # older nights
        (backups / f"2026-11-{n + 1:02d}T000000Z").mkdir(parents=True)
        (backups / f"2026-11-{n + 1:02d}T000000Z" / "khata-backup.duckdb").write_bytes(b"old")
    result = book_maintenance(backups=str(backups), db=str(db_file))
    assert _ledger(db_file) == before
    assert result["clustered"]["loans"] == 330
    kept = sorted(p.name for p in backups.iterdir())
    assert len(kept) == maintenance.BACKUPS_KEPT and kept[-1] == result["backup"].split("/")[-2]
    assert "2026-11-01T000000Z" in result["backups_removed"]
    with root_at(result["backup"]).connect() as con:  # the backup is a real, complete book
        assert con.execute("SELECT count(*) FROM loans").fetchone()[0] == 330


def test_cli_maintain(db_file, tmp_path):
    demo.create_demo(root_at(db_file))
    out = khata("maintain", "--db", str(db_file), "--backups", str(tmp_path / "b"))
    assert out.returncode == 0, out.stderr
    assert "Backup written to" in out.stdout and "330 sales" in out.stdout
