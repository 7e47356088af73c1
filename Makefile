# Kartu Prakerja portal. `make run` to try it, `make test` before every push.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
STAMP := $(VENV)/.installed

.PHONY: install services db run test test-fast lint format bench fuzz clean messages regions-data vendor-js faces-data cluster cluster-down cluster-clean test-cluster bench-cluster
REGIONS_PACKAGE := idn-area-data@4.0.1
REGIONS_DIR := var/vendor/idn-area-data
# Charts in the admin: Chart.js from the npm registry, served from our own static files.
CHARTJS_PACKAGE := chart.js@4.5.1
CHARTJS := var/vendor/static/vendor/chartjs/chart.umd.min.js

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

services:
	@bash .ci/ensure-services.sh

messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

# Provinces and regencies come from a maintained npm data package, never typed by hand.
regions-data: $(REGIONS_DIR)/data/provinces.csv

$(REGIONS_DIR)/data/provinces.csv:
	@mkdir -p var/vendor
	cd var/vendor && npm pack --silent $(REGIONS_PACKAGE) > /dev/null
	rm -rf $(REGIONS_DIR) && mkdir -p $(REGIONS_DIR)
	tar -xzf var/vendor/idn-area-data-*.tgz -C $(REGIONS_DIR) --strip-components=1 package/data package/LICENSE

vendor-js: $(CHARTJS)

$(CHARTJS):
	@mkdir -p var/vendor/chartjs-pack $(dir $(CHARTJS))
	cd var/vendor/chartjs-pack && npm pack --silent $(CHARTJS_PACKAGE) > /dev/null
	tar -xzf var/vendor/chartjs-pack/chart.js-*.tgz -C $(dir $(CHARTJS)) --strip-components=2 package/dist/chart.umd.min.js package/dist/chart.umd.min.js.map
	tar -xzf var/vendor/chartjs-pack/chart.js-*.tgz -C $(dir $(CHARTJS)) --strip-components=1 package/LICENSE.md

# A real second person for the face tests (tests/faces.py): the photographs that the source
# distribution of face_recognition 1.3.0 ships in tests/test_images/, downloaded with pip at
# install time (pinned version and hash), only those four unpacked; never at test time.
FACES_PACKAGE := face_recognition==1.3.0
FACES_SDIST := var/vendor/face-recognition-sdist/face_recognition-1.3.0.tar.gz
FACES_SHA256 := 5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec
FACES_DIR := var/vendor/faces
FACES := obama obama2 obama3 biden

faces-data: $(FACES_DIR)/biden.jpg

$(FACES_DIR)/biden.jpg: | $(STAMP)
	@mkdir -p $(dir $(FACES_SDIST))
	$(BIN)/pip download --quiet $(FACES_PACKAGE) --no-deps --no-binary :all: -d $(dir $(FACES_SDIST))
	echo "$(FACES_SHA256)  $(FACES_SDIST)" | sha256sum --check --quiet
	rm -rf $(FACES_DIR) && mkdir -p $(FACES_DIR)
	tar -xzf $(FACES_SDIST) --no-same-owner -C $(FACES_DIR) --strip-components=1 face_recognition-1.3.0/LICENSE
	tar -xzf $(FACES_SDIST) --no-same-owner -C $(FACES_DIR) --strip-components=3 \
		$(foreach face,$(FACES),face_recognition-1.3.0/tests/test_images/$(face).jpg)

db: install services messages regions-data vendor-js faces-data
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py load_regions -v 0

run: db
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput -v 0
	@echo ""
	@echo "Portal:      http://127.0.0.1:$(PORT)/"
	@echo "PMO admin:   http://127.0.0.1:$(PORT)/admin/   (logins above, also in var/demo-credentials.json)"
	@echo "API docs:    http://127.0.0.1:$(PORT)/api/docs/"
	@echo "Readiness:   http://127.0.0.1:$(PORT)/readyz"
	@echo "Dev inbox:   http://127.0.0.1:$(PORT)/dev/inbox/"
	@echo ""
	$(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install services messages regions-data vendor-js faces-data lint
	DJANGO_SETTINGS_MODULE=prakerja.settings.test $(BIN)/python manage.py makemigrations --check --dry-run -v 1
	$(BIN)/pytest -n 2 --dist loadgroup

bench: install services regions-data vendor-js faces-data
	$(BIN)/pytest tests/benchmarks -o python_files='bench_*.py' -p no:xdist -q -s --no-header -rN --create-db
	$(MAKE) fuzz

# Random (not fixed) examples against the three signed APIs: the malformed-input properties
# with new draws, and Schemathesis over the partner API's schema (docs/security.md).
fuzz: install services regions-data
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$${FUZZ_PROPERTY_EXAMPLES:-300} $(BIN)/pytest tests/security/test_malformed_input.py \
		-n 0 -q --no-header -rN --hypothesis-show-statistics -k 'not real_server'
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/pytest tests/security -o python_files='fuzz_*.py' \
		-n 0 -q --no-header -rN

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache

# The production topology on this machine (docs/deployment.md#the-cluster): PostgreSQL primary
# and streaming replica, PgBouncer (transaction pooling), Redis, HAProxy in front of two
# gunicorn instances, a Celery worker per queue and beat. Needs root (Debian packages).
cluster: install messages regions-data vendor-js
	@bash .ci/system-deps.sh cluster
	@bash .ci/cluster/up.sh

cluster-down:
	@bash .ci/cluster/down.sh

cluster-clean: cluster-down
	rm -rf "$$(readlink -f var/cluster/pg)" var/cluster

# Tests through that topology (tests/cluster); starts it first if needed.
test-cluster: cluster
	set -a && source .ci/cluster/cluster.env && set +a && CLUSTER_TESTS=1 $(BIN)/pytest -p no:xdist -q tests/cluster

# The partner-API purchase benchmark and the disbursement benchmark through the cluster, the
# latter with the same size single-process (straight on the primary) beside it (docs/benchmarks.md).
bench-cluster: cluster
	set -a && source .ci/cluster/cluster.env && set +a && CLUSTER_TESTS=1 $(BIN)/pytest -p no:xdist -q -s \
		-o python_files='bench_*.py' tests/cluster/bench_cluster_purchases.py tests/cluster/bench_cluster_disbursement.py
