#!/usr/bin/env bash
# Install Debian packages that are missing: each argument is PACKAGE:CHECK, where CHECK is a command
# name or a file path that exists once the package is installed. As root, else with sudo.
set -euo pipefail
missing=()
for spec in "$@"; do
  package=${spec%%:*}
  check=${spec#*:}
  if [[ $check == /* ]]; then [ -e "$check" ] && continue; else command -v "$check" >/dev/null 2>&1 && continue; fi
  missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}..."
if [ "$(id -u)" = 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1; then
  run=(sudo)
else
  echo "Cannot install ${missing[*]}: not root and no sudo. Install them with apt-get, then run this again." >&2
  exit 1
fi
"${run[@]}" apt-get update -qq >/dev/null
"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
