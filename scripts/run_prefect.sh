# Sourced by scripts/run.sh (`make run`): the reminder scheduler next to the app.
# A local Prefect server (state in .prefect/ inside the project, telemetry off,
# 127.0.0.1 only), a process work pool, the deployment from prefect.yaml and a
# worker that runs it. Each is started with run.sh's start_group (its own process
# group), so Ctrl-C in run.sh stops them and everything they spawned.
# PREFECT_PORT and PREFECT_HOME come from khata/settings.py (run.sh exported them).
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
# Flow runs send a heartbeat every 30 s (Prefect's minimum); flows/automations.py marks a run
# Crashed when they stop, so a killed run never holds the deployment's slot.
export PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30
export PREFECT_API_URL="http://127.0.0.1:${PREFECT_PORT}/api"
POOL="credikhaata-pool"
mkdir -p "$PREFECT_HOME"
_prefect_up() {
  .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "$PREFECT_API_URL/health" >/dev/null 2>&1
}

if _prefect_up; then
  echo "A Prefect server already answers on port $PREFECT_PORT; using it."
else
  echo "Starting the Prefect server (log: $PREFECT_HOME/server.log)..."
  start_group "$PREFECT_HOME/server.log" .venv/bin/prefect server start --host 127.0.0.1 --port "$PREFECT_PORT"
  for _ in $(seq 1 120); do
    _prefect_up && break
    sleep 0.5
  done
  if ! _prefect_up; then
    echo "The Prefect server did not start; see $PREFECT_HOME/server.log. Reminders are not scheduled."
  fi
fi

if _prefect_up; then
  .venv/bin/prefect work-pool create "$POOL" --type process --overwrite >/dev/null \
    || echo "Could not create the work pool $POOL."
  if .venv/bin/prefect --no-prompt deploy --all >"$PREFECT_HOME/deploy.log" 2>&1; then
    echo "Deployed overdue-reminders/daily-8am-ist (every day 08:00 Asia/Kolkata) and book-maintenance/nightly-3am-ist (03:00 backup + upkeep)."
  else
    echo "Deploying prefect.yaml failed; see $PREFECT_HOME/deploy.log."
  fi
  # The automations (crash on silent heartbeat; alerts to KHATA_ALERT_WEBHOOK_URL), created or updated.
  .venv/bin/python -m flows.automations || true
  # Flow runs an earlier make run stopped (or left when it was killed): Crashed unless they finished.
  if [ -s "$PREFECT_HOME/flow-runs.left" ]; then
    .venv/bin/python -m flows.automations --crashed "$PREFECT_HOME/flow-runs.left" || true
    rm -f "$PREFECT_HOME/flow-runs.left"
  fi
  start_group "$PREFECT_HOME/worker.log" .venv/bin/prefect worker start --pool "$POOL"
  worker_pid=${groups[${#groups[@]}-1]}
  echo "Prefect UI (reminder runs, artifacts): http://127.0.0.1:${PREFECT_PORT}"
  echo "Run the reminders now: .venv/bin/prefect deployment run overdue-reminders/daily-8am-ist"
  echo "  (or without Prefect: .venv/bin/python -m khata remind; add --dry-run for a preview)"
fi
