# Telecentre — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 5000

.PHONY: demo test lint system-deps venv compile-translations clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,agent]'
	touch $@

venv: $(VENV)/.installed

system-deps:
	@bash scripts/system-deps.sh

compile-translations: venv
	@for d in $$(find telecentre -type d -name translations); do \
	  $(VENV)/bin/pybabel compile -d $$d --statistics >/dev/null; done

demo: venv compile-translations
	PORT=$(PORT) $(PY) -m telecentre.demo

lint: venv
	$(VENV)/bin/ruff check $(wildcard telecentre agent tests bench)
	$(VENV)/bin/bandit -q -c pyproject.toml -r $(wildcard telecentre agent) --severity-level high

test: venv system-deps compile-translations lint
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
