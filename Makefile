# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
SHARED_DATA_DIR ?= ../shared/data
export SHARED_DATA_DIR

.PHONY: run test install install-dev migrate demo lint format migrations-check bench ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py collectstatic --noinput -v0

demo: migrate
	DEBUG=1 LOG_LEVEL=WARNING $(BIN)/python manage.py load_demo

run: demo
	@echo "Serving on http://$(HOST)/ (Ctrl-C to stop)"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install-dev
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

bench: install-dev
	$(BIN)/python -m bench.run_all

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var test-output
