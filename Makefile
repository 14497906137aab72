# Two commands: `make run` serves the portal with a demo catalog; `make test` runs the whole suite
# on SQLite and on PostgreSQL. Both set up what they need on a fresh Debian machine with Python 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-test system-deps test-sqlite test-postgresql lint-imports clean

run: install
	$(FLASK) catalog init-db
	$(FLASK) catalog demo
	@echo "门户: http://127.0.0.1:$(PORT)/"
	@$(FLASK) catalog worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn --workers 2 --worker-class gthread --threads 8 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c "import ensurepip" 2>/dev/null \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgresql]'
	touch $@

install-test: install system-deps $(VENV)/.installed-test

$(VENV)/.installed-test: setup.cfg
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# From Debian: PostgreSQL (the test setup starts its own throwaway server on a loopback port), Chromium for the
# browser tests (driven by Playwright, which never downloads a browser of its own), a font with Chinese glyphs,
# and LibreOffice Calc (tests import workbooks it wrote).
system-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	command -v soffice >/dev/null || missing="$$missing libreoffice-calc-nogui"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; fi

# The two passes run side by side (one machine's two cores: SQLite's pass is busy in Python while PostgreSQL's waits
# on its server); PostgreSQL's output streams, SQLite's follows it. Either pass failing fails the target. The
# browser tests (marker browser: Chromium against a live server, the all-pages sweep among them) test what pages do
# in a browser, not SQL: they run in the SQLite pass only, which keeps `make test` well inside its 15 minutes.
test: install-test
	$(BIN)/lint-imports
	@log=$$(mktemp); \
	$(BIN)/pytest --db=sqlite -p no:cacheprovider > $$log 2>&1 & sqlite=$$!; \
	$(BIN)/pytest --db=postgresql -m 'not browser'; postgresql=$$?; \
	wait $$sqlite; sqlite_status=$$?; \
	echo; echo "==== the SQLite pass (run beside the PostgreSQL one) ===="; cat $$log; rm -f $$log; \
	echo "PostgreSQL pass: exit $$postgresql; SQLite pass: exit $$sqlite_status"; \
	[ $$postgresql -eq 0 ] && [ $$sqlite_status -eq 0 ]

lint-imports: install-test
	$(BIN)/lint-imports

test-sqlite: install-test
	$(BIN)/pytest --db=sqlite

test-postgresql: install-test
	$(BIN)/pytest --db=postgresql

clean:
	rm -rf $(VENV) instance .pytest_cache
