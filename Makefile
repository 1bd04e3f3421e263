# Kroki Studio. `make run` and `make test` each do their own setup (scripts/setup.sh).
.PHONY: setup build run dev desktop test test-unit test-integration test-e2e test-electron test-node-versions typecheck lint bench clean

setup:
	@bash scripts/setup.sh

build: setup

run:
	npm start -- $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

dev:
	npm run dev

# The desktop app from the source tree (needs the Electron binary: `npx electron --version`
# works once `node node_modules/electron/install.js` could download it). See docs/desktop.md.
desktop: setup
	npm run build:desktop
	npx electron .

# Every tier: unit, integration (real engines), e2e (real Chromium), docker (real engine).
# STUDIO_SKIP_DOCKER=1 leaves the docker tier out (it is then reported as skipped).
test:
	npm test

test-unit:
	npx vitest run --project unit

test-integration:
	npx vitest run --project integration

test-e2e:
	npx vitest run --project e2e

# Playwright's _electron tests: skipped with the reason where no Electron binary exists.
test-electron:
	npm run build:desktop
	npx vitest run --project electron

# Unit + integration tiers under Node 22 and 24 (binaries from the npm registry).
test-node-versions:
	bash scripts/test-node-versions.sh

typecheck:
	npx tsc -p tsconfig.json --noEmit

lint:
	npx eslint .

bench: setup
	npm run bench

clean:
	rm -rf dist .cache test-results

# ---- container image and stack (owner: container/compose work; see docs/container.md) ----
# Each target prepares Docker itself (starts dockerd if needed, builds a stand-in base
# image when the registry is unreachable) and removes what it started, even on failure.
.PHONY: docker-build docker-test integration-test smoke-test docker-size

docker-build:
	bash scripts/test-docker.sh build

smoke-test:
	bash scripts/test-docker.sh smoke

integration-test:
	bash scripts/test-docker.sh integration

docker-test:
	bash scripts/test-docker.sh all

docker-size:
	DOCKER_COMPARE_SIZE=1 bash scripts/test-docker.sh build
