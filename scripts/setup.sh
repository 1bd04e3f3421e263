#!/usr/bin/env bash
# Idempotent setup for Debian/Ubuntu: the system packages the embedded engines need
# (Chromium, a JDK for the PlantUML worker, Go and Debian's bep/goat sources for the goat
# WASM program, fonts incl. CJK, Graphviz for PlantUML layouts and the benchmark, the
# blockdiag family's Python libraries, TeX Live for TikZ), then npm packages from the lock
# file, then the build.
# Safe to run again: it installs only what is missing and rebuilds only what changed
# (server and UI apart, against the stamps dist/.server-stamp and dist/.ui-stamp).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have chromium || [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
have java || need_pkgs+=(default-jdk-headless)
have javac || need_pkgs+=(default-jdk-headless)
have dot || need_pkgs+=(graphviz)
have go || need_pkgs+=(golang-go)
pkg_installed golang-github-bep-goat-dev || need_pkgs+=(golang-github-bep-goat-dev)
pkg_installed fonts-noto-cjk || need_pkgs+=(fonts-noto-cjk)
pkg_installed fonts-dejavu-core || need_pkgs+=(fonts-dejavu-core)
have make || need_pkgs+=(make)
# The node process's allocator (scripts/allocator.sh): gives ended engines' memory back.
pkg_installed libjemalloc2 || need_pkgs+=(libjemalloc2)
# The blockdiag engine's worker imports these from Debian's python3 (python3-nwdiag also
# ships packetdiag and rackdiag; reportlab, blockdiag's PDF backend, comes with them).
for pkg in python3-blockdiag python3-seqdiag python3-actdiag python3-nwdiag python3-reportlab; do
  pkg_installed "$pkg" || need_pkgs+=("$pkg")
done
# The TikZ engine: TeX Live's LaTeX with PGF/TikZ and the standalone class (and
# mylatexformat, which preloads them), its fonts, dvisvgm for SVG, pdftocairo for PNG/JPEG,
# and CJKutf8 with one Chinese font (Japanese kana included) for CJK labels.
for pkg in texlive-latex-base texlive-pictures texlive-latex-extra texlive-fonts-recommended dvisvgm poppler-utils \
  latex-cjk-common latex-cjk-chinese-arphic-gbsn00lp; do
  pkg_installed "$pkg" || need_pkgs+=("$pkg")
done

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if ! have apt-get; then
    echo "setup: missing ${need_pkgs[*]}; install them with your package manager (see README: other platforms)." >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${need_pkgs[*]} (apt's own lines follow: a slow mirror shows as slow downloads, not as a hang)"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
node_minor=$(node -p 'process.versions.node.split(".")[1]')
if [ "$node_major" -lt 20 ] || { [ "$node_major" -eq 20 ] && [ "$node_minor" -lt 19 ]; }; then
  echo "setup: Node >= 20.19 is required (found $(node --version))." >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Rebuild only what changed. A part is rebuilt when its output or its stamp is missing, or
# when a file it is built from is newer than the stamp. The stamp is taken before the
# build, so a file edited during a build is seen as changed next time.
stale() { # stamp output inputs...
  local stamp=$1 output=$2
  shift 2
  [ -f "$stamp" ] && [ -e "$output" ] || return 0
  [ -n "$(find "$@" -newer "$stamp" -print -quit 2>/dev/null)" ]
}
rebuilt=()
build() { # what stamp npm-script
  mkdir -p dist
  touch "$2.new"
  echo "setup: building the $1 (npm run $3)"
  npm run --silent "$3"
  mv "$2.new" "$2"
  rebuilt+=("the $1")
}
# The goat WASM program is built only where Go is: also when Go arrived after the last build.
# shared/ is compiled with the server (dist/shared) and bundled into the UI; an upgrade of
# Debian's goat sources rebuilds the goat program.
if stale dist/.server-stamp dist/server/cli.js server shared tsconfig*.json package.json package-lock.json scripts/build-java.mjs scripts/build-goat.mjs scripts/copy-assets.mjs /var/lib/dpkg/info/golang-github-bep-goat-dev.list ||
  { have go && [ ! -f dist/goat/goat.wasm ]; }; then
  build server dist/.server-stamp build:server
fi
if stale dist/.ui-stamp dist/ui/index.html src-renderer shared vite.config.ts package.json package-lock.json; then
  build UI dist/.ui-stamp build:ui
fi
if [ ${#rebuilt[@]} -gt 0 ]; then
  echo "setup: rebuilt ${rebuilt[0]}${rebuilt[1]:+ and ${rebuilt[1]}}"
else
  echo "setup: build up to date"
fi
