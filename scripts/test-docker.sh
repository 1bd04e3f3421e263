#!/usr/bin/env bash
# Builds the Kroki Studio image and tests it against real containers.
#
#   scripts/test-docker.sh [all|build|smoke|integration|compose|stack]
#     build        ensure docker + base image, build the image (no tests)
#     smoke        build, then non-root / health / home page / API validation checks
#     integration  build, then every image test (E2E renders, degraded, restart, SIGTERM)
#     compose      build, then the compose stack test
#     stack        build, then the local Kroki stack tests (dockerode; a registry on 127.0.0.1)
#     all          build, then image, compose and stack tests (the default; `make docker-test`)
#
# Prepares what it needs and undoes what it did: installs docker.io / docker-compose from
# apt when missing, starts dockerd when no daemon answers (and stops only that one), builds
# a stand-in base image when the base cannot be pulled, stages the host's extra CA
# certificates for the build, and removes every test container even when a step fails.
# The stack tests start Debian's docker-registry on 127.0.0.1 themselves (installed here
# with busybox-static, whose busybox becomes their companion image) and stop it; the
# registry's storage is kept in $LOG_DIR/registry so unchanged layers are not pushed again.
#
# Environment:
#   DOCKER_TEST_IMAGE   tag to build and test (default kroki-studio:test)
#   BASE_IMAGE          base image build arg (default node:20-bookworm-slim)
#   DOCKER_EXTRA_CA_DIR host folder with extra CA *.crt for the build (default /usr/local/share/ca-certificates)
#   DOCKER_COMPARE_SIZE=1  also build a single-stage image and print both sizes
#   DOCKER_TEST_TIMEOUT seconds for the test run (default 1200)
set -uo pipefail

MODE="${1:-all}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
IMAGE="${DOCKER_TEST_IMAGE:-kroki-studio:test}"
BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
CA_DIR="${DOCKER_EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
WORK="$(mktemp -d /tmp/kroki-studio-docker-test.XXXXXX)"
# Logs worth keeping after the run (build output, dockerd) go here; .cache/ is git-ignored.
LOG_DIR="${DOCKER_TEST_LOG_DIR:-$ROOT/.cache/docker-test}"
mkdir -p "$LOG_DIR"
PASSED=0 FAILED=0 SKIPPED=0
STARTED_DOCKERD_PID=""
STAGED_CERTS=()

case "$MODE" in all | build | smoke | integration | compose | stack) ;; *)
  echo "usage: $0 [all|build|smoke|integration|compose|stack]" >&2
  exit 2
  ;;
esac

log() { printf '\n[docker-test] %s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); printf '[docker-test] PASS %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf '[docker-test] FAIL %s\n' "$*"; }
skip() { SKIPPED=$((SKIPPED + 1)); printf '[docker-test] SKIP %s\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "${DOCKER_READY:-}" ]]; then
    # Containers and networks from the tests (labelled), and leftover compose test projects.
    local ids
    ids=$(docker ps -aq --filter label=kroki-studio.docker-test 2>/dev/null)
    [[ -n "$ids" ]] && docker rm -f $ids >/dev/null 2>&1
    ids=$(docker ps -aq --filter label=com.docker.compose.project 2>/dev/null | while read -r id; do
      docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}} {{.Id}}' "$id" 2>/dev/null
    done | awk '$1 ~ /^kstest/ {print $2}')
    [[ -n "$ids" ]] && docker rm -f $ids >/dev/null 2>&1
    docker network ls -q --filter label=kroki-studio.docker-test 2>/dev/null | xargs -r docker network rm >/dev/null 2>&1
    docker network ls --format '{{.Name}}' 2>/dev/null | grep '^kstest' | xargs -r docker network rm >/dev/null 2>&1
    # The stack tests' stand-in images, tagged for their loopback registry.
    docker images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep '/kstest/' | xargs -r docker rmi >/dev/null 2>&1
  fi
  for f in "${STAGED_CERTS[@]}"; do rm -f "$f"; done
  if [[ -n "$STARTED_DOCKERD_PID" ]]; then
    log "stopping the dockerd this script started (pid $STARTED_DOCKERD_PID)"
    kill -TERM "$STARTED_DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$STARTED_DOCKERD_PID" 2>/dev/null || break; sleep 1; done
  fi
  rm -rf "$WORK"
  printf '\n%d passed, %d failed, %d skipped\n' "$PASSED" "$FAILED" "$SKIPPED"
  if [[ $FAILED -gt 0 || $rc -ne 0 ]]; then exit 1; fi
  exit 0
}
trap cleanup EXIT
trap 'echo "[docker-test] interrupted"; FAILED=$((FAILED + 1)); exit 130' INT TERM

# ---------------------------------------------------------------------------- docker engine
ensure_docker() {
  # Some machines ship a docker client without an engine: the engine (dockerd) decides.
  if ! command -v docker >/dev/null || { ! command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; }; then
    log "docker engine missing: installing docker.io from apt"
    { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker.io; } >"$WORK/apt-docker.log" 2>&1 || { tail -n 20 "$WORK/apt-docker.log"; return 1; }
  fi
  if docker info >/dev/null 2>&1; then
    DOCKER_READY=1
    return 0
  fi
  command -v dockerd >/dev/null || { echo "no dockerd binary"; return 1; }
  log "no Docker daemon answers: starting dockerd (log: $LOG_DIR/dockerd.log)"
  # Started directly (not through a shell function) so that $! is dockerd itself (or sudo,
  # which forwards SIGTERM to it) and the cleanup can stop exactly this daemon.
  if [[ $(id -u) -eq 0 ]]; then
    dockerd --host=unix:///var/run/docker.sock >"$LOG_DIR/dockerd.log" 2>&1 &
  else
    sudo dockerd --host=unix:///var/run/docker.sock >"$LOG_DIR/dockerd.log" 2>&1 &
  fi
  STARTED_DOCKERD_PID=$!
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then DOCKER_READY=1; return 0; fi
    kill -0 "$STARTED_DOCKERD_PID" 2>/dev/null || break
    sleep 1
  done
  tail -n 20 "$LOG_DIR/dockerd.log"
  return 1
}

# BuildKit when the client has it (buildx plugin, or a pre-23 client with built-in
# BuildKit); otherwise the classic builder, which the Dockerfile supports as well.
choose_builder() {
  BUILD_DOCKER=docker
  if docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=1
  else
    local major candidate
    major=$(docker version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)
    if [[ "${major:-99}" =~ ^[0-9]+$ && "$major" -lt 23 ]]; then
      export DOCKER_BUILDKIT=1
    else
      for candidate in /usr/bin/docker /usr/local/bin/docker; do
        [[ -x "$candidate" ]] || continue
        major=$("$candidate" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)
        if [[ "$major" =~ ^[0-9]+$ && "$major" -lt 23 ]]; then BUILD_DOCKER="$candidate"; export DOCKER_BUILDKIT=1; break; fi
      done
      [[ "$BUILD_DOCKER" == docker ]] && export DOCKER_BUILDKIT=0
    fi
  fi
  echo "[docker-test] builder: $BUILD_DOCKER ($([[ $DOCKER_BUILDKIT == 1 ]] && echo BuildKit || echo classic builder))"
}

ensure_compose() {
  if docker compose version >/dev/null 2>&1; then export DOCKER_COMPOSE="docker compose"; return 0; fi
  if ! command -v docker-compose >/dev/null; then
    log "no compose: installing docker-compose from apt"
    as_root apt-get install -y docker-compose >"$WORK/apt-compose.log" 2>&1 || tail -n 5 "$WORK/apt-compose.log"
  fi
  command -v docker-compose >/dev/null && export DOCKER_COMPOSE="docker-compose"
}

# The stack tests' registry and companion image: Debian's docker-registry and busybox-static.
ensure_stack_tools() {
  local need=()
  [[ -x /usr/bin/docker-registry ]] || need+=(docker-registry)
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || need+=(busybox-static)
  [[ ${#need[@]} -eq 0 ]] && return 0
  log "stack tests need ${need[*]}: installing from apt"
  # The registry package ships a service; the tests run their own instance instead.
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}"; } >"$WORK/apt-stack.log" 2>&1 || tail -n 5 "$WORK/apt-stack.log"
}

stage_certs() {
  shopt -s nullglob
  local existing=(certs/*.crt certs/*.pem) f
  if [[ ${#existing[@]} -eq 0 && -d "$CA_DIR" ]]; then
    for f in "$CA_DIR"/*.crt; do
      cp "$f" "certs/staged-$(basename "$f")"
      STAGED_CERTS+=("certs/staged-$(basename "$f")")
    done
    [[ ${#STAGED_CERTS[@]} -gt 0 ]] && echo "[docker-test] staged ${#STAGED_CERTS[@]} CA certificate(s) from $CA_DIR for the builder stage"
  fi
  shopt -u nullglob
}

human() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1000 / 1000 }'; }

build_image() {
  stage_certs
  local start end
  start=$(date +%s)
  if "$BUILD_DOCKER" build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" . >"$LOG_DIR/build.log" 2>&1; then
    end=$(date +%s)
    BUILD_SECONDS=$((end - start))
    IMAGE_BYTES=$(docker image inspect --format '{{.Size}}' "$IMAGE")
    pass "image $IMAGE built in ${BUILD_SECONDS} s, $(human "$IMAGE_BYTES")"
  else
    tail -n 60 "$LOG_DIR/build.log"
    fail "image build (log above)"
    return 1
  fi
}

# ---------------------------------------------------------------------------- tests
run_vitest() {
  local report="$WORK/vitest.json" files=() filter=()
  case "$MODE" in
    smoke) files=(tests/docker/image.docker.test.ts); filter=(-t 'non-root|healthy on /health|home page|validation') ;;
    integration) files=(tests/docker/image.docker.test.ts) ;;
    compose) files=(tests/docker/compose.docker.test.ts) ;;
    stack) files=(tests/docker/stack.docker.test.ts) ;;
    all) files=(tests/docker/image.docker.test.ts tests/docker/compose.docker.test.ts tests/docker/stack.docker.test.ts) ;;
  esac
  [[ -x node_modules/.bin/vitest ]] || npm ci --no-audit --no-fund >"$WORK/npm-ci.log" 2>&1
  log "running ${files[*]} against $IMAGE"
  # Registry storage kept between runs, dropped when it grows past a few image builds.
  local registry_dir="$LOG_DIR/registry"
  if [[ -d "$registry_dir" ]] && [[ $(du -sm "$registry_dir" 2>/dev/null | cut -f1) -gt 8000 ]]; then rm -rf "$registry_dir"; fi
  DOCKER_TEST_IMAGE="$IMAGE" STACK_REGISTRY_DIR="$registry_dir" timeout --kill-after=30 "${DOCKER_TEST_TIMEOUT:-1200}" \
    node_modules/.bin/vitest run --project docker "${files[@]}" "${filter[@]}" \
    --reporter=default --reporter=json --outputFile.json="$report"
  local vrc=$?
  if [[ ! -s "$report" ]]; then
    fail "vitest produced no report (exit $vrc)"
    return
  fi
  local counts
  counts=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // A suite that fails outside any test (import error, failed hook) still counts once.
    const failed = r.numFailedTests || (r.numFailedTestSuites > 0 ? 1 : 0);
    console.log(r.numPassedTests, failed, r.numPendingTests + r.numTodoTests);
  ' "$report")
  read -r p f s <<<"$counts"
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
  # (an if, not `[[ ]] &&`: a false test must not become the script's exit status)
  if [[ $vrc -ne 0 && $f -eq 0 ]]; then fail "vitest exited with $vrc"; fi
  return 0
}

log "mode: $MODE, image: $IMAGE, base: $BASE_IMAGE"
if ensure_docker; then
  pass "Docker daemon answers ($(docker version --format '{{.Server.Version}}'))"
else
  fail "no Docker daemon"
  exit 1
fi
choose_builder
if DOCKER="$BUILD_DOCKER" "$ROOT/scripts/docker/build-base-image.sh" "$BASE_IMAGE"; then
  pass "base image $BASE_IMAGE available"
else
  fail "base image $BASE_IMAGE"
  exit 1
fi
build_image || exit 1

if [[ "${DOCKER_COMPARE_SIZE:-0}" == 1 ]]; then
  if BUILD_DOCKER="$BUILD_DOCKER" BASE_IMAGE="$BASE_IMAGE" "$ROOT/scripts/docker/compare-image-size.sh" "$IMAGE"; then
    pass "single-stage comparison"
  else
    fail "single-stage comparison"
  fi
fi

[[ "$MODE" == build ]] && exit 0
if [[ "$MODE" == all || "$MODE" == compose ]]; then
  ensure_compose || true
  [[ -z "${DOCKER_COMPOSE:-}" ]] && echo "[docker-test] no compose command: the compose tests will report skipped"
fi
if [[ "$MODE" == all || "$MODE" == stack ]]; then
  ensure_stack_tools
  # The stack tests check that docker-compose v1 sees their project.
  [[ "$MODE" == stack ]] && { ensure_compose || true; }
fi
run_vitest
