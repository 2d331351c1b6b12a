"""The page benchmark keeps working: a real Streamlit server over the demo shop, real
Chromium, one repetition of two sidebar pages on the desktop. Checks the records'
shape, that every time is a real measurement (positive, the server's end before the
drawing), that the floor is the empty page behind the login, and that the README
table is rewritten in place. Asserts no timings against goals (this machine is shared)."""
from __future__ import annotations

import json

import pytest

from bench import pages, pages_report

pytestmark = pytest.mark.browser

PAGES = ["Overview", "Account"]
FIELDS = ("page", "path", "scale", "viewport", "kind", "median_ms", "p90_ms", "min_ms", "max_ms", "runs",
          "samples_ms", "finished_median_ms", "bytes_median")


@pytest.fixture(scope="module")
def tiny_pages(tmp_path_factory):
    return pages.run(["demo"], ["desktop"], reps=1, only=PAGES, work_dir=tmp_path_factory.mktemp("pages"),
                     progress=False)


def test_one_record_per_page_kind_and_the_floor(tiny_pages):
    records = tiny_pages["records"]
    keys = {(r["page"], r["kind"]) for r in records}
    assert keys == {(p, k) for p in PAGES for k in pages_report.KINDS} | {(pages_report.FLOOR_PAGE, "full")}
    assert len(records) == len(keys)
    for rec in records:
        for field in FIELDS:
            assert field in rec, (rec["page"], rec["kind"], field)
        assert rec["scale"] == "demo" and rec["viewport"] == "desktop" and rec["runs"] == 1
        assert rec["median_ms"] > 0 and rec["min_ms"] <= rec["median_ms"] <= rec["max_ms"]
        # the page is drawn after the server said the run was over, and it needed some bytes
        assert 0 < rec["finished_median_ms"] <= rec["median_ms"]
        assert rec["bytes_median"] > 0
    floor = next(r for r in records if r.get("is_floor"))
    assert floor["floor_page"] == "empty page behind the login" and floor["path"] == "bench-empty"
    # the Overview sends more than the empty page
    overview_full = next(r for r in records if r["page"] == "Overview" and r["kind"] == "full")
    assert overview_full["bytes_median"] > floor["bytes_median"]


def test_goals_apply_on_the_desktop(tiny_pages):
    by = {(r["page"], r["kind"]): r for r in tiny_pages["records"]}
    assert by[("Overview", "nav_cold")]["goal_ms"] == 700
    assert by[("Account", "nav_cold")]["goal_ms"] == 500
    assert by[("Account", "nav_cached")]["goal_ms"] == 300
    full = by[("Account", "full")]
    assert full["floor_ms"] == by[(pages_report.FLOOR_PAGE, "full")]["median_ms"]
    assert full["goal_ms"] == pytest.approx(1.2 * full["floor_ms"], abs=0.1)
    assert full["meets_goal"] is (full["median_ms"] <= full["goal_ms"])
    assert "meets_goal" not in by[(pages_report.FLOOR_PAGE, "full")]


def test_results_file_and_readme_table(tiny_pages, tmp_path):
    out = pages_report.write_json(tiny_pages["records"], tiny_pages["runs"], tmp_path / "pages.json")
    data = json.loads(out.read_text())
    assert len(data["records"]) == len(tiny_pages["records"])
    assert data["runs"]["demo"]["reps"] == 1 and len(data["runs"]["demo"]["loadavg"]) == 3
    # a later run of another viewport keeps these records; the same one replaces them
    phone = [dict(r, viewport="phone") for r in tiny_pages["records"]]
    pages_report.write_json(phone, {}, out)
    pages_report.write_json(tiny_pages["records"], {}, out)
    data = json.loads(out.read_text())
    assert len(data["records"]) == 2 * len(tiny_pages["records"])

    table = pages_report.markdown(tiny_pages["records"])
    assert table.count("\n| demo | desktop |") == len(PAGES) + 1
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\nbefore\n\n{pages_report.BEGIN}\nSTALE TABLE\n{pages_report.END}\n\nafter\n")
    pages_report.write_readme(table, "header", readme)
    text = readme.read_text()
    assert "STALE TABLE" not in text and "before" in text and "after" in text and "| demo | desktop | Overview |" in text  # noqa: E501
