/**
 * The stack's pure parts: the compose reader (keys, line numbers of unknown keys, value
 * checks), interpolation with `.env`, profiles, dependency order, labels and config hash.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration, parseSize, parseStack, readStackFile, StackFileError } from '../../server/stack/file.js';
import { InterpolationError, interpolate } from '../../server/stack/interpolate.js';
import { LABEL, configHash, containerOptions, planStack, startOrder } from '../../server/stack/project.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const parse = (text: string, env: Record<string, string> = {}) => parseStack(text, { label: 'test.yml', dir: '/tmp/proj', env });
const failure = (fn: () => unknown): StackFileError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StackFileError) return err;
    throw err;
  }
  throw new Error('expected a StackFileError');
};

describe('interpolate', () => {
  const env = { SET: 'value', EMPTY: '', PORT: '8000' };
  it.each([
    ['plain', 'plain'],
    ['$SET and ${SET}', 'value and value'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-fallback}', 'fallback'],
    ['${SET:+other}', 'other'],
    ['${UNSET:+other}', ''],
    ['${UNSET:-${PORT}}', '8000'],
    ['${UNSET:-a ${UNSET2:-b} c}', 'a b c'],
    ['$$SET', '$SET'],
    ['cost: 5$', 'cost: 5$'],
    ['127.0.0.1:${PORT:-9}:8000', '127.0.0.1:8000:8000'],
  ])('%s', (text, want) => {
    expect(interpolate(text, env)).toBe(want);
  });
  it('refuses a required variable that is not set, with its message', () => {
    expect(() => interpolate('${NEEDED:?set NEEDED to the image}', env)).toThrow(/required variable NEEDED is not set: set NEEDED to the image/);
    expect(() => interpolate('${EMPTY:?}', env)).toThrow(/EMPTY is empty/);
  });
  it('refuses broken syntax', () => {
    expect(() => interpolate('${SET', env)).toThrow(InterpolationError);
    expect(() => interpolate('${1abc}', env)).toThrow(/invalid variable name/);
    expect(() => interpolate('${SET!x}', env)).toThrow(/expected :-/);
  });
});

describe('stack file reader', () => {
  it('reads the built-in stack: Kroki alone by default, companions by profile, ports on 127.0.0.1', () => {
    const file = readStackFile(undefined, { env: {} });
    expect(file.file).toBe('built-in');
    expect(Object.keys(file.services).sort()).toEqual(['bpmn', 'diagramsnet', 'excalidraw', 'kroki', 'mermaid']);
    const plain = planStack(file, { env: {} });
    expect(plain.project).toBe('kroki-studio');
    expect(plain.services.map((s) => s.name)).toEqual(['kroki']);
    expect(plain.kroki).toEqual({ service: 'kroki', port: 8000 });
    expect(plain.services[0]!.ports).toEqual([{ hostIp: '127.0.0.1', hostPort: '8000', containerPort: 8000, protocol: 'tcp' }]);
    // The anchor's timing reached the healthcheck through the << merge.
    expect(plain.services[0]!.healthcheck).toMatchObject({ intervalMs: 5000, timeoutMs: 5000, retries: 10, startPeriodMs: 60_000 });
    const all = planStack(file, { profiles: ['companions'], env: {} });
    expect(all.services.map((s) => s.name).sort()).toEqual(['bpmn', 'diagramsnet', 'excalidraw', 'kroki', 'mermaid']);
    expect(all.networks.find((n) => n.key === 'companions')).toMatchObject({ name: 'kroki-studio_companions', spec: { internal: true } });
    expect(planStack(file, { profiles: ['mermaid'], env: {} }).services.map((s) => s.name)).toEqual(['kroki', 'mermaid']);
  });

  it('takes image and port variables from the environment', () => {
    const file = readStackFile(undefined, { env: { KROKI_IMAGE: 'mirror.example/kroki:1', STUDIO_STACK_KROKI_PORT: '18000' } });
    expect(file.services.kroki!.image).toBe('mirror.example/kroki:1');
    expect(file.services.kroki!.ports[0]!.hostPort).toBe('18000');
  });

  it("reads the project's own docker-compose.yml (build, anchors, x- keys, conditions, internal networks)", () => {
    const file = readStackFile(path.join(ROOT, 'docker-compose.yml'), { env: { HEALTHCHECK_INTERVAL: '3s' } });
    expect(file.services.app!.build).toBe(true);
    expect(file.services.app!.dependsOn).toEqual([{ service: 'kroki', condition: 'service_healthy', required: true }]);
    expect(file.services.app!.shmSizeBytes).toBe(256 * 1024 * 1024);
    expect(file.services.kroki!.tmpfs).toEqual({ '/tmp': 'exec' });
    expect(file.services.kroki!.healthcheck!.intervalMs).toBe(3000);
    expect(file.networks.backend).toMatchObject({ internal: true });
    const plan = planStack(file, { env: {} });
    expect(plan.project).toBe(
      path
        .basename(ROOT)
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, ''),
    );
    expect(plan.services.map((s) => s.name)).toEqual(['mermaid', 'kroki', 'app']);
  });

  it('names an unknown key with its line and path', () => {
    const err = failure(() => parse('services:\n  kroki:\n    image: k\n    privileged: true\n'));
    expect(err.line).toBe(4);
    expect(err.message).toMatch(/^test\.yml:4: unknown key "services\.kroki\.privileged"/);
    expect(err.message).toMatch(/supports image, build, environment/);
    expect(failure(() => parse('services:\n  a:\n    image: a\nvolumes:\n  data: {}\n')).message).toMatch(/^test\.yml:4: unknown key "volumes"/);
    expect(failure(() => parse('services:\n  a:\n    image: a\n    healthcheck:\n      test: ["CMD", "true"]\n      intervl: 5s\n')).message).toMatch(
      /:6: unknown key "services\.a\.healthcheck\.intervl"/,
    );
    // Keys merged in from an anchor are checked too.
    expect(failure(() => parse('x-base: &base\n  cpus: 2\nservices:\n  a:\n    image: a\n    <<: *base\n')).message).toMatch(
      /:2: unknown key "services\.a\.cpus"/,
    );
    // x- keys are extensions, as in compose.
    expect(parse('x-note: 1\nservices:\n  a:\n    image: a\n    x-mine: yes\n').services.a!.image).toBe('a');
  });

  it('refuses bad values with their line', () => {
    expect(failure(() => parse('services:\n  a:\n    image: a\n    ports: ["80-90:80-90"]\n')).message).toMatch(/:4: .*port ranges are not supported/);
    expect(failure(() => parse('services:\n  a:\n    image: a\n    shm_size: lots\n')).message).toMatch(/:4: services\.a\.shm_size: "lots" is not a size/);
    expect(failure(() => parse('services:\n  a:\n    image: a\n    restart: sometimes\n')).message).toMatch(/restart: expected no, always/);
    expect(failure(() => parse('services:\n  a:\n    image: a\n    depends_on: [b]\n')).message).toMatch(/depends on undefined service "b"/);
    expect(failure(() => parse('services:\n  a:\n    image: a\n    networks: [nope]\n')).message).toMatch(/network "nope", which the top-level/);
    expect(failure(() => parse('services:\n  a:\n    build: .\n')).message).toMatch(/has no image \(Studio does not build images/);
    expect(failure(() => parse('services:\n  a: [1]\n')).message).toMatch(/service "a" must be a map/);
    expect(failure(() => parse('services:\n  a:\n    image: "${IMG:?name the image}"\n')).message).toMatch(/^test\.yml:3: required variable IMG is not set/);
    expect(failure(() => parse('services:\n  a:\n    image: a\n  a:\n    image: b\n')).message).toMatch(
      /^test\.yml:4: not valid YAML: Map keys must be unique/,
    );
    expect(failure(() => parse('services: [')).message).toMatch(/not valid YAML/);
    expect(failure(() => parse('- a\n')).message).toMatch(/a stack file is a map/);
  });

  it('reads ports, expose, environment, healthcheck forms, durations and sizes', () => {
    const file = parse(
      [
        'services:',
        '  a:',
        '    image: a',
        '    ports: ["8000", "9000:80", "0.0.0.0:9001:81/udp", "[::1]:9002:82", {target: 83, published: 9003, host_ip: 127.0.0.2}]',
        '    expose: [8002, "8003/udp"]',
        '    environment: ["A=1", "B=x=y"]',
        '    healthcheck: {test: "curl -f localhost", interval: 1m30s, retries: "4"}',
        '    stop_grace_period: 1500ms',
        '  b:',
        '    image: b',
        '    environment: {N: 5, T: true}',
        '    healthcheck: {disable: true}',
      ].join('\n'),
    );
    const a = file.services.a!;
    expect(a.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: '', containerPort: 8000, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: '9000', containerPort: 80, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: '9001', containerPort: 81, protocol: 'udp' },
      { hostIp: '::1', hostPort: '9002', containerPort: 82, protocol: 'tcp' },
      { hostIp: '127.0.0.2', hostPort: '9003', containerPort: 83, protocol: 'tcp' },
    ]);
    expect(a.expose).toEqual(['8002/tcp', '8003/udp']);
    expect(a.environment).toEqual({ A: '1', B: 'x=y' });
    expect(a.healthcheck).toEqual({ test: ['CMD-SHELL', 'curl -f localhost'], intervalMs: 90_000, retries: 4 });
    expect(a.stopGraceSeconds).toBe(2);
    expect(file.services.b!.environment).toEqual({ N: '5', T: 'true' });
    expect(file.services.b!.healthcheck).toEqual({ test: ['NONE'] });
    expect(parseDuration('1h2m3s')).toBe(3_723_000);
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration('soon')).toBeNull();
    expect(parseSize('64mb')).toBe(64 * 1024 * 1024);
    expect(parseSize('1g')).toBe(1024 ** 3);
    expect(parseSize('512')).toBe(512);
  });

  describe('.env beside the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stack-env-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('fills variables, and the environment wins over it', () => {
      writeFileSync(path.join(dir, '.env'), '# comment\nIMG=from-dotenv:1\nPORT="9100"\n');
      writeFileSync(path.join(dir, 'stack.yml'), 'services:\n  a:\n    image: ${IMG}\n    ports: ["${PORT:-1}:80"]\n');
      const fromFile = readStackFile(path.join(dir, 'stack.yml'), { env: {} });
      expect(fromFile.services.a!.image).toBe('from-dotenv:1');
      expect(fromFile.services.a!.ports[0]!.hostPort).toBe('9100');
      expect(readStackFile(path.join(dir, 'stack.yml'), { env: { IMG: 'from-env:2' } }).services.a!.image).toBe('from-env:2');
    });
    it('a missing file is a clear error', () => {
      expect(() => readStackFile(path.join(dir, 'nope.yml'))).toThrow(/stack file .*nope\.yml does not exist/);
    });
  });
});

describe('stack plan', () => {
  const file = () =>
    parse(
      [
        'name: demo',
        'services:',
        '  app: {image: app, depends_on: {api: {condition: service_healthy}}, networks: [front, back]}',
        '  api: {image: api, depends_on: [db, cache]}',
        '  db: {image: db, networks: [back]}',
        '  cache: {image: cache, profiles: [fast]}',
        '  extra: {image: extra, profiles: [more], depends_on: {cache: {condition: service_started, required: false}}}',
        'networks: {front: {}, back: {internal: true}}',
      ].join('\n'),
    );

  it('starts dependencies first and needs the profiles of required ones', () => {
    expect(() => planStack(file(), { env: {} })).toThrow(/service "api" depends on "cache", which is only in profile fast: add --profile fast/);
    const plan = planStack(file(), { profiles: ['fast'], env: {} });
    expect(plan.project).toBe('demo');
    expect(plan.services.map((s) => s.name)).toEqual(['db', 'cache', 'api', 'app']);
    expect(plan.networks.map((n) => n.name).sort()).toEqual(['demo_back', 'demo_default', 'demo_front']);
    // An optional dependency outside the enabled profiles is dropped.
    expect(planStack(file(), { profiles: ['fast', 'more'], env: {} }).services.find((s) => s.name === 'extra')!.dependsOn).toHaveLength(1);
    expect(planStack(file(), { profiles: ['more', 'fast'], project: 'other', env: {} }).project).toBe('other');
    expect(() => planStack(file(), { profiles: ['nope'], env: {} })).toThrow(/no service in test\.yml has profile "nope" \(its profiles: fast, more\)/);
    expect(() => planStack(file(), { project: 'Bad Name', env: {} })).toThrow(/invalid project name/);
  });

  it('finds a dependency cycle', () => {
    const cyclic = parse('services:\n  a: {image: a, depends_on: [b]}\n  b: {image: b, depends_on: [c]}\n  c: {image: c, depends_on: [a]}\n');
    expect(() => startOrder(Object.values(cyclic.services))).toThrow(/dependency cycle: a -> b -> c -> a/);
  });

  it("writes compose's labels and a config hash that follows the settings, not their order", () => {
    const plan = planStack(file(), { profiles: ['fast'], env: {} });
    const app = plan.services.find((s) => s.name === 'app')!;
    const options = containerOptions(plan, app);
    expect(options.name).toBe('demo-app-1');
    expect(options.Labels).toMatchObject({
      [LABEL.project]: 'demo',
      [LABEL.service]: 'app',
      [LABEL.number]: '1',
      [LABEL.oneoff]: 'False',
      [LABEL.workingDir]: '/tmp/proj',
      [LABEL.configFiles]: 'test.yml',
    });
    expect(options.Labels![LABEL.hash]).toMatch(/^[0-9a-f]{64}$/);
    expect(options.HostConfig!.NetworkMode).toBe('demo_front');
    expect(options.NetworkingConfig!.EndpointsConfig!.demo_front!.Aliases).toEqual(['app']);
    // The same service in another key order hashes the same; a changed setting does not.
    expect(configHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(configHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    const changed = { ...app, environment: { X: '1' } };
    expect(containerOptions(plan, changed).Labels![LABEL.hash]).not.toBe(options.Labels![LABEL.hash]);
    expect(containerOptions(plan, { ...app }).Labels![LABEL.hash]).toBe(options.Labels![LABEL.hash]);
  });

  it('puts the healthcheck in nanoseconds and restart policies as Docker names them', () => {
    const plan = planStack(parse('services:\n  a: {image: a, restart: "on-failure:3", healthcheck: {test: [CMD, "true"], interval: 2s, start_period: 1s}}\n'), {
      env: {},
    });
    const options = containerOptions(plan, plan.services[0]!);
    expect(options.Healthcheck).toEqual({ Test: ['CMD', 'true'], Interval: 2e9, StartPeriod: 1e9 });
    expect(options.HostConfig!.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
  });
});
