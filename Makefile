# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO := .demo

.PHONY: install demo test lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/mirograph index examples/corpus --corpus $(DEMO)/corpus.sqlite
	@echo "== scripted model: replays examples/demo-script.json; no LLM is called, nothing leaves this machine =="
	$(BIN)/mirograph run "How many tool calls can MiroThinker v1.0 make per task, and in what context window?" \
		--model scripted:examples/demo-script.json --corpus $(DEMO)/corpus.sqlite \
		--db $(DEMO)/mirograph.sqlite --thread demo
	$(BIN)/mirograph show demo --db $(DEMO)/mirograph.sqlite

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check mirograph tests bench && $(BIN)/ruff format --check mirograph tests bench

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
