# Telecentre — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 5000

.PHONY: demo test system-deps venv compile-translations clean

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

test: venv system-deps compile-translations
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
