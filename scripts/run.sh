#!/usr/bin/env bash
# `make run`: the demo database if there is none at the default path (any other
# missing KHATA_DB is refused; an existing book is brought to DuckDB 2.0's format, once),
# then the app and the reminder scheduler side by side. Ctrl-C stops everything this script started.
#
# Each service runs in its own process group (`setsid`), so stopping it reaches
# every process it spawned in that group (uvicorn under the Prefect server). A flow
# run is different: the worker starts it in a session of its own, which no group kill
# reaches, so every process started below is also found by its parent (the whole
# tree under each service, read from `ps` at stop time) and stopped with its own
# group. The flow runs alive are also written to $PREFECT_HOME/flow-runs.pids every
# few seconds: if this script was killed outright (kill -9, a closed terminal), the
# next `make run` stops what the last one left running before it starts anything
# (an orphan is never left sending). On Ctrl-C or SIGTERM everything gets SIGTERM;
# whatever is still there after STOP_GRACE_S seconds (a Prefect worker "Stopping..."
# while it retries its server) gets SIGKILL. The database is safe either way: nothing holds it between units of
# work, and DuckDB's write-ahead log makes a killed write all-or-nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Every setting (environment, else .env, else the default) from khata/settings.py, the one
# place that reads them for every entry point; a bad value stops here with one line.
settings_sh=$($PY -m khata.settings --shell)
eval "$settings_sh"
STOP_GRACE_S=3

default_db=$($PY -c 'from khata import settings; print(settings.SETTINGS["KHATA_DB"].default)')
if [ ! -f "$KHATA_DB" ] && [ "$(realpath -m "$KHATA_DB")" = "$(realpath -m "$default_db")" ]; then
  echo "No database at $KHATA_DB: creating the demo shop..."
  $PY -m khata demo --db "$KHATA_DB"
elif [ ! -f "$KHATA_DB" ]; then
  # only the default book is made for you: a mistyped KHATA_DB must not become an empty book
  echo "No book at $KHATA_DB; create it with \`khata init --db $KHATA_DB\`." >&2
  exit 1
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
PIDS_FILE="$PREFECT_HOME/flow-runs.pids"

descendants() {  # descendants PID...: every process under these (children, their children, ...)
  local table frontier next pid
  table=$(ps -eo pid=,ppid= 2>/dev/null) || return 0
  frontier="$*"
  while [ -n "$frontier" ]; do
    next=""
    for pid in $frontier; do
      next="$next $(awk -v p="$pid" '$2 == p {print $1}' <<<"$table")"
    done
    next=$(echo $next)
    [ -n "$next" ] && echo $next
    frontier=$next
  done
}

LEFT_FILE="$PREFECT_HOME/flow-runs.left"   # their flow run ids: marked Crashed once the server is up

stop_leftovers() {  # flow runs a killed `make run` left behind (only if still a Prefect flow run)
  [ -f "$PIDS_FILE" ] || return 0
  local pid run_id
  while read -r pid run_id; do
    [ -n "$pid" ] || continue
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "prefect.engine"; then
      echo "Stopping flow run process $pid left by an earlier make run."
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      sleep 1
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    [ -n "$run_id" ] && echo "$run_id" >>"$LEFT_FILE"
  done <"$PIDS_FILE"
  rm -f "$PIDS_FILE"
}
mkdir -p "$PREFECT_HOME"
stop_leftovers
new_group=setsid
command -v setsid >/dev/null 2>&1 || new_group=   # no setsid (macOS): plain children, killed by pid
start_group() {  # start_group LOGFILE CMD...: CMD in a new process group, its id appended to groups
  local log=$1
  shift
  if [ "$log" = - ]; then $new_group "$@" & else $new_group "$@" >"$log" 2>&1 & fi
  groups+=($!)
}

tree=()  # everything under the groups, found when stopping (flow runs live in sessions of their own)
signal_all() {  # signal_all SIG: every group (or, without setsid, every process) started above, and the tree
  local g
  for g in "${groups[@]}" "${tree[@]}"; do kill "-$1" -- "-$g" 2>/dev/null || kill "-$1" "$g" 2>/dev/null || true; done
}

alive() {
  local g
  for g in "${groups[@]}" "${tree[@]}"; do
    { kill -0 -- "-$g" || kill -0 "$g"; } 2>/dev/null && return 0
  done
  return 1
}

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  [ -n "${watcher:-}" ] && kill "$watcher" 2>/dev/null || true
  [ ${#groups[@]} -gt 0 ] && read -r -a tree <<<"$(descendants "${groups[@]}" | tr '\n' ' ')" || true
  signal_all TERM
  for _ in $(seq 1 $((STOP_GRACE_S * 10))); do
    alive || break
    sleep 0.1
  done
  signal_all KILL
  wait 2>/dev/null || true
  if [ -f "$PIDS_FILE" ]; then  # the runs just stopped: the next make run marks them Crashed if they are not
    awk 'NF > 1 {print $2}' "$PIDS_FILE" >>"$LEFT_FILE"
    rm -f "$PIDS_FILE"
  fi
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
if [ -n "${worker_pid:-}" ]; then  # the worker's flow runs, written down for the next make run
  ( while kill -0 "$worker_pid" 2>/dev/null; do
      descendants "$worker_pid" | tr ' ' '\n' | while read -r pid; do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "prefect.engine" \
          && echo "$pid $(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^PREFECT__FLOW_RUN_ID=//p')"
      done >"$PIDS_FILE.tmp" && mv "$PIDS_FILE.tmp" "$PIDS_FILE"
      sleep 2
    done ) &
  watcher=$!
fi
echo "Press Ctrl-C to stop."
wait
