# onboard — two commands: `make run` serves the app, `make test` runs the whole suite.
# Both do the whole set-up first on a fresh Debian machine: Debian packages (when run as
# root; otherwise the exact apt-get command is printed), the virtualenv and the package.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

# tesseract reads licenses; the CJK fonts draw the synthetic licenses the OCR tests read
# (licenses print the code in a Song face); chromium runs the browser tests; wrk drives the
# HTTP benchmark (`make bench`) at full speed for a fraction of a Python client's CPU.
DEB_PACKAGES := nodejs tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim \
	fonts-noto-cjk fonts-arphic-gbsn00lp fonts-arphic-uming chromium wrk

# axe-core (npm) checks accessibility in the browser tests; it lives inside the virtualenv.
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js

.PHONY: run test bench lint setup system-packages clean

run: setup
	$(BIN)/onboard serve --host $(HOST) --port $(PORT)

test: setup lint
	$(BIN)/pytest -n auto --dist loadgroup

bench: setup
	$(BIN)/python -m tests.benchmarks.run

lint: setup
	$(BIN)/ruff check onboard tests
	$(BIN)/ruff format --check onboard tests
	$(BIN)/mypy

setup: system-packages $(STAMP) $(AXE)
	$(BIN)/pybabel -q compile -d onboard/translations

system-packages:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages:" $$missing; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "Missing Debian packages. Run:  sudo apt-get install -y $$missing"; exit 1; \
		fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,fast]'
	touch $(STAMP)

$(AXE): | $(STAMP)
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends npm; } || \
		{ echo "npm is missing. Run:  sudo apt-get install -y npm"; exit 1; }
	npm install --prefix $(VENV)/node --no-audit --no-fund --silent axe-core@4.10

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
