// @vitest-environment happy-dom
/**
 * The Stack panel's store with a scripted stack transport: how pull events become
 * progress bars (bytes, layers that already exist, image-wide lines), what start and
 * stop do with the answers and errors, and the engine list reloading when the upstream
 * switches. The real transport, server and Docker are covered by tests/docker.
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EnginesResponse } from '../../../shared/api';
import type { StackStatus } from '../../../shared/stack';
import { setStudioApi } from '../../../src-renderer/services/api';
import type { StackApi, StackEventHandlers, StudioApi } from '../../../src-renderer/services/StudioApi';
import { useStackStore } from '../../../src-renderer/stores/stack';

const status = (over: Partial<StackStatus> = {}): StackStatus => ({
  state: 'down',
  project: 'kroki-studio',
  file: 'built-in',
  profiles: [],
  services: [],
  krokiUrl: null,
  types: [],
  docker: { available: true },
  error: null,
  ...over,
});

class ScriptedStack implements StackApi {
  handlers: StackEventHandlers = {};
  upResult: StackStatus | Error = status({ state: 'up', krokiUrl: 'http://127.0.0.1:8000', types: ['umlet'] });
  async status() {
    return status();
  }
  async up() {
    if (this.upResult instanceof Error) throw this.upResult;
    return this.upResult;
  }
  async down() {
    return status({ services: [{ name: 'kroki', image: 'k', state: 'removed', ports: [] }] });
  }
  async logs() {
    return 'kroki | listening\n';
  }
  events(handlers: StackEventHandlers) {
    this.handlers = handlers;
    return () => (this.handlers = {});
  }
}

let stack: ScriptedStack;
let engineLoads = 0;
beforeEach(() => {
  stack = new ScriptedStack();
  engineLoads = 0;
  const api: StudioApi = {
    render: () => Promise.reject(new Error('unused')),
    engines: async (): Promise<EnginesResponse> => {
      engineLoads++;
      return { upstream: { url: null }, safeMode: 'secure', types: [] };
    },
    serverInfo: async () => ({ maxUriLength: 4096, version: '1', upstream: null, baseUrl: 'http://s/' }),
    health: () => Promise.reject(new Error('unused')),
    stack,
  };
  setStudioApi(api);
  setActivePinia(createPinia());
});

describe('stack store', () => {
  it('turns pull events into one bar per layer', async () => {
    const store = useStackStore();
    await store.connect();
    const image = 'yuzutech/kroki:0.32.1';
    const send = (layer: string, s: string, current?: number, total?: number) =>
      stack.handlers.progress!({ service: 'kroki', image, layer, status: s, ...(current !== undefined && { current }), ...(total !== undefined && { total }) });
    send(image, 'Pulling from yuzutech/kroki');
    send('aaa', 'Pulling fs layer');
    send('aaa', 'Downloading', 100, 1000);
    send('aaa', 'Downloading', 600, 1000);
    send('bbb', 'Already exists');
    expect(store.progress.map((l) => [l.layer, l.status, l.current, l.total, l.done])).toEqual([
      ['aaa', 'Downloading', 600, 1000, false],
      ['bbb', 'Already exists', 0, null, true],
    ]);
    send('aaa', 'Extracting', 50, 1000);
    send('aaa', 'Pull complete');
    expect(store.layers['kroki/aaa']).toMatchObject({ status: 'Pull complete', current: 1000, total: 1000, done: true });
  });

  it('start keeps the answer, reloads the engine list when the upstream switches, and fetches the log', async () => {
    const store = useStackStore();
    await store.connect();
    await store.start();
    expect(store.status).toMatchObject({ state: 'up', types: ['umlet'] });
    expect(store.running).toBe(true);
    expect(store.logs).toBe('kroki | listening\n');
    expect(engineLoads).toBe(1);
    await store.halt();
    expect(store.status!.services[0]!.state).toBe('removed');
    expect(engineLoads).toBe(2);
  });

  it("a failed start shows the server's message and the status it left", async () => {
    stack.upResult = new Error('port 127.0.0.1:8000 (service kroki) is already in use by pid 42 (nginx)');
    const store = useStackStore();
    await store.start();
    expect(store.error).toMatch(/already in use by pid 42/);
    expect(store.busy).toBeNull();
    expect(store.status!.state).toBe('down');
  });

  it('status events from the server replace the status', async () => {
    const store = useStackStore();
    await store.connect();
    stack.handlers.status!(status({ state: 'starting' }));
    expect(store.status!.state).toBe('starting');
    store.disconnect();
    expect(store.listening).toBe(false);
  });
});
