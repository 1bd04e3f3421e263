/**
 * The runtime manager's own decisions (idle stop, memory budget, warm-up order) on
 * stand-in runtimes whose memory and state the test sets; real engines go through the
 * same manager in tests/integration/engines/conformance.int.test.ts.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineState } from '../../shared/api.js';
import { RenderActivity } from '../../server/runtimes/activity.js';
import { RuntimeManager, type ManagedRuntime } from '../../server/runtimes/manager.js';

class StandIn implements ManagedRuntime {
  current: EngineState = 'idle';
  starts = 0;
  stops = 0;
  bytes: number | null = 0;
  constructor(readonly id: string) {}
  state() {
    return this.current;
  }
  async start() {
    this.starts++;
    this.current = 'ready';
  }
  async stop() {
    this.stops++;
    this.current = 'stopped';
  }
  memoryBytes() {
    return this.bytes;
  }
}

const MB = 1024 * 1024;
const logger = pino({ level: 'silent' });

function manager(
  opts: { idleStopMs?: number; memoryBudgetBytes?: number; activity?: RenderActivity; measureTotal?: (enough: number) => Promise<number | null> } = {},
) {
  return new RuntimeManager({
    logger,
    activity: opts.activity ?? new RenderActivity(),
    idleStopMs: opts.idleStopMs ?? 0,
    memoryBudgetBytes: opts.memoryBudgetBytes ?? 0,
    checkEveryMs: 1000,
    ...(opts.measureTotal && { measureTotal: opts.measureTotal }),
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runtime manager', () => {
  it('starts a runtime once for all its users and draws the warm-up before ready only when started ahead', async () => {
    const activity = new RenderActivity();
    const m = manager({ activity });
    const jvm = new StandIn('jvm');
    const drawn: number[] = [];
    m.add({ id: 'a', warmUp: { beforeReady: 2, renders: 2, draw: async (i) => drawn.push(i) } }, jvm);
    m.add({ id: 'b' }, jvm);
    await Promise.all([m.ready('a', true), m.ready('b')]);
    expect(jvm.starts).toBe(1);
    expect(drawn).toEqual([0, 1]);
    expect(m.state('b')).toBe('ready');

    const other = new StandIn('other');
    let readyYet = false;
    const beforeReady: number[] = [];
    m.add({ id: 'c', warmUp: { beforeReady: 2, renders: 2, draw: async (i) => void (readyYet ? null : beforeReady.push(i)) } }, other);
    const rendering = activity.begin(); // the render that asked for the start
    await m.ready('c').then(() => (readyYet = true)); // that render is the first sample: nothing is drawn before it
    rendering();
    await vi.advanceTimersByTimeAsync(1000);
    expect(beforeReady).toEqual([]);
    await m.close();
  });

  it('stops a runtime unused for the idle time, and the next request starts it again', async () => {
    const m = manager({ idleStopMs: 60_000 });
    const rt = new StandIn('worker');
    m.add({ id: 'e' }, rt);
    await m.ready('e');
    m.begin('e')();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(rt.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(rt.stops).toBe(1);
    expect(m.status()[0]!.stops.idle).toBe(1);
    await m.ready('e');
    expect(rt.starts).toBe(2);
    expect(rt.state()).toBe('ready');
    await m.close();
  });

  it('counts a slow stop once: checks while the runtime is still stopping leave it alone', async () => {
    const m = manager({ idleStopMs: 1000 });
    const rt = new StandIn('slow');
    let finish = () => {};
    // Still 'ready' until the stop ends, as a worker whose termination waits for V8's compiler threads.
    rt.stop = () => {
      rt.stops++;
      return new Promise<void>((resolve) => {
        finish = () => {
          rt.current = 'stopped';
          resolve();
        };
      });
    };
    m.add({ id: 'e' }, rt);
    await m.ready('e');
    m.begin('e')();
    await vi.advanceTimersByTimeAsync(1_000); // the timer's check starts the stop
    const explicit = m.check(Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(3_000); // more timer checks during the stop
    finish();
    await explicit;
    expect(rt.stops).toBe(1);
    expect(m.status()[0]!.stops.idle).toBe(1);
    const closing = m.close();
    finish();
    await closing;
  });

  it('gives a runtime started ahead of need (never used yet) the whole idle time', async () => {
    const m = manager({ idleStopMs: 60_000 });
    const rt = new StandIn('preloaded');
    m.add({ id: 'e' }, rt);
    await m.ready('e', true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(rt.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(32_000);
    expect(rt.stops).toBe(1);
    await m.close();
  });

  it('never stops a runtime while a render runs on it', async () => {
    const m = manager({ idleStopMs: 1000 });
    const rt = new StandIn('busy');
    m.add({ id: 'e' }, rt);
    await m.ready('e');
    const end = m.begin('e');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rt.stops).toBe(0);
    end();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(rt.stops).toBe(1);
    await m.close();
  });

  it('over the memory budget, stops the least recently used idle runtimes first, never the one just started', async () => {
    const m = manager({ memoryBudgetBytes: 1000 * MB });
    const [a, b, c] = [new StandIn('a'), new StandIn('b'), new StandIn('c')];
    a.bytes = 400 * MB;
    b.bytes = 400 * MB;
    c.bytes = 400 * MB;
    m.add({ id: 'a' }, a);
    m.add({ id: 'b' }, b);
    m.add({ id: 'c' }, c);
    await m.ready('a');
    m.begin('a')();
    await vi.advanceTimersByTimeAsync(10);
    await m.ready('b');
    m.begin('b')();
    await vi.advanceTimersByTimeAsync(10);
    expect([a.stops, b.stops]).toEqual([0, 0]); // 800 MB: within the budget
    await m.ready('c'); // 1200 MB: `a` was used longest ago
    await vi.advanceTimersByTimeAsync(0);
    expect([a.stops, b.stops, c.stops]).toEqual([1, 0, 0]);
    expect(m.status().find((s) => s.id === 'a')!.stops.budget).toBe(1);
    await m.close();
  });

  it('weighs the whole server when it can be measured, checks again after renders, stops to 10% under, and waits for a stop to settle', async () => {
    // The server itself (its main thread, caches) holds 400 MB the runtimes do not report.
    let server = 400 * MB;
    const [a, b, c] = [new StandIn('a'), new StandIn('b'), new StandIn('c')];
    const asked: number[] = [];
    const measureTotal = async (enough: number) => {
      asked.push(enough);
      return server + [a, b, c].reduce((sum, r) => sum + (r.current === 'ready' ? r.bytes! : 0), 0);
    };
    const m = manager({ memoryBudgetBytes: 1000 * MB, measureTotal });
    for (const r of [a, b, c]) {
      r.bytes = 200 * MB;
      m.add({ id: r.id }, r);
      await m.ready(r.id);
      m.begin(r.id)();
      await vi.advanceTimersByTimeAsync(2_100);
    }
    expect([a.stops, b.stops, c.stops]).toEqual([0, 0, 0]); // 1000 MB: within the budget
    expect(new Set(asked)).toEqual(new Set([1000 * MB])); // a cheap bound within the budget will do
    // A render grows `c` (a WASM memory, say): the check after it stops the least recently used.
    c.bytes = 300 * MB;
    m.begin('c')();
    await vi.advanceTimersByTimeAsync(0);
    expect([a.stops, b.stops, c.stops]).toEqual([1, 0, 0]);
    // Memory not yet given back is not a reason to stop another right away.
    server = 600 * MB;
    await m.check();
    expect(b.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(2_100);
    await m.check();
    expect([a.stops, b.stops, c.stops]).toEqual([1, 1, 0]);
    await m.close();
  });

  it('over the budget, stops until 10% under it, not just under it', async () => {
    const m = manager({ memoryBudgetBytes: 1000 * MB });
    const sizes = { a: 50, b: 400, c: 400, d: 200 };
    const rts = Object.entries(sizes).map(([id, mb]) => Object.assign(new StandIn(id), { bytes: mb * MB }));
    for (const rt of rts) {
      m.add({ id: rt.id }, rt);
      await m.ready(rt.id);
      m.begin(rt.id)();
      await vi.advanceTimersByTimeAsync(10);
    }
    // 1050 MB once `d` started: stopping `a` alone would leave 1000, at the budget's edge.
    expect(rts.map((r) => r.stops)).toEqual([1, 1, 0, 0]);
    await m.close();
  });

  it("checks right after a runtime's first render, however recent the last check", async () => {
    const m = manager({ memoryBudgetBytes: 1000 * MB });
    const [a, b, c] = [new StandIn('a'), new StandIn('b'), new StandIn('c')];
    [a.bytes, b.bytes, c.bytes] = [400 * MB, 400 * MB, 0];
    for (const rt of [a, b, c]) m.add({ id: rt.id }, rt);
    await m.ready('a');
    await m.ready('b');
    m.begin('b')(); // a check now: 800 MB
    await m.ready('c');
    await vi.advanceTimersByTimeAsync(0); // the start's own check has run: 800 MB
    expect(a.stops).toBe(0);
    const end = m.begin('c');
    c.bytes = 400 * MB; // its first render opened a page, say
    end();
    await vi.advanceTimersByTimeAsync(0);
    expect([a.stops, b.stops, c.stops]).toEqual([1, 0, 0]);
    await m.close();
  });

  it('leaves runtimes whose memory cannot be told apart out of the budget', async () => {
    const m = manager({ memoryBudgetBytes: 1 });
    const threads = new StandIn('threads');
    threads.bytes = null;
    m.add({ id: 't' }, threads);
    await m.ready('t');
    await m.check();
    expect(threads.stops).toBe(0);
    await m.close();
  });

  it('a stop or crash means the next ready() warms the new process again', async () => {
    const m = manager();
    const rt = new StandIn('jvm');
    const drawn: number[] = [];
    m.add({ id: 'p', warmUp: { beforeReady: 1, renders: 1, draw: async (i) => drawn.push(i) } }, rt);
    await m.ready('p', true);
    rt.current = 'idle'; // crashed: the runtime says so
    await m.ready('p', true);
    expect(rt.starts).toBe(2);
    expect(drawn).toEqual([0, 0]);
    await m.close();
    expect(rt.state()).toBe('stopped');
  });
});

describe('runtime manager warm-up', () => {
  it('goes on past a sample the engine refuses (4xx) and stops when the runtime breaks', async () => {
    vi.useRealTimers();
    const { DiagramSyntaxError, EngineCrashedError } = await import('../../server/errors.js');
    const m = manager();
    const rt = new StandIn('jvm');
    const drawn: number[] = [];
    m.add(
      {
        id: 'p',
        warmUp: {
          beforeReady: 0,
          renders: 10,
          draw: async (i) => {
            drawn.push(i);
            if (i === 2) throw new DiagramSyntaxError('no text form of this diagram');
            if (i === 5) throw new EngineCrashedError('the JVM died');
          },
        },
      },
      rt,
    );
    await m.ready('p');
    await m.whenWarm('p');
    expect(drawn).toEqual([0, 1, 2, 3, 4, 5]);
    await m.close();
  });
});

describe('runtime manager shutdown', () => {
  it('starts nothing once closed', async () => {
    vi.useRealTimers();
    const m = manager();
    const rt = new StandIn('late');
    m.add({ id: 'l' }, rt);
    await m.close();
    await expect(m.ready('l')).rejects.toThrow(/shutting down/);
    expect(rt.starts).toBe(0);
  });
});
