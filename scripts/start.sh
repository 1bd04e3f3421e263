#!/usr/bin/env bash
# `npm start`: set up (scripts/setup.sh, idempotent), then become the server. `exec`
# replaces this shell with node, so the SIGINT/SIGTERM npm forwards to its child reach the
# server itself, which stops its engines (no JVM or Chromium left behind) before it exits.
# Flags pass through: `npm start -- --port 9000`. STUDIO_SKIP_SETUP=1 skips the setup.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${STUDIO_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
# Two malloc arenas instead of glibc's eight per core: the worker-thread engines allocate
# from their own arenas, and those pages stay with the process after the idle stop ends the
# workers (docs/benchmarks.md, "What limits the targets"). glibc reads this only at start.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node bin/kroki-studio.js serve "$@"
