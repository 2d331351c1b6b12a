# The two commands that work on a fresh machine: `make run` and `make test`.
PY := .venv/bin/python

.PHONY: install run run-scaled test bench bench-full bench-reminders bench-pages bench-load reliability clean

install:
	bash scripts/install.sh

run: install
	bash scripts/run.sh

# `make run` with several app processes behind HAProxy, sticky by cookie (default 2; docs/architecture.md "Capacity")
run-scaled: install
	KHATA_APP_PROCESSES=$${KHATA_APP_PROCESSES:-2} bash scripts/run.sh

test: install
	bash scripts/test.sh

bench: install
	$(PY) -m bench --quick

bench-full: install
	$(PY) -m bench --full

reliability: install
	KHATA_RELIABILITY=full $(PY) -m pytest -q -s -p no:cacheprovider tests/reliability

clean:
	rm -rf .venv .pytest_cache .prefect *.egg-info

bench-reminders: install
	$(PY) -m bench.reminders_bench

bench-pages: install
	$(PY) -m bench.pages

# browser users (1, 4, 8) over app processes (1, 2) behind HAProxy on the big shop, 60 s each (~17 min here)
bench-load: install
	bash scripts/debian_packages.sh haproxy:haproxy chromium:chromium
	$(PY) -m bench.load
