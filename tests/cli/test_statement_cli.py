"""`python -m khata statement`: the demo shop's busiest customer as a PDF, read back with pdftotext and zbarimg."""
import subprocess

import pytest

from khata import statement
from khata.money import format_inr
from tests.roots import OWNER, root_at

from .test_cli import khata


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    assert khata("demo", "--db", str(path)).returncode == 0
    return path


def _busiest(path):
    with root_at(path).connect() as con:
        return con.execute("SELECT customer_id FROM loans GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]


def test_the_busiest_customers_statement_has_every_entry_the_balance_and_a_qr_that_pays_it(demo_book, tmp_path):
    cid = _busiest(demo_book)
    out = tmp_path / "statement.pdf"
    result = khata("statement", "--shop", "demo", "--customer", str(cid), "--out", str(out), "--db", str(demo_book))
    assert result.returncode == 0, result.stderr
    expected = root_at(demo_book).read(1, OWNER, statement.statement_for, cid)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert expected["customer"]["name"] in text
    assert f"Amount due: {format_inr(expected['due'])}" in text
    lines = [line for line in text.splitlines() if "₹" in line]
    for entry in expected["entries"]:  # each entry is one table line: details, running balance, who entered it
        assert any(entry["description"] in line and line.split()[-2:] == [format_inr(entry["balance"]),
                                                                          entry["created_by"]]
                   for line in lines), entry
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")],
                   check=True)
    qr = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp_path / "page-1.png")],
                        capture_output=True, text=True)
    assert qr.stdout.strip() == expected["upi_link"]
    assert f"am={expected['due']}" in expected["upi_link"]


@pytest.mark.parametrize("args, message", [
    (["--shop", "demo", "--customer", "999999"], "That customer does not exist in this shop."),
    (["--shop", "demo", "--customer", "abc"], "That customer does not exist in this shop."),
    (["--shop", "nobody", "--customer", "1"], "There is no shopkeeper with the username 'nobody'."),
])
def test_a_wrong_shop_or_customer_is_one_line_and_no_file(demo_book, tmp_path, args, message):
    out = tmp_path / "statement.pdf"
    result = khata("statement", *args, "--out", str(out), "--db", str(demo_book))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {message}"
    assert not out.exists()
