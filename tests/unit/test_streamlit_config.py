"""The project's Streamlit settings that capacity depends on (bench/README.md, "Server CPU per
navigation"): every process started from the project (make run, the scale-out, tests, benchmarks)
reads .streamlit/config.toml."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_full_garbage_collection_after_every_run():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    # Streamlit's default (true) runs gc.collect(2) after each script run: ~100 ms of CPU per
    # navigation on the big shop, more than the page itself
    assert config["runner"]["postScriptGC"] is False
