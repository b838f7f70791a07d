# Two commands do all the set-up on a fresh machine (python3 and make only):
#   make crawl   crawl the bundled portal snapshot into output/articles.jsonl
#   make test    ruff and the whole test suite
# The virtualenv is (re)built only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SNAPSHOT_DIR := tests/sample_data/portal
SNAPSHOT := build/snapshot.warc.gz
OUTPUT ?= output/articles.jsonl
PYTEST_ARGS ?=

.PHONY: crawl test lint snapshot bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,redis]'
	touch $(STAMP)

$(SNAPSHOT): $(STAMP) $(shell find $(SNAPSHOT_DIR) -type f 2>/dev/null) crawler/warc/pack.py
	$(BIN)/python -m crawler.warc.pack $(SNAPSHOT_DIR) -o $(SNAPSHOT)

snapshot: $(SNAPSHOT)

crawl: $(STAMP) $(SNAPSHOT)
	$(BIN)/scrapy crawl xiuzhou -s REPLAY_ARCHIVE=$(SNAPSHOT) -s ARTICLES_OUTPUT=$(OUTPUT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint $(SNAPSHOT)
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

# Not part of `make test`: about 15 minutes on 2 cores.  Generates the synthetic
# portal under build/bench, installs nginx-light and redis-server with apt-get
# when missing (as root), writes docs/benchmarks.md.  More articles: make bench BENCH_ARTICLES=20000;
# other options: make bench BENCH_ARGS="--help".
BENCH_ARTICLES ?= 5000
BENCH_ARGS ?=

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,redis,bench]'
	$(BIN)/python -m bench --articles $(BENCH_ARTICLES) $(BENCH_ARGS)

clean:
	rm -rf build .pytest_cache .ruff_cache
