#!/usr/bin/env bash
# `make run`: the demo database if there is none (else the book brought to DuckDB 2.0's
# format, once), then the app and the reminder scheduler side by side. Ctrl-C stops everything this script started.
#
# Each service runs in its own process group (`setsid`), so stopping it reaches
# every process it spawned (uvicorn under the Prefect server, flow runs under the
# worker). On Ctrl-C every group gets SIGTERM; whatever is still there after
# STOP_GRACE_S seconds (a Prefect worker "Stopping..." while it retries its server)
# gets SIGKILL. The database is safe either way: nothing holds it between units of
# work, and DuckDB's write-ahead log makes a killed write all-or-nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Every setting (environment, else .env, else the default) from khata/settings.py, the one
# place that reads them for every entry point; a bad value stops here with one line.
settings_sh=$($PY -m khata.settings --shell)
eval "$settings_sh"
STOP_GRACE_S=3

if [ ! -f "$KHATA_DB" ]; then
  echo "No database at $KHATA_DB: creating the demo shop..."
  $PY -m khata demo --db "$KHATA_DB"
else
  # A book written by DuckDB 1.5 is rewritten into 2.0's format, once (`khata upgrade`: a verified
  # owner-only backup beside it first, then an atomic replace). One line says what happened; if the
  # upgrade fails the book is as it was, and the app starts on it (DuckDB 2.0 works on the old format).
  if ! upgrade_said=$($PY -m khata upgrade --db "$KHATA_DB" 2>&1); then
    upgrade_said="$upgrade_said The app starts on the book as it is; run \`make run\` again once that is fixed."
  fi
  echo "$upgrade_said"
  $PY -m khata init --db "$KHATA_DB" >/dev/null
fi

groups=()   # process group ids of everything started below
new_group=setsid
command -v setsid >/dev/null 2>&1 || new_group=   # no setsid (macOS): plain children, killed by pid
start_group() {  # start_group LOGFILE CMD...: CMD in a new process group, its id appended to groups
  local log=$1
  shift
  if [ "$log" = - ]; then $new_group "$@" & else $new_group "$@" >"$log" 2>&1 & fi
  groups+=($!)
}

signal_all() {  # signal_all SIG: every group (or, without setsid, every process) started above
  local g
  for g in "${groups[@]}"; do kill "-$1" -- "-$g" 2>/dev/null || kill "-$1" "$g" 2>/dev/null || true; done
}

alive() {
  local g
  for g in "${groups[@]}"; do
    { kill -0 -- "-$g" || kill -0 "$g"; } 2>/dev/null && return 0
  done
  return 1
}

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  signal_all TERM
  for _ in $(seq 1 $((STOP_GRACE_S * 10))); do
    alive || break
    sleep 0.1
  done
  signal_all KILL
  wait 2>/dev/null || true
  echo "Stopped."
}
trap cleanup INT TERM EXIT

# --- reminder scheduler (Prefect server, work pool, deployment, worker) ---
if [ -f scripts/run_prefect.sh ]; then
  source scripts/run_prefect.sh   # starts its processes with start_group
fi

# --- the shopkeeper app ---
if [ -f streamlit_app.py ] && [ "$KHATA_APP_PROCESSES" -gt 1 ]; then
  # several app processes on the one book, HAProxy in front, sticky by cookie (khata/scaleout.py)
  bash scripts/debian_packages.sh haproxy:haproxy
  start_group - $PY -m khata.scaleout --processes "$KHATA_APP_PROCESSES" --port "$KHATA_PORT"
  echo
  echo "Credikhaata is at http://localhost:${KHATA_PORT}  (${KHATA_APP_PROCESSES} app processes; demo login: demo / Demo@1234)"
elif [ -f streamlit_app.py ]; then
  STREAMLIT_SERVER_COOKIE_SECRET=$($PY -c 'from khata.scaleout import streamlit_cookie_secret as s; print(s())')
  export STREAMLIT_SERVER_COOKIE_SECRET
  start_group - $PY -m streamlit run streamlit_app.py --server.port "$KHATA_PORT" --server.headless true \
      --browser.gatherUsageStats false
  echo
  echo "Credikhaata is at http://localhost:${KHATA_PORT}  (demo login: demo / Demo@1234)"
fi
echo "Press Ctrl-C to stop."
wait
