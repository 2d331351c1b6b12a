#!/usr/bin/env bash
# Install the pinned Python packages into .venv (the stamp file skips it when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.installed
if [ -f "$stamp" ] && [ "$stamp" -nt requirements.txt ] && [ "$stamp" -nt requirements-dev.txt ]; then
  exit 0
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# pip's warnings about this machine's local package mirrors are noise; errors still show.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt \
  2> >(grep -v 'is ignored: it is neither' >&2)
touch "$stamp"
