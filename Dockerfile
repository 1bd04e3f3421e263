# Kroki Studio: the headless server (web UI + Kroki-compatible API on :8080).
#
# Two stages: `builder` installs every dependency, builds (TypeScript, Java worker, UI)
# and prunes to production dependencies; `runtime` holds only what the embedded engines
# need at run time (Chromium, a Java runtime, fonts incl. CJK, tini) plus the built app.
#
# Build:  docker build -t kroki-studio .
# Images are build arguments so a mirror or a locally built base can stand in
# (scripts/docker/build-base-image.sh builds one when no registry is reachable).
ARG BASE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_BASE_IMAGE=${BASE_IMAGE}

# ---------------------------------------------------------------------------- builder
FROM ${BASE_IMAGE} AS builder

# javac compiles the PlantUML worker class (dist/jvm); Go builds bep/goat from Debian's
# golang-github-bep-goat-dev into the goat engine's WASM program (dist/goat), offline
# (GOPATH mode). The man folder must exist or the JDK's postinst fails on slim images that
# strip /usr/share/man.
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless golang-go golang-github-bep-goat-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /build
ENV PUPPETEER_SKIP_DOWNLOAD=1 \
    npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false

# Networks that intercept TLS: put their CA certificates (*.crt / *.pem) in certs/.
# They are used by npm in this stage only; the runtime stage never copies them.
COPY certs/ /tmp/certs/
RUN find /tmp/certs -maxdepth 1 -type f \( -name '*.crt' -o -name '*.pem' \) -exec cat {} + > /tmp/extra-ca.pem

COPY package.json package-lock.json ./
RUN if [ -s /tmp/extra-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; fi \
 && npm ci --no-audit --no-fund

COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/.cache

# ---------------------------------------------------------------------------- runtime
FROM ${RUNTIME_BASE_IMAGE} AS runtime

# Chromium renders Mermaid/BPMN/Excalidraw; the JRE runs PlantUML; the python3-* packages
# are the blockdiag family (python3-nwdiag ships packetdiag and rackdiag; reportlab draws
# their PDF); TeX Live (LaTeX, PGF/TikZ, standalone and mylatexformat from latex-extra,
# fonts, CJKutf8 with a Chinese font), dvisvgm and poppler-utils are the TikZ engine;
# Noto CJK and DejaVu cover CJK and Latin labels; tini forwards SIGTERM and reaps
# Chromium's children.
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      chromium \
      openjdk-17-jre-headless \
      python3-blockdiag \
      python3-seqdiag \
      python3-actdiag \
      python3-nwdiag \
      python3-reportlab \
      texlive-latex-base \
      texlive-pictures \
      texlive-latex-extra \
      texlive-fonts-recommended \
      latex-cjk-common \
      latex-cjk-chinese-arphic-gbsn00lp \
      dvisvgm \
      poppler-utils \
      fonts-noto-cjk \
      fonts-dejavu-core \
      tini \
      libjemalloc2 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/* /usr/share/man/* \
 && ln -s "$(ls /usr/lib/*-linux-gnu/libjemalloc.so.2 | head -n 1)" /usr/local/lib/libjemalloc.so.2 \
 && groupadd --system --gid 10001 studio \
 && useradd --system --uid 10001 --gid studio --create-home --home-dir /home/studio --shell /usr/sbin/nologin studio

WORKDIR /app
# Owned by root and read-only for the app user: the process can write only to its home and /tmp.
COPY --from=builder /build/package.json /build/package-lock.json ./
COPY --from=builder /build/node_modules ./node_modules
COPY --from=builder /build/dist ./dist
COPY --from=builder /build/bin ./bin
COPY scripts/docker/healthcheck.mjs ./scripts/docker/healthcheck.mjs

# Every setting can be changed at run time (docker run -e / compose environment).
# jemalloc for node as in `npm start` (scripts/allocator.sh, which explains why); the
# server keeps it from the engines' processes (server/allocator.ts).
ENV NODE_ENV=production \
    LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 \
    STUDIO_PRELOADED_ALLOCATOR=/usr/local/lib/libjemalloc.so.2 \
    MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0 \
    MALLOC_ARENA_MAX=2 \
    STUDIO_HOST=0.0.0.0 \
    STUDIO_PORT=8080 \
    STUDIO_CHROMIUM_PATH=/usr/bin/chromium \
    STUDIO_JAVA_PATH=/usr/bin/java \
    STUDIO_PYTHON_PATH=/usr/bin/python3 \
    KROKI_SAFE_MODE=secure

USER studio:studio
EXPOSE 8080

# healthy or degraded (upstream Kroki down, local engines fine) counts as healthy for
# Docker: restarting the app would not bring the upstream back.
HEALTHCHECK --interval=10s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "/app/scripts/docker/healthcheck.mjs"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "/app/bin/kroki-studio.js", "serve"]
