#!/usr/bin/env bash
# Builds the app twice, multi-stage (../../Dockerfile) and single-stage
# (Dockerfile.single-stage), and prints build times and image sizes as a Markdown table.
#
# Usage: scripts/docker/compare-image-size.sh [multi-stage-tag]
#   NO_CACHE=1     build both with --no-cache (cold numbers; the base image stays)
#   BUILD_DOCKER   docker client for builds (default docker; BuildKit via DOCKER_BUILDKIT)
#   BASE_IMAGE     base image build arg (default node:20-bookworm-slim)
# Extra CA certificates must already be in certs/ (scripts/test-docker.sh stages them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
MULTI="${1:-kroki-studio:latest}"
SINGLE="${MULTI%%:*}:single-stage"
BUILD_DOCKER="${BUILD_DOCKER:-docker}"
BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
flags=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
[[ "${NO_CACHE:-0}" == 1 ]] && flags+=(--no-cache)
log="${DOCKER_TEST_LOG_DIR:-.cache/docker-test}"
mkdir -p "$log"

timed_build() { # tag dockerfile -> prints seconds
  local start=$(date +%s)
  "$BUILD_DOCKER" build "${flags[@]}" -f "$2" -t "$1" . >"$log/build-$(echo "$1" | tr ':/' '__').log" 2>&1 || {
    tail -n 40 "$log/build-$(echo "$1" | tr ':/' '__').log" >&2
    return 1
  }
  echo $(($(date +%s) - start))
}
mb() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f", $1 / 1000 / 1000 }'; }

multi_s=$(timed_build "$MULTI" Dockerfile)
single_s=$(timed_build "$SINGLE" scripts/docker/Dockerfile.single-stage)
multi_mb=$(mb "$MULTI")
single_mb=$(mb "$SINGLE")
base_mb=$(mb "$BASE_IMAGE")
cache=$([[ "${NO_CACHE:-0}" == 1 ]] && echo "cold (--no-cache)" || echo "with layer cache")
echo
echo "| image | size | build time, $cache |"
echo "|---|---|---|"
echo "| $MULTI (multi-stage, Dockerfile) | $multi_mb MB | $multi_s s |"
echo "| $SINGLE (single stage) | $single_mb MB | $single_s s |"
echo "| $BASE_IMAGE (base) | $base_mb MB | |"
echo
echo "multi-stage saves $((single_mb - multi_mb)) MB ($(( (single_mb - multi_mb) * 100 / single_mb ))%) against a single stage"
