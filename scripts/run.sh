#!/usr/bin/env bash
# `make run`: the demo database if there is none, then the app and the reminder
# scheduler side by side. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -f .env ] && { set -a; . ./.env; set +a; }
export KHATA_DB="${KHATA_DB:-$PWD/data/khata.duckdb}"

if [ ! -f "$KHATA_DB" ]; then
  echo "No database at $KHATA_DB: creating the demo shop..."
  $PY -m khata demo --db "$KHATA_DB"
else
  $PY -m khata init --db "$KHATA_DB" >/dev/null
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap cleanup INT TERM EXIT

# --- reminder scheduler (Prefect server, work pool, deployment, worker) ---
if [ -f scripts/run_prefect.sh ]; then
  source scripts/run_prefect.sh   # appends its process ids to pids
fi

# --- the shopkeeper app ---
if [ -f streamlit_app.py ]; then
  $PY -m streamlit run streamlit_app.py --server.port 8501 --server.headless true \
      --browser.gatherUsageStats false &
  pids+=($!)
  echo
  echo "Credikhaata is at http://localhost:8501  (demo login: demo / Demo@1234)"
fi
echo "Press Ctrl-C to stop."
wait
