#!/usr/bin/env bash
# Builds a local stand-in for the Node base image (default node:20-bookworm-slim) when no
# registry can be reached: a Debian bookworm rootfs made with debootstrap, the host's Node
# and npm copied in at the same paths the official image uses, imported with
# `docker import` and tagged with the base image's name, so the Dockerfile stays unchanged.
#
# Usage: scripts/docker/build-base-image.sh [image-name]
#   BASE_IMAGE       image name to provide (default node:20-bookworm-slim)
#   DEBIAN_MIRROR    Debian mirror (default: the one the host's apt uses)
#   DEBIAN_SUITE     suite (default bookworm)
#   FORCE_REBUILD=1  rebuild even when the tag exists
#   DOCKER           docker client to use (default docker)
set -euo pipefail

IMAGE="${1:-${BASE_IMAGE:-node:20-bookworm-slim}}"
DOCKER="${DOCKER:-docker}"
SUITE="${DEBIAN_SUITE:-bookworm}"

log() { printf '[base-image] %s\n' "$*" >&2; }

if [[ "${FORCE_REBUILD:-0}" != 1 ]] && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE already present, nothing to do"
  exit 0
fi

# A real registry beats a stand-in: try a pull first, but do not wait long for it.
if [[ "${SKIP_PULL:-0}" != 1 ]] && timeout 60 "$DOCKER" pull "$IMAGE" >/dev/null 2>&1; then
  log "pulled $IMAGE from its registry"
  exit 0
fi
log "$IMAGE cannot be pulled: building a local stand-in"

host_mirror() {
  # First Debian (non-security) URI the host's apt uses, deb822 or one-line format.
  local files=(/etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  local f uri
  for f in "${files[@]}"; do
    [[ -r "$f" ]] || continue
    uri=$(grep -hoE '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?([[:space:]]|$)' "$f" \
      | grep -oE 'https?://[^[:space:]]+' | head -n1 || true)
    if [[ -n "$uri" ]]; then echo "${uri%/}"; return; fi
  done
  echo "http://deb.debian.org/debian"
}
MIRROR="${DEBIAN_MIRROR:-$(host_mirror)}"

if ! command -v debootstrap >/dev/null; then
  log "debootstrap missing: installing it from apt"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap; } >/dev/null 2>&1 || { log "could not install debootstrap"; exit 1; }
fi
NODE_BIN="$(readlink -f "$(command -v node)")"
NPM_DIR=""
for d in "$(dirname "$NODE_BIN")/../lib/node_modules/npm" /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm; do
  if [[ -f "$d/bin/npm-cli.js" ]]; then NPM_DIR="$(readlink -f "$d")"; break; fi
done
[[ -n "$NPM_DIR" ]] || { log "npm not found next to $NODE_BIN"; exit 1; }
log "node $("$NODE_BIN" --version) from $NODE_BIN, npm $(node "$NPM_DIR/bin/npm-cli.js" --version) from $NPM_DIR, mirror $MIRROR"

WORK="$(mktemp -d /tmp/base-image.XXXXXX)"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
ROOT="$WORK/rootfs"
CACHE="${DEBOOTSTRAP_CACHE:-/var/cache/kroki-studio-debootstrap}"
mkdir -p "$CACHE"

start=$(date +%s)
debootstrap --variant=minbase --cache-dir="$CACHE" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -n 30 "$WORK/debootstrap.log" >&2
  exit 1
}

# apt sources like the official image: main suite, updates and security.
security="${DEBIAN_SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}"
cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $security $SUITE-security main
SOURCES
# Keep images small, as the official slim images do.
cat >"$ROOT/etc/apt/apt.conf.d/90-slim" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT

# Node at the official image's paths (/usr/local/bin/node, /usr/local/lib/node_modules/npm).
install -D -m 0755 "$NODE_BIN" "$ROOT/usr/local/bin/node"
mkdir -p "$ROOT/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$ROOT/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
# The official image has user node (uid/gid 1000).
chroot "$ROOT" /usr/sbin/groupadd --gid 1000 node
chroot "$ROOT" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$ROOT" /usr/local/bin/node --version >/dev/null

rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/log/*.log \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/tmp/* "$ROOT"/proc/* "$ROOT"/sys/* "$ROOT"/dev/* 2>/dev/null || true

tar -C "$ROOT" --numeric-owner -c . | "$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_VERSION='"$("$NODE_BIN" --version | tr -d v)" \
  --change 'CMD ["node"]' \
  --message "local stand-in for $IMAGE (debootstrap $SUITE + host node)" \
  - "$IMAGE" >/dev/null
log "built $IMAGE in $(( $(date +%s) - start )) s"
