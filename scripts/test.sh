#!/usr/bin/env bash
# Lint (ruff, configured in pyproject.toml), then every test: unit, services, pages (AppTest),
# flows (Prefect), browser (Chromium), reliability (small).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# The browser tests drive Debian's Chromium; the statement tests read PDFs back with poppler's pdftotext
# and decode the QR code with zbar; the scale-out test puts HAProxy in front of two app processes.
bash scripts/debian_packages.sh chromium:chromium poppler-utils:pdftotext zbar-tools:zbarimg haproxy:haproxy
echo "ruff check..."
.venv/bin/ruff check .
export PREFECT_HOME="${PREFECT_HOME:-$PWD/.prefect/test}"
mkdir -p "$PREFECT_HOME"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
unset TWILIO_REGION TWILIO_EDGE
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@" tests
