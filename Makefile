# Amur Leopard Atlas — everyday commands. `make run` and `make test` set everything up first.
PY := .venv/bin/python
PORT ?= 8501
# 127.0.0.1: this computer only. To serve a class on the school network: make run ADDRESS=0.0.0.0
ADDRESS ?= 127.0.0.1
# make pool: REPLICAS app replicas behind nginx on 127.0.0.1:POOL_PORT (deploy/, docs/deploy.md section 3)
REPLICAS ?= 2
POOL_PORT ?= 8080
LESSON ?= build/lesson

.PHONY: setup run pool test test-fast browser balancer basemap-source layers fonts bench bench-pool export clean

setup:
	@bash scripts/setup.sh

# python -m dashboard is the one start command (Dockerfile, deploy/, tests and benchmarks use it too).
run: setup
	$(PY) -m dashboard --server.port $(PORT) --server.address $(ADDRESS)

browser:
	@bash scripts/ensure_chromium.sh

# nginx (Debian package) for the replica pool and its tests
balancer:
	@bash scripts/ensure_nginx.sh

pool: setup balancer
	$(PY) deploy/pool.py --replicas $(REPLICAS) --port $(POOL_PORT) --lesson $(LESSON)

# The basemap's two sources for the byte-for-byte rebuild check, fetched by name into build/:
# Natural Earth (Debian's qgis-common) and the OpenStreetMap state borders (npm
# @osm_borders/maritime_10m, version and sha512 pinned in scripts/inputs/basemap_units.toml).
# npm comes from Debian's npm package when it is missing and we may install it.
basemap-source: setup
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  echo "basemap-source: installing Debian's npm ..." && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } || true
	@$(PY) scripts/build_basemap.py --fetch-only

test: setup browser balancer basemap-source
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest tests/unit tests/app

layers: setup
	$(PY) scripts/build_basemap.py && $(PY) scripts/build_layers.py

# The shipped Chinese font subsets (npm package fetched by name and version into build/fonts/). Run after
# adding Chinese text; tests/unit/test_fonts.py names any character missing from them.
fonts: setup
	$(PY) scripts/build_fonts.py

bench: setup browser
	$(PY) bench/run.py

# the classroom load through nginx: 1 replica against 2 in the same run (bench/pool_load.py)
bench-pool: setup balancer
	$(PY) bench/pool_load.py

export: setup
	$(PY) -m dashboard.export build/pack

clean:
	rm -rf .venv build .pytest_cache
