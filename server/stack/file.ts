/**
 * The stack file reader: the subset of the compose format that Studio's stack files and
 * the project's own docker-compose.yml use, read with `yaml` (anchors and `<<` merges
 * included), interpolated like compose (`.env` beside the file, then the environment
 * winning over it), and checked key by key: any other key is refused with its line, so a
 * setting Studio would silently ignore never looks as if it worked. Nothing here talks to
 * Docker; the controller turns the result into containers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import { assetPath } from '../paths.js';
import { StackFileError } from './errors.js';
import { InterpolationError, interpolate } from './interpolate.js';

/** The stack shipped with Studio: Kroki, and its companions by profile. */
export const BUILT_IN_STACK = assetPath(import.meta.url, 'kroki-stack.yml');

export { StackFileError };

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface PortSpec {
  /** 127.0.0.1 unless the file names an address. */
  hostIp: string;
  /** Empty: Docker picks a free port. */
  hostPort: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface HealthSpec {
  /** Docker's form: ['CMD', ...], ['CMD-SHELL', '...'] or ['NONE']. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
  startIntervalMs?: number;
}

export interface ServiceSpec {
  name: string;
  image: string;
  /** The file has a build section (Studio does not build; the image must exist or be pullable). */
  build: boolean;
  environment: Record<string, string>;
  ports: PortSpec[];
  /** Container ports exposed to the stack's networks only, as `8002/tcp`. */
  expose: string[];
  /** The networks by their key in the file, with extra aliases; empty means the project's default network. */
  networks: Array<{ name: string; aliases: string[] }>;
  /** null: the image's own HEALTHCHECK (if any). */
  healthcheck: HealthSpec | null;
  dependsOn: Array<{ service: string; condition: DependsCondition; required: boolean }>;
  restart: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  restartMaxRetries?: number;
  profiles: string[];
  shmSizeBytes?: number;
  /** Mount point → options (`/tmp` → `exec`). */
  tmpfs: Record<string, string>;
  labels: Record<string, string>;
  stopGraceSeconds?: number;
  /** Where the service is defined, for messages. */
  line: number;
}

export interface NetworkSpec {
  key: string;
  /** The Docker name: `name:` from the file, else `<project>_<key>` (decided by the controller). */
  name?: string;
  driver: string;
  internal: boolean;
  external: boolean;
  labels: Record<string, string>;
}

export interface StackFile {
  /** The path, or `built-in`. */
  file: string;
  /** The folder the file is in (compose's project directory). */
  dir: string;
  /** Top-level `name:`, if any. */
  name?: string;
  services: Record<string, ServiceSpec>;
  networks: Record<string, NetworkSpec>;
}

// ---- which keys are allowed where ----------------------------------------------------
// `true`: any value; an object: a map with those keys; `'*'`: a map of names to that
// shape (or a plain list of names); `'[]'`: a list whose map items have that shape.
type Shape = true | { [key: string]: Shape } | { '*': Shape } | { '[]': Shape };

const HEALTHCHECK: Shape = { test: true, interval: true, timeout: true, retries: true, start_period: true, start_interval: true, disable: true };
const SERVICE: Shape = {
  image: true,
  build: true,
  environment: true,
  ports: { '[]': { target: true, published: true, host_ip: true, protocol: true, mode: true } },
  expose: true,
  networks: { '*': { aliases: true } },
  healthcheck: HEALTHCHECK,
  depends_on: { '*': { condition: true, required: true, restart: true } },
  restart: true,
  profiles: true,
  shm_size: true,
  tmpfs: true,
  labels: true,
  stop_grace_period: true,
};
const NETWORK: Shape = { name: true, driver: true, internal: true, external: true, labels: true };
const TOP: Shape = { name: true, version: true, services: { '*': SERVICE }, networks: { '*': NETWORK } };

export interface ReadOptions {
  /** The environment for interpolation (default process.env); it wins over `.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Reads a stack file: `file` (a path) or the built-in stack when undefined. */
export function readStackFile(file: string | undefined, opts: ReadOptions = {}): StackFile {
  const builtIn = file === undefined;
  const where = builtIn ? BUILT_IN_STACK : path.resolve(file);
  let text: string;
  try {
    text = readFileSync(where, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StackFileError(code === 'ENOENT' ? `stack file ${where} does not exist` : `cannot read stack file ${where}: ${(err as Error).message}`);
  }
  const dir = path.dirname(where);
  const env = { ...(builtIn ? {} : readDotEnv(dir)), ...(opts.env ?? process.env) };
  return parseStack(text, { label: builtIn ? 'built-in' : where, dir, env });
}

/** `.env` beside the stack file, as compose reads it; absent is fine, unreadable is an error. */
function readDotEnv(dir: string): Record<string, string> {
  const file = path.join(dir, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new StackFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseEnv(text) as Record<string, string>;
}

export function parseStack(text: string, { label, dir, env }: { label: string; dir: string; env: Readonly<Record<string, string | undefined>> }): StackFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number | undefined => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  const fail = (message: string, node?: Node | null): never => {
    const line = lineOf(node);
    throw new StackFileError(`${label}${line ? `:${line}` : ''}: ${message}`, line);
  };
  const first = doc.errors[0];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new StackFileError(`${label}:${line}: not valid YAML: ${first.message.split('\n')[0]}`, line);
  }
  if (!isMap(doc.contents)) fail('a stack file is a map with a "services" key', doc.contents);

  checkKeys(doc, doc.contents as Node, TOP, [], fail);
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string') return;
      try {
        node.value = interpolate(node.value, env);
      } catch (err) {
        if (err instanceof InterpolationError) fail(err.message, node);
        throw err;
      }
    },
  });

  const root = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  const nodeAt = (...keys: string[]): Node | undefined => (doc.getIn(keys, true) as Node | undefined) ?? undefined;
  const services = root.services;
  if (services === undefined || services === null || typeof services !== 'object' || Array.isArray(services))
    fail('"services" must be a map of service names to their settings', nodeAt('services') ?? (doc.contents as Node));
  const out: StackFile = { file: label, dir, services: {}, networks: {} };
  if (root.name !== undefined) out.name = str(root.name, 'name', nodeAt('name'), fail);

  const networks = (root.networks ?? {}) as Record<string, unknown>;
  if (typeof networks !== 'object' || Array.isArray(networks)) fail('"networks" must be a map', nodeAt('networks'));
  for (const [key, raw] of Object.entries(networks))
    out.networks[key] = readNetwork(key, (raw ?? {}) as Record<string, unknown>, nodeAt('networks', key), fail);

  for (const [name, raw] of Object.entries(services as Record<string, unknown>)) {
    const node = nodeAt('services', name);
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) fail(`invalid service name "${name}" (letters, digits, ".", "_" and "-")`, node);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`service "${name}" must be a map of settings`, node);
    out.services[name] = readService(name, raw as Record<string, unknown>, lineOf(node) ?? 1, (...keys) => nodeAt('services', name, ...keys) ?? node, fail);
  }
  for (const service of Object.values(out.services)) {
    for (const dep of service.dependsOn)
      if (!out.services[dep.service])
        fail(`service "${service.name}" depends on undefined service "${dep.service}"`, nodeAt('services', service.name, 'depends_on'));
    for (const net of service.networks)
      if (!out.networks[net.name])
        fail(
          `service "${service.name}" uses network "${net.name}", which the top-level "networks" does not define`,
          nodeAt('services', service.name, 'networks'),
        );
  }
  return out;
}

type Fail = (message: string, node?: Node | null) => never;

/** Every key the reader does not know is refused with its line (x- extension keys are fine, as in compose). */
function checkKeys(doc: Document, node: Node | null | undefined, shape: Shape, at: string[], fail: Fail): void {
  if (shape === true || !node) return;
  if (isAlias(node)) return checkKeys(doc, node.resolve(doc) as Node | undefined, shape, at, fail);
  if ('[]' in shape) {
    if (isSeq(node)) node.items.forEach((item, i) => isMap(item) && checkKeys(doc, item as Node, (shape as { '[]': Shape })['[]'], [...at, String(i)], fail));
    return;
  }
  if (!isMap(node)) return; // a wrong kind of value is reported with the value's meaning, later
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    // yaml gives the `<<` merge key as a symbol.
    const key = isScalar(keyNode) ? (typeof keyNode.value === 'symbol' ? (keyNode.value.description ?? '') : String(keyNode.value)) : String(keyNode);
    if ('*' in shape) {
      checkKeys(doc, pair.value as Node | null, (shape as { '*': Shape })['*'], [...at, key], fail);
      continue;
    }
    if (key === '<<') {
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) checkKeys(doc, source as Node, shape, at, fail);
      continue;
    }
    if (key.startsWith('x-')) continue;
    const inner = (shape as Record<string, Shape>)[key];
    if (inner === undefined) {
      const where = [...at, key].join('.');
      fail(`unknown key "${where}"; Studio's stack reader supports ${Object.keys(shape).join(', ')} here (and x- extension keys)`, keyNode);
    }
    checkKeys(doc, pair.value as Node | null, inner!, [...at, key], fail);
  }
}

function readNetwork(key: string, raw: Record<string, unknown>, node: Node | undefined, fail: Fail): NetworkSpec {
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(`network "${key}" must be a map`, node);
  const net: NetworkSpec = {
    key,
    driver: raw.driver === undefined ? 'bridge' : str(raw.driver, `networks.${key}.driver`, node, fail),
    internal: raw.internal === undefined ? false : bool(raw.internal, `networks.${key}.internal`, node, fail),
    external: raw.external === undefined ? false : bool(raw.external, `networks.${key}.external`, node, fail),
    labels: stringMap(raw.labels, `networks.${key}.labels`, node, fail),
  };
  if (raw.name !== undefined) net.name = str(raw.name, `networks.${key}.name`, node, fail);
  return net;
}

function readService(name: string, raw: Record<string, unknown>, line: number, nodeAt: (...keys: string[]) => Node | undefined, fail: Fail): ServiceSpec {
  const at = (key: string) => `services.${name}.${key}`;
  if (raw.image === undefined || raw.image === '')
    fail(
      `service "${name}" has no image${raw.build !== undefined ? ' (Studio does not build images: build it first, then name it in "image")' : ''}`,
      nodeAt(),
    );
  const service: ServiceSpec = {
    name,
    image: str(raw.image, at('image'), nodeAt('image'), fail),
    build: raw.build !== undefined,
    environment: readEnvironment(raw.environment, at('environment'), nodeAt('environment'), fail),
    ports: list(raw.ports, at('ports'), nodeAt('ports'), fail).flatMap((p, i) => readPort(p, at(`ports[${i}]`), nodeAt('ports', String(i)), fail)),
    expose: list(raw.expose, at('expose'), nodeAt('expose'), fail).map((p) => {
      const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(String(p));
      if (!m) return fail(`${at('expose')}: "${String(p)}" is not a port (e.g. 8002 or 8002/tcp)`, nodeAt('expose'));
      return `${m[1]}/${m[2] ?? 'tcp'}`;
    }),
    networks: readServiceNetworks(raw.networks, at('networks'), nodeAt('networks'), fail),
    healthcheck: raw.healthcheck === undefined ? null : readHealth(raw.healthcheck, at('healthcheck'), nodeAt('healthcheck'), fail),
    dependsOn: readDependsOn(raw.depends_on, at('depends_on'), nodeAt('depends_on'), fail),
    restart: 'no',
    profiles: list(raw.profiles, at('profiles'), nodeAt('profiles'), fail).map((p) => str(p, at('profiles'), nodeAt('profiles'), fail)),
    tmpfs: readTmpfs(raw.tmpfs, at('tmpfs'), nodeAt('tmpfs'), fail),
    labels: stringMap(raw.labels, at('labels'), nodeAt('labels'), fail),
    line,
  };
  if (raw.restart !== undefined) {
    const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(str(raw.restart, at('restart'), nodeAt('restart'), fail));
    if (!m || (m[2] && m[1] !== 'on-failure'))
      fail(`${at('restart')}: expected no, always, unless-stopped or on-failure[:N], got "${String(raw.restart)}"`, nodeAt('restart'));
    service.restart = m![1] as ServiceSpec['restart'];
    if (m![2]) service.restartMaxRetries = Number(m![2]);
  }
  if (raw.shm_size !== undefined) service.shmSizeBytes = size(raw.shm_size, at('shm_size'), nodeAt('shm_size'), fail);
  if (raw.stop_grace_period !== undefined)
    service.stopGraceSeconds = Math.ceil(duration(raw.stop_grace_period, at('stop_grace_period'), nodeAt('stop_grace_period'), fail) / 1000);
  return service;
}

function readEnvironment(raw: unknown, at: string, node: Node | undefined, fail: Fail): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const text = str(item, at, node, fail);
      const eq = text.indexOf('=');
      // `NAME` alone passes the variable through from Studio's environment, when set.
      if (eq < 0) {
        if (process.env[text] !== undefined) out[text] = process.env[text]!;
      } else out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  if (typeof raw !== 'object') fail(`${at} must be a map or a list of NAME=value`, node);
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === null || v === undefined) {
      if (process.env[k] !== undefined) out[k] = process.env[k]!;
    } else out[k] = scalarText(v, `${at}.${k}`, node, fail);
  }
  return out;
}

function readPort(raw: unknown, at: string, node: Node | undefined, fail: Fail): PortSpec[] {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const p = raw as Record<string, unknown>;
    const target = Number(p.target);
    if (!Number.isInteger(target) || target < 1 || target > 65535) fail(`${at}.target must be a port number`, node);
    const protocol = p.protocol === undefined ? 'tcp' : str(p.protocol, `${at}.protocol`, node, fail);
    if (protocol !== 'tcp' && protocol !== 'udp') fail(`${at}.protocol must be tcp or udp`, node);
    return [
      {
        hostIp: p.host_ip === undefined ? '127.0.0.1' : str(p.host_ip, `${at}.host_ip`, node, fail),
        hostPort: p.published === undefined ? '' : scalarText(p.published, `${at}.published`, node, fail),
        containerPort: target,
        protocol,
      },
    ];
  }
  const text = scalarText(raw, at, node, fail);
  // [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]; an IPv6 address is in brackets.
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+|[a-zA-Z0-9.-]+):)?(?:(\d*):)?(\d+)(?:\/(tcp|udp))?$/.exec(text);
  if (!m) {
    const hint = /\d+-\d+/.test(text) ? ' (port ranges are not supported: list each port)' : '';
    return fail(`${at}: "${text}" is not a port mapping like 8000, 127.0.0.1:8000:8000 or 8000:8000/tcp${hint}`, node);
  }
  const [, , , container, proto] = m;
  let [, ip, hostPort] = m;
  // "8000:8000" matches as ip=8000: a bare number before the colon is the host port.
  if (ip !== undefined && hostPort === undefined && /^\d+$/.test(ip)) [ip, hostPort] = [undefined, ip];
  const containerPort = Number(container);
  if (containerPort < 1 || containerPort > 65535 || (hostPort && Number(hostPort) > 65535)) fail(`${at}: "${text}" has a port outside 1-65535`, node);
  return [{ hostIp: ip ? ip.replace(/^\[|\]$/g, '') : '127.0.0.1', hostPort: hostPort ?? '', containerPort, protocol: (proto ?? 'tcp') as 'tcp' | 'udp' }];
}

function readServiceNetworks(raw: unknown, at: string, node: Node | undefined, fail: Fail): ServiceSpec['networks'] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.map((n) => ({ name: str(n, at, node, fail), aliases: [] }));
  if (typeof raw !== 'object') fail(`${at} must be a list or a map of network names`, node);
  return Object.entries(raw as Record<string, unknown>).map(([name, v]) => ({
    name,
    aliases:
      v && typeof v === 'object'
        ? list((v as Record<string, unknown>).aliases, `${at}.${name}.aliases`, node, fail).map((a) => str(a, `${at}.${name}.aliases`, node, fail))
        : [],
  }));
}

function readHealth(raw: unknown, at: string, node: Node | undefined, fail: Fail): HealthSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(`${at} must be a map`, node);
  const h = raw as Record<string, unknown>;
  if (h.disable !== undefined && bool(h.disable, `${at}.disable`, node, fail)) return { test: ['NONE'] };
  let test: string[];
  if (typeof h.test === 'string') test = ['CMD-SHELL', h.test];
  else if (Array.isArray(h.test) && h.test.length > 0) {
    test = h.test.map((t) => scalarText(t, `${at}.test`, node, fail));
    if (!['CMD', 'CMD-SHELL', 'NONE'].includes(test[0]!)) fail(`${at}.test: a list starts with CMD, CMD-SHELL or NONE, got "${test[0]}"`, node);
  } else return fail(`${at}.test must be a command string or a list starting with CMD or CMD-SHELL`, node);
  const spec: HealthSpec = { test };
  if (h.interval !== undefined) spec.intervalMs = duration(h.interval, `${at}.interval`, node, fail);
  if (h.timeout !== undefined) spec.timeoutMs = duration(h.timeout, `${at}.timeout`, node, fail);
  if (h.start_period !== undefined) spec.startPeriodMs = duration(h.start_period, `${at}.start_period`, node, fail);
  if (h.start_interval !== undefined) spec.startIntervalMs = duration(h.start_interval, `${at}.start_interval`, node, fail);
  if (h.retries !== undefined) {
    const n = Number(h.retries);
    if (!Number.isInteger(n) || n < 0) fail(`${at}.retries must be a whole number, got "${String(h.retries)}"`, node);
    spec.retries = n;
  }
  return spec;
}

const CONDITIONS: readonly DependsCondition[] = ['service_started', 'service_healthy', 'service_completed_successfully'];

function readDependsOn(raw: unknown, at: string, node: Node | undefined, fail: Fail): ServiceSpec['dependsOn'] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.map((s) => ({ service: str(s, at, node, fail), condition: 'service_started' as const, required: true }));
  if (typeof raw !== 'object') fail(`${at} must be a list or a map of service names`, node);
  return Object.entries(raw as Record<string, unknown>).map(([service, v]) => {
    const o = (v ?? {}) as Record<string, unknown>;
    const condition = (o.condition === undefined ? 'service_started' : str(o.condition, `${at}.${service}.condition`, node, fail)) as DependsCondition;
    if (!CONDITIONS.includes(condition)) fail(`${at}.${service}.condition must be one of ${CONDITIONS.join(', ')}, got "${condition}"`, node);
    return { service, condition, required: o.required === undefined ? true : bool(o.required, `${at}.${service}.required`, node, fail) };
  });
}

function readTmpfs(raw: unknown, at: string, node: Node | undefined, fail: Fail): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  const out: Record<string, string> = {};
  for (const item of typeof raw === 'string' ? [raw] : list(raw, at, node, fail)) {
    const text = str(item, at, node, fail);
    const colon = text.indexOf(':');
    const mount = colon < 0 ? text : text.slice(0, colon);
    if (!mount.startsWith('/')) fail(`${at}: "${text}" must be an absolute path, optionally with :options`, node);
    out[mount] = colon < 0 ? '' : text.slice(colon + 1);
  }
  return out;
}

// ---- small value readers ---------------------------------------------------------------

function list(raw: unknown, at: string, node: Node | undefined, fail: Fail): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return fail(`${at} must be a list`, node);
  return raw;
}

function str(raw: unknown, at: string, node: Node | undefined, fail: Fail): string {
  if (typeof raw !== 'string') return fail(`${at} must be a string, got ${JSON.stringify(raw)}`, node);
  return raw;
}

/** Strings, numbers and booleans as compose writes them into the container (true, 8000). */
function scalarText(raw: unknown, at: string, node: Node | undefined, fail: Fail): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return fail(`${at} must be a string or a number, got ${JSON.stringify(raw)}`, node);
}

function bool(raw: unknown, at: string, node: Node | undefined, fail: Fail): boolean {
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return fail(`${at} must be true or false, got ${JSON.stringify(raw)}`, node);
}

function stringMap(raw: unknown, at: string, node: Node | undefined, fail: Fail): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const text = str(item, at, node, fail);
      const eq = text.indexOf('=');
      out[eq < 0 ? text : text.slice(0, eq)] = eq < 0 ? '' : text.slice(eq + 1);
    }
    return out;
  }
  if (typeof raw !== 'object') return fail(`${at} must be a map or a list of name=value`, node);
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = v === null ? '' : scalarText(v, `${at}.${k}`, node, fail);
  return out;
}

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 };

/** Compose's durations (`1m30s`, `10s`, `500ms`); a bare number is seconds. In milliseconds. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|ns))+$/.test(t)) return null;
  let ms = 0;
  for (const [, n, , unit] of t.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|ns)/g)) ms += Number(n) * DURATION_UNITS[unit!]!;
  return ms;
}

function duration(raw: unknown, at: string, node: Node | undefined, fail: Fail): number {
  const ms = parseDuration(scalarText(raw, at, node, fail));
  if (ms === null) return fail(`${at}: "${String(raw)}" is not a duration (e.g. 10s, 1m30s, 500ms)`, node);
  return ms;
}

/** Compose's sizes: bytes, or a number with b, k, m, g (kb, mb, gb; 1024-based). */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(text.trim());
  if (!m) return null;
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  return Math.round(Number(m[1]) * unit);
}

function size(raw: unknown, at: string, node: Node | undefined, fail: Fail): number {
  const bytes = parseSize(scalarText(raw, at, node, fail));
  if (bytes === null) return fail(`${at}: "${String(raw)}" is not a size (e.g. 256m, 1g, 67108864)`, node);
  return bytes;
}
