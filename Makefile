# `make run` and `make test` are all a fresh clone needs (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export PORT

.PHONY: run test install bootstrap lint bench clean messages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Database, demo content, accounts and the default model; every step is idempotent.
bootstrap: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py import_articles seeds
	$(BIN)/python manage.py ensure_demo_accounts
	$(BIN)/python manage.py train_model --if-none-active --activate

run: bootstrap
	exec $(BIN)/python -m config.launcher

test: install
	$(BIN)/python -m pytest

# Every benchmark in turn, each on its own throw-away stack; `name: value` lines.
bench: install
	$(BIN)/python -m bench.read_path
	$(BIN)/python -m bench.footprint
	$(BIN)/python -m bench.write_path --duration 30 --burst 2000 --compare-batch-size 1
	$(BIN)/python -m bench.scale_out --workers 1,2,4 --burst 2000 --peak-seconds 20
	$(BIN)/python -m bench.classifier
	$(BIN)/python -m bench.queue

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var

# Gather the texts marked for translation into the German catalogue and compile it
# (needs GNU gettext); every new msgstr is then written by hand.
messages: install
	$(VENV)/bin/python manage.py makemessages -l de --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(VENV)/bin/python manage.py compilemessages -l de --ignore=.venv
