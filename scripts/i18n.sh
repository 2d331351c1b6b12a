#!/usr/bin/env bash
# The translation catalogs (docs/i18n.md): extract the English strings into
# khata/locale/messages.pot, bring every language's messages.po up to date with it
# (a language of khata.i18n.LANGUAGES without a catalog gets a new, empty one), then
# compile the .mo files the app reads.
#   bash scripts/i18n.sh            extract, update (or init), compile
#   bash scripts/i18n.sh extract    only the .pot (after changing strings in the code)
#   bash scripts/i18n.sh compile    only the .mo files (what scripts/install.sh runs)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BABEL=(env LC_ALL=C.UTF-8 "$(dirname "$PY")/pybabel")
LOCALE_DIR=khata/locale
POT=$LOCALE_DIR/messages.pot
# The languages the app offers, minus English (the code is English).
mapfile -t LANGS < <("$PY" -c 'from khata.i18n import DEFAULT_LANGUAGE, LANGUAGES
print("\n".join(code for code in LANGUAGES if code != DEFAULT_LANGUAGE))')

compile_all() {
  local code po
  for code in "${LANGS[@]}"; do
    po=$LOCALE_DIR/$code/LC_MESSAGES/messages.po
    [ -f "$po" ] || continue
    # --use-fuzzy off: a fuzzy (unchecked) translation is not shown; English is.
    "${BABEL[@]}" compile --domain=messages --directory="$LOCALE_DIR" --locale="$code" --statistics
  done
}

extract() {
  mkdir -p "$LOCALE_DIR"
  # Sorted, file names without line numbers: the .pot changes only when a string does.
  "${BABEL[@]}" extract --mapping-file=babel.cfg --keyword=N_ --keyword=ngettext:1,2 \
    --add-comments=TRANSLATORS: --add-location=file --sort-output --width=120 \
    --project=Credikhaata --copyright-holder=Credikhaata --output-file="$POT" .
}

case "${1:-all}" in
  compile) compile_all; exit 0 ;;
  extract) extract; exit 0 ;;
  all) extract ;;
  *) echo "usage: bash scripts/i18n.sh [all|extract|compile]" >&2; exit 2 ;;
esac
for code in "${LANGS[@]}"; do
  po=$LOCALE_DIR/$code/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    # --previous keeps the old English of a changed string next to its (now fuzzy) translation.
    "${BABEL[@]}" update --domain=messages --input-file="$POT" --output-dir="$LOCALE_DIR" --locale="$code" \
      --previous --width=120
  else
    "${BABEL[@]}" init --domain=messages --input-file="$POT" --output-dir="$LOCALE_DIR" --locale="$code" \
      --width=120
  fi
done
compile_all
