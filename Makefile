# Two commands for a newcomer: `make deploy` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
BERTH := dist/cli/main.js
PROFILE ?= undercloud
# Extra arguments for deploy and verify, e.g. BERTH_ARGS="--project mine --param demo_api_port=18790".
BERTH_ARGS ?=

.PHONY: deploy test unit integration engine base-image deps build bench clean format format-check lint
# What prettier formats (120 columns, .prettierrc.json); profiles and fixtures are data, not code.
FORMATTED := 'cli/**/*.{ts,tsx}' 'lib/**/*.ts' 'test/**/*.{ts,tsx}' 'bench/**/*.ts' 'scripts/*.mjs' vitest.config.ts

deploy: build engine base-image
	$(BERTH) deploy --profile $(PROFILE) $(BERTH_ARGS)
	$(BERTH) verify --profile $(PROFILE) $(BERTH_ARGS)

test: build engine base-image
	@bash scripts/timed.sh format-check npx prettier --check --log-level warn $(FORMATTED)
	@bash scripts/timed.sh lint npx eslint --max-warnings 0 .
	@bash scripts/timed.sh typecheck-tests npx tsc -p tsconfig.test.json
	@bash scripts/timed.sh test-tools bash scripts/test-deps.sh
	node scripts/run-tests.mjs

unit: build
	npx vitest run --project unit

integration: build engine base-image
	bash scripts/test-deps.sh
	npx vitest run --project integration

# Installs Debian's docker.io and starts dockerd when no engine answers (Debian/Ubuntu, root).
engine:
	@bash scripts/timed.sh engine bash scripts/engine.sh

base-image: build engine
	@bash scripts/timed.sh base-image $(BERTH) images ensure-base

deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@bash scripts/timed.sh npm-ci npm ci --no-audit --no-fund

build: deps
	@bash scripts/timed.sh build npm run --silent build

bench: build engine base-image
	bash scripts/bench-deps.sh
	node --import tsx bench/deploy.bench.ts
	node --import tsx bench/dev.bench.ts
	node --import tsx bench/tui.bench.ts
	node --import tsx bench/ci-jobs.bench.ts
	node --import tsx bench/verify-down.bench.ts
	node --import tsx bench/dev-keystone.bench.ts
	node --import tsx bench/dev-undercloud.bench.ts
	node --import tsx bench/watcher.bench.ts
	node --import tsx bench/tempest.bench.ts
	node --import tsx bench/provision.bench.ts

format: deps
	npx prettier --write --log-level warn $(FORMATTED)

lint: deps
	npx eslint --max-warnings 0 .
	npx tsc -p tsconfig.test.json

format-check: deps
	npx prettier --check --log-level warn $(FORMATTED)

clean:
	rm -rf dist
