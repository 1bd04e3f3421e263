/**
 * The node process may run on a preloaded allocator (jemalloc, chosen by
 * scripts/allocator.sh or the container's environment): it returns the memory of ended
 * worker-thread engines to the system. The engines' own processes must not inherit it:
 * Chromium brings its own allocator and does not start under a preloaded one, and the JVM,
 * Python and TeX gain nothing from it.
 */
import { readFileSync } from 'node:fs';

/** Removes the library named by STUDIO_PRELOADED_ALLOCATOR from LD_PRELOAD, so children start without it. */
export function keepAllocatorToNode(env: NodeJS.ProcessEnv = process.env): void {
  const lib = env.STUDIO_PRELOADED_ALLOCATOR;
  if (!lib || env.LD_PRELOAD === undefined) return;
  // ld.so accepts colons and spaces between entries.
  const rest = env.LD_PRELOAD.split(/[:\s]+/).filter((entry) => entry !== '' && entry !== lib);
  if (rest.length > 0) env.LD_PRELOAD = rest.join(':');
  else delete env.LD_PRELOAD;
}

/** The allocator this process really runs on, read from its own mappings ("jemalloc", or "system"); null off Linux. */
export function allocatorInUse(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    return /libjemalloc/.test(readFileSync('/proc/self/maps', 'utf8')) ? 'jemalloc' : 'system';
  } catch {
    return null;
  }
}
