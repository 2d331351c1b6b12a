#!/usr/bin/env bash
# Lint (ruff, configured in pyproject.toml), then every test: unit, services, pages (AppTest),
# flows (Prefect), browser (Chromium), reliability (small).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's Chromium for the browser tests..."
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
echo "ruff check..."
.venv/bin/ruff check .
export PREFECT_HOME="${PREFECT_HOME:-$PWD/.prefect/test}"
mkdir -p "$PREFECT_HOME"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
unset TWILIO_REGION TWILIO_EDGE
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@" tests
