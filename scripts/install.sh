#!/usr/bin/env bash
# Install the pinned Python packages into .venv, then the project itself in editable mode
# (pyproject.toml: `import khata` works from anywhere, the `khata` command exists, nothing
# edits sys.path). The stamp file skips it when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages the product itself needs (as root, else with sudo; a clear line if neither works):
# fonts-noto-core gives the PDF statement its fonts for Latin and the Indian scripts.
bash scripts/debian_packages.sh fonts-noto-core:/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf \
  || echo "Without fonts-noto-core the app runs, but PDF statements cannot be made." >&2
stamp=.venv/.installed
# The translations: the .mo files are built from the committed .po catalogs, never committed.
compile_catalogs() { bash scripts/i18n.sh compile >/dev/null; }
if [ -f "$stamp" ] && [ "$stamp" -nt requirements.txt ] && [ "$stamp" -nt requirements-dev.txt ] \
   && [ "$stamp" -nt pyproject.toml ] && [ -x .venv/bin/khata ]; then
  compile_catalogs
  exit 0
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# pip's warnings about this machine's local package mirrors are noise; errors still show.
quiet_pip() {
  .venv/bin/python -m pip --quiet --disable-pip-version-check "$@" 2> >(grep -v 'is ignored: it is neither' >&2)
}
quiet_pip install -r requirements-dev.txt
# The exact pins came from requirements.txt above; this adds only the project (and its command).
quiet_pip install --no-deps -e .
touch "$stamp"
compile_catalogs
