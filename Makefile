# Telecentre — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 5000

.PHONY: demo test lint audit system-deps venv compile-translations clean

$(VENV)/.installed: setup.cfg pyproject.toml setup.py constraints.txt
	@bash scripts/system-deps.sh  # pycups builds against libcups2-dev
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 'setuptools>=78.1.1'
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,agent,redis]'
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
	$(PY) scripts/check_deps.py

# Known vulnerabilities in the installed packages; skipped when https://pypi.org is unreachable.
audit: venv
	$(PY) scripts/audit_deps.py

test: venv system-deps compile-translations lint audit
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
