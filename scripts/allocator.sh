# Sourced (not run) by scripts/start.sh, and by the benchmark so that it runs the server as
# `npm start` does. Chooses the memory allocator of the node process, which glibc and the
# dynamic loader read only when a process starts.
#
# jemalloc (Debian's libjemalloc2) by default: the worker-thread engines free their heaps
# and WASM memories when the idle stop or the memory budget ends them, and jemalloc hands
# those pages back to the system within about a second, where glibc's malloc keeps most of
# them (docs/benchmarks.md, "what limits each target"). STUDIO_ALLOCATOR=system keeps glibc's,
# with two arenas instead of eight per core. The server drops the library from LD_PRELOAD
# for the engines' own processes (server/allocator.ts): Chromium has its own allocator.
if [ "${STUDIO_ALLOCATOR:-jemalloc}" = jemalloc ] && [ -z "${STUDIO_PRELOADED_ALLOCATOR:-}" ]; then
  for lib in /usr/lib/*-linux-gnu/libjemalloc.so.2 /usr/lib/libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2; do
    if [ -r "$lib" ]; then
      export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
      export STUDIO_PRELOADED_ALLOCATOR="$lib"
      # Purge freed pages after 1 s from a background thread instead of jemalloc's 10 s on
      # the next allocation, so an idle server shrinks without any request arriving.
      export MALLOC_CONF="${MALLOC_CONF:-background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0}"
      break
    fi
  done
fi
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
