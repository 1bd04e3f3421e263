/**
 * The supervisor's rules with real child processes that misbehave on purpose
 * (tests/fixtures/desktop/flaky-child.mjs): a child that keeps dying is restarted with
 * pauses and then given up on with a message; a child that never answers ready fails the
 * start and is killed; a child that ignores shutdown is killed after the grace period.
 * The real server child has its own tests (tests/integration/desktop).
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeLauncher } from '../../../src-main/child-node.js';
import { ServerSupervisor } from '../../../src-main/supervisor.js';
import { alive, waitGone } from '../../helpers/processes.js';

const ENTRY = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'desktop', 'flaky-child.mjs');
const running: ServerSupervisor[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

function supervise(mode: string, options: Partial<ConstructorParameters<typeof ServerSupervisor>[0]> = {}) {
  const pids: number[] = [];
  const events: string[] = [];
  const launcher = nodeLauncher({ entry: ENTRY, env: { ...process.env, FLAKY_MODE: mode }, stdio: 'ignore' });
  const supervisor = new ServerSupervisor({
    launcher: {
      launch: () => {
        const child = launcher.launch();
        pids.push(child.pid!);
        return child;
      },
    },
    settings: () => ({ krokiUrl: null, safeMode: 'secure' }),
    restartDelaysMs: [20, 40],
    maxCrashes: 3,
    events: { crashed: (r) => events.push(`crashed: ${r}`), restarted: (r) => events.push(`restarted: ${r}`), failed: (r) => events.push(`failed: ${r}`) },
    ...options,
  });
  running.push(supervisor);
  return { supervisor, pids, events };
}

const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe('server supervisor', () => {
  it('restarts a child that keeps dying, then gives up and says why', async () => {
    const { supervisor, pids, events } = supervise('die');
    await supervisor.start();
    await until(() => supervisor.state === 'failed');
    expect(supervisor.state).toBe('failed');
    expect(pids).toHaveLength(4);
    expect(events.filter((e) => e.startsWith('crashed'))).toEqual(Array(4).fill('crashed: the server exited with code 3'));
    expect(events.filter((e) => e.startsWith('restarted'))).toHaveLength(3);
    expect(events.at(-1)).toBe('failed: the server exited with code 3; it died 4 times within 60 s, so it is not restarted');
    await expect(supervisor.ready()).rejects.toThrow('The embedded server is not running (the server exited with code 3).');
    expect(await waitGone(pids)).toEqual([]);
  });

  it('fails the start of a child that never answers, and kills it', async () => {
    const { supervisor, pids } = supervise('silent', { readyTimeoutMs: 300 });
    await expect(supervisor.start()).rejects.toThrow('the server did not start within 0.3 s');
    expect(await waitGone(pids)).toEqual([]);
  });

  it('kills a child that ignores shutdown once the grace period is over', async () => {
    const { supervisor, pids } = supervise('stubborn', { stopTimeoutMs: 300 });
    await supervisor.start();
    expect(alive(pids[0]!)).toBe(true);
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(await waitGone(pids)).toEqual([]);
    expect(supervisor.state).toBe('stopped');
  });
});
