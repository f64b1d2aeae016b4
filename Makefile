# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# llama-cpp-python (the real-model test lane) builds from source: a portable library only,
# no native CPU tuning, no llama.cpp tests/examples/tools/server. The same flags every time
# keep pip's wheel cache valid, so only the first install pays the ~12 minute build.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
	-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF
DEMO := .demo

.PHONY: install demo test test-fast lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/mirograph index examples/corpus --corpus $(DEMO)/corpus.sqlite
	@echo "== scripted model: replays examples/demo-script.json; no LLM is called, nothing leaves this machine =="
	$(BIN)/mirograph run "How many tool calls can MiroThinker v1.0 make per task, and in what context window?" \
		--model scripted:examples/demo-script.json --corpus $(DEMO)/corpus.sqlite \
		--db $(DEMO)/mirograph.sqlite --thread demo
	$(BIN)/mirograph show demo --db $(DEMO)/mirograph.sqlite

# The whole suite: what CI runs (.ci/run).
test: install
	$(BIN)/python -m pytest

# No subprocess, server, kernel, browser or socket (tests/conftest.py enforces it).
test-fast: install
	$(BIN)/python -m pytest -m "not integration" -q

lint: install
	$(BIN)/ruff check mirograph tests bench && $(BIN)/ruff format --check mirograph tests bench

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
