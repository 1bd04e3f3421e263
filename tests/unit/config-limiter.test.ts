import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, policyFor } from '../../server/config.js';
import { EngineBusyError } from '../../server/errors.js';
import { Limiter } from '../../server/runtimes/limiter.js';

describe('configuration', () => {
  it('has safe defaults', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.safeMode).toBe('secure');
    expect(c.krokiUrl).toBeNull();
    expect(c.maxUriLength).toBe(4096);
    expect(c.preload.has('browser')).toBe(false);
  });

  it.each([
    [{ STUDIO_PORT: 'eighty' }, 'STUDIO_PORT'],
    [{ STUDIO_PORT: '70000' }, 'STUDIO_PORT'],
    [{ KROKI_URL: 'not a url' }, 'KROKI_URL'],
    [{ KROKI_URL: 'ftp://x' }, 'KROKI_URL'],
    [{ KROKI_SAFE_MODE: 'paranoid' }, 'KROKI_SAFE_MODE'],
    [{ STUDIO_POLICY_MERMAID: 'sometimes' }, 'STUDIO_POLICY_MERMAID'],
    [{ STUDIO_PRELOAD: 'gpu' }, 'STUDIO_PRELOAD'],
    [{ STUDIO_CACHE_BYTES: '-1' }, 'STUDIO_CACHE_BYTES'],
    [{ KROKI_DISPLAY_EXCEPTION_DETAILS: 'maybe' }, 'KROKI_DISPLAY_EXCEPTION_DETAILS'],
    [{ STUDIO_JVM_HEAP: 'lots' }, 'STUDIO_JVM_HEAP'],
    [{ STUDIO_JVM_WARMUP: '-5' }, 'STUDIO_JVM_WARMUP'],
  ])('rejects %j naming the setting', (env, setting) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).setting).toBe(setting);
    expect((err as Error).message).toContain(setting);
  });

  it('reads the JVM options and warm-up length (settings the PlantUML folder declares, same variables)', () => {
    const c = loadConfig({ STUDIO_JVM_OPTIONS: '  -XX:TieredStopAtLevel=1   -Dfoo=bar ', STUDIO_JVM_WARMUP: '0' });
    expect(c.settings.STUDIO_JVM_OPTIONS).toEqual(['-XX:TieredStopAtLevel=1', '-Dfoo=bar']);
    expect(c.settings.STUDIO_JVM_WARMUP).toBe(0);
    expect(loadConfig({}).settings.STUDIO_JVM_OPTIONS).toEqual([]);
    expect(loadConfig({}).settings.STUDIO_JVM_WARMUP).toBe(800);
  });

  it('validates engine settings at start, naming the variable', () => {
    expect(() => loadConfig({ STUDIO_JVM_HEAP: 'lots' })).toThrow(/STUDIO_JVM_HEAP.*a size like 256m or 1g/);
    expect(() => loadConfig({ STUDIO_MERMAID_PAGES: '0' })).toThrow(/STUDIO_MERMAID_PAGES.*from 1 to 16/);
    expect(() => loadConfig({ STUDIO_PLANTUML_JAR: '/nowhere/plantuml.jar' })).toThrow(/STUDIO_PLANTUML_JAR: no file at/);
  });

  it('reads per-type policies and normalises the upstream URL', () => {
    const c = loadConfig({ STUDIO_POLICY_MERMAID: 'Upstream', KROKI_URL: 'http://127.0.0.1:8000/', STUDIO_PRELOAD: 'all' });
    expect(policyFor(c, 'mermaid')).toBe('upstream');
    expect(policyFor(c, 'graphviz')).toBe('auto');
    expect(c.krokiUrl).toBe('http://127.0.0.1:8000');
    expect([...c.preload].sort()).toEqual(['browser', 'command', 'in-process', 'jvm']);
  });
});

describe('limiter', () => {
  it('caps concurrency, queues a bounded number, and refuses the rest with 503', async () => {
    const l = new Limiter('x', 1, 1);
    let release!: () => void;
    const first = l.run(() => new Promise<string>((r) => (release = () => r('a'))));
    const second = l.run(async () => 'b');
    expect(l.running).toBe(1);
    expect(l.queued).toBe(1);
    await expect(l.run(async () => 'c')).rejects.toBeInstanceOf(EngineBusyError);
    release();
    expect(await first).toBe('a');
    expect(await second).toBe('b');
    expect(l.running).toBe(0);
  });

  it('drops a queued task whose signal aborts', async () => {
    const l = new Limiter('x', 1, 5);
    let release!: () => void;
    const first = l.run(() => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const queued = l.run(async () => 'never', ac.signal);
    ac.abort(new Error('gone'));
    await expect(queued).rejects.toThrow('gone');
    expect(l.queued).toBe(0);
    release();
    await first;
  });
});
