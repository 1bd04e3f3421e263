#!/usr/bin/env bash
# `npm start`: set up (scripts/setup.sh, idempotent), then become the server. `exec`
# replaces this shell with node, so the SIGINT/SIGTERM npm forwards to its child reach the
# server itself, which stops its engines (no JVM or Chromium left behind) before it exits.
# Flags pass through: `npm start -- --port 9000`. STUDIO_SKIP_SETUP=1 skips the setup.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${STUDIO_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
# The allocator (jemalloc when installed): scripts/allocator.sh.
. scripts/allocator.sh
exec node bin/kroki-studio.js serve "$@"
