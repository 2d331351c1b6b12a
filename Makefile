# The two commands that work on a fresh machine: `make run` and `make test`.
PY := .venv/bin/python

.PHONY: install run test bench bench-full bench-reminders bench-pages reliability clean

install:
	bash scripts/install.sh

run: install
	bash scripts/run.sh

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
