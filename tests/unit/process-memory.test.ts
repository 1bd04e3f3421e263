import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processTreeBytes, serverTreeBytes } from '../../server/runtimes/process-memory.js';

const MB = 1024 * 1024;

describe.skipIf(process.platform !== 'linux')('process memory from /proc', () => {
  it('counts a process and its children, sync (PSS) and for the whole server (own RSS + children)', async () => {
    const own = processTreeBytes(process.pid)!;
    expect(own).toBeGreaterThan(10 * MB);
    // A child holding ~60 MB shows up in both totals.
    const child = spawn(process.execPath, ['-e', 'const b = Buffer.alloc(60 * 1024 * 1024, 1); setInterval(() => b[0]++, 1000);'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && (processTreeBytes(child.pid) ?? 0) < 60 * MB; i++) await new Promise((r) => setTimeout(r, 100));
      expect(processTreeBytes(child.pid)!).toBeGreaterThan(60 * MB);
      expect(processTreeBytes(process.pid)!).toBeGreaterThan(own + 50 * MB);
      const exact = (await serverTreeBytes())!;
      expect(exact).toBeGreaterThan(process.memoryUsage.rss() + 50 * MB);
      // Within a generous bound the cheap RSS total answers: never below the PSS one.
      const bound = (await serverTreeBytes(100 * 1024 * MB))!;
      expect(bound).toBeGreaterThanOrEqual(exact - 5 * MB);
      expect(bound).toBeLessThan(100 * 1024 * MB);
    } finally {
      child.kill('SIGKILL');
    }
    expect(processTreeBytes(null)).toBeNull();
  });
});
