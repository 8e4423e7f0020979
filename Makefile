# Pilotage: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test install lint format seed seed-national bench clean

$(BIN)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv
	@$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(BIN)/.installed ## create the virtual environment and install the pinned packages

run: install ## seed the embedded database on first run, then serve the app (PORT=8501), prepared before it answers
	@$(BIN)/pilotage seed --scale demo --if-empty
	@$(BIN)/pilotage serve --port $(PORT) & server=$$!; \
	trap 'kill $$server 2>/dev/null' INT TERM; \
	$(BIN)/python scripts/wait_ready.py $(PORT); \
	wait $$server

test: install ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

seed: install ## reseed the demo database from scratch
	$(BIN)/pilotage seed --scale demo --reset

seed-national: install ## a national-scale database (8 sites, 200 000 learners)
	$(BIN)/pilotage seed --scale national --reset

bench: install ## speed figures (see README)
	$(BIN)/python bench/bench_seed.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_data.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_planning.py
	$(BIN)/python bench/bench_risk.py
	$(BIN)/python bench/bench_forecast.py sqlite:////tmp/pilotage_national.db

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
