import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allocatorInUse, keepAllocatorToNode } from '../../server/allocator.js';

const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';

describe('the allocator preloaded for node', () => {
  it('is removed from LD_PRELOAD for the engine processes, other preloads kept', () => {
    const env: NodeJS.ProcessEnv = { LD_PRELOAD: `/opt/a.so:${JEMALLOC} /opt/b.so`, STUDIO_PRELOADED_ALLOCATOR: JEMALLOC };
    keepAllocatorToNode(env);
    expect(env.LD_PRELOAD).toBe('/opt/a.so:/opt/b.so');
    const alone: NodeJS.ProcessEnv = { LD_PRELOAD: JEMALLOC, STUDIO_PRELOADED_ALLOCATOR: JEMALLOC };
    keepAllocatorToNode(alone);
    expect('LD_PRELOAD' in alone).toBe(false);
  });

  it("leaves a user's own LD_PRELOAD alone when Studio preloaded nothing", () => {
    const env: NodeJS.ProcessEnv = { LD_PRELOAD: JEMALLOC };
    keepAllocatorToNode(env);
    expect(env.LD_PRELOAD).toBe(JEMALLOC);
  });

  it.skipIf(!existsSync(JEMALLOC))('scripts/allocator.sh preloads jemalloc, and the process then runs on it', () => {
    const out = execFileSync(
      'bash',
      [
        '-c',
        '. scripts/allocator.sh && exec "$0" -e "$1"',
        process.execPath,
        'console.log(process.env.STUDIO_PRELOADED_ALLOCATOR, require("node:fs").readFileSync("/proc/self/maps","utf8").includes("libjemalloc"))',
      ],
      {
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe(`${JEMALLOC} true`);
    const system = execFileSync('bash', ['-c', '. scripts/allocator.sh && echo "${LD_PRELOAD:-none} $MALLOC_ARENA_MAX"'], {
      env: { PATH: process.env.PATH, STUDIO_ALLOCATOR: 'system' },
      encoding: 'utf8',
    });
    expect(system.trim()).toBe('none 2');
  });

  it('is told from the process mappings', () => {
    expect(['jemalloc', 'system', null]).toContain(allocatorInUse());
  });
});
