/**
 * All settings come from the environment (12-factor), with Kroki's own variable names
 * where the meaning is the same. `loadConfig` validates everything at start and throws a
 * ConfigError naming the bad setting, so a typo never turns into odd behaviour later.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ENGINE_POLICIES, SAFE_MODES, type EnginePolicy, type RuntimeKind, type SafeMode } from '../shared/api.js';
import { ENGINES } from './engines/index.js';
import type { SettingSpec, SettingValue } from './engines/spec.js';
import { BUILD_DIR } from './paths.js';

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`Invalid setting ${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Runtime = RuntimeKind;

export interface StudioConfig {
  host: string;
  port: number;
  /** Upstream Kroki base URL without trailing slash, or null. */
  krokiUrl: string | null;
  safeMode: SafeMode;
  /** Default routing policy, and per-type overrides (STUDIO_POLICY_<TYPE>). */
  policy: EnginePolicy;
  typePolicy: Record<string, EnginePolicy>;
  maxUriLength: number;
  maxHeaderSize: number;
  /** Limit for request bodies and for decompressed GET sources (zlib bombs). */
  bodyLimit: number;
  corsAllowedHeaders: string[];
  displayExceptionDetails: boolean;
  /** Per-render time limit. */
  renderTimeoutMs: number;
  /** Upstream request timeout. */
  upstreamTimeoutMs: number;
  /** Renders waiting per engine before 503 + Retry-After. */
  queueLimit: number;
  /** LRU cache budget in bytes; 0 disables the cache. */
  cacheBytes: number;
  /** Which runtimes are started when the server starts (others start on first need). */
  preload: Set<Runtime>;
  chromiumPath: string | null;
  /** Stop a runtime unused this long (ms); 0 never stops one (STUDIO_IDLE_STOP_S). */
  idleStopMs: number;
  /** Bytes the whole server (its process and children) may hold; 0 sets no budget (STUDIO_MEMORY_BUDGET_MB). */
  memoryBudgetBytes: number;
  /** Pages of the shared browser for SVG conversions (PDF, PNG with HTML labels). */
  convertPages: number;
  /**
   * The engines' own settings (declared in their folders), by environment variable name,
   * validated here with the rest.
   */
  settings: Readonly<Record<string, SettingValue>>;
  /** Folder with the built web UI, or null if none was built. */
  uiDir: string | null;
  logLevel: string;
  /**
   * Host names the server answers to (DNS-rebinding guard), or null for any. Defaults to
   * the loopback names when listening on loopback.
   */
  allowedHosts: string[] | null;
  /** When set, API and render requests must carry it (`Authorization: Bearer <secret>`). */
  secret: string | null;
  /** The local Kroki stack (server/stack/): what `up` starts when a request names nothing, and whether HTTP may start it. */
  stack: {
    /** STUDIO_STACK_FILE, or null for the built-in stack. */
    file: string | null;
    /** STUDIO_STACK_PROJECT (default kroki-studio): also the project a starting server re-attaches to. */
    project: string;
    /** STUDIO_STACK_PROFILES, comma-separated. */
    profiles: string[];
    /** STUDIO_STACK_CONTROL: POST /api/stack/up|down allowed (default: on loopback or with a secret). */
    control: boolean;
  };
}

type Env = Record<string, string | undefined>;

function firstExisting(paths: string[]): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

export function loadConfig(env: Env = process.env, overrides: Partial<StudioConfig> = {}): StudioConfig {
  const str = (name: string, fallback: string): string => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? fallback : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
    const n = Number(raw.trim());
    if (n < min || n > max) throw new ConfigError(name, `expected a number from ${min} to ${max}, got ${n}`);
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new ConfigError(name, `expected true or false, got "${raw}"`);
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const v = raw.trim().toLowerCase() as T;
    if (!allowed.includes(v)) throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
    return v;
  };

  let krokiUrl: string | null = null;
  const rawUrl = env.KROKI_URL?.trim();
  if (rawUrl) {
    let u: URL;
    try {
      u = new URL(rawUrl);
    } catch {
      throw new ConfigError('KROKI_URL', `"${rawUrl}" is not a URL (expected e.g. http://127.0.0.1:8000)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError('KROKI_URL', 'only http and https are supported');
    krokiUrl = u.toString().replace(/\/+$/, '');
  }

  const typePolicy: Record<string, EnginePolicy> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^STUDIO_POLICY_([A-Z0-9_]+)$/.exec(k);
    if (m && v !== undefined && v.trim() !== '') typePolicy[m[1]!.toLowerCase()] = oneOf(k, ENGINE_POLICIES, 'auto');
  }

  const preloadRaw = str('STUDIO_PRELOAD', 'in-process,jvm').toLowerCase();
  const runtimes: Runtime[] = ['in-process', 'jvm', 'browser', 'command'];
  const preload = new Set<Runtime>();
  if (preloadRaw === 'all') runtimes.forEach((r) => preload.add(r));
  else if (preloadRaw !== 'none') {
    for (const part of preloadRaw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (!runtimes.includes(part as Runtime)) throw new ConfigError('STUDIO_PRELOAD', `expected all, none or a list of ${runtimes.join(', ')}; got "${part}"`);
      preload.add(part as Runtime);
    }
  }

  const chromiumEnv = env.STUDIO_CHROMIUM_PATH?.trim();
  if (chromiumEnv && !existsSync(chromiumEnv)) throw new ConfigError('STUDIO_CHROMIUM_PATH', `no file at ${chromiumEnv}`);

  const uiEnv = env.STUDIO_UI_DIR?.trim();
  const uiDefault = path.join(BUILD_DIR, 'ui');
  const uiDir = uiEnv ? uiEnv : existsSync(path.join(uiDefault, 'index.html')) ? uiDefault : null;
  if (uiEnv && !existsSync(path.join(uiEnv, 'index.html'))) throw new ConfigError('STUDIO_UI_DIR', `no index.html in ${uiEnv}`);

  const config: StudioConfig = {
    host: str('STUDIO_HOST', '127.0.0.1'),
    port: int('STUDIO_PORT', 8080, 0, 65535),
    krokiUrl,
    safeMode: oneOf('KROKI_SAFE_MODE', SAFE_MODES, 'secure'),
    policy: oneOf('STUDIO_ENGINE_POLICY', ENGINE_POLICIES, 'auto'),
    typePolicy,
    maxUriLength: int('KROKI_MAX_URI_LENGTH', 4096, 256),
    maxHeaderSize: int('KROKI_MAX_HEADER_SIZE', 8192, 1024),
    bodyLimit: int('KROKI_BODY_LIMIT', 1024 * 1024, 1024),
    corsAllowedHeaders: [
      ...new Set(
        (env.KROKI_CORS_ALLOWED_HEADERS ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ],
    displayExceptionDetails: bool('KROKI_DISPLAY_EXCEPTION_DETAILS', false),
    renderTimeoutMs: int('STUDIO_RENDER_TIMEOUT_MS', 10_000, 100, 600_000),
    upstreamTimeoutMs: int('STUDIO_UPSTREAM_TIMEOUT_MS', 30_000, 100, 600_000),
    queueLimit: int('STUDIO_QUEUE_LIMIT', 64, 0, 100_000),
    cacheBytes: int('STUDIO_CACHE_BYTES', 64 * 1024 * 1024, 0),
    preload,
    chromiumPath: chromiumEnv ?? firstExisting(['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome']),
    idleStopMs: int('STUDIO_IDLE_STOP_S', 900, 0, 86_400 * 7) * 1000,
    memoryBudgetBytes: int('STUDIO_MEMORY_BUDGET_MB', 1536, 0) * 1024 * 1024,
    convertPages: int('STUDIO_CONVERT_PAGES', 1, 1, 16),
    settings: engineSettings(env),
    uiDir,
    allowedHosts: null,
    secret: env.STUDIO_SECRET?.trim() ? env.STUDIO_SECRET.trim() : null,
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    stack: {
      file: str('STUDIO_STACK_FILE', '') || null,
      project: str('STUDIO_STACK_PROJECT', 'kroki-studio'),
      profiles: str('STUDIO_STACK_PROFILES', '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      control: false,
    },
    ...overrides,
  };
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(config.stack.project))
    throw new ConfigError('STUDIO_STACK_PROJECT', `"${config.stack.project}" is not a project name (lower case letters, digits, "-" and "_")`);
  if (overrides.stack === undefined) config.stack.control = bool('STUDIO_STACK_CONTROL', isLoopback(config.host) || config.secret !== null);
  const hostsRaw = env.STUDIO_ALLOWED_HOSTS?.trim();
  if (overrides.allowedHosts === undefined) {
    if (hostsRaw === '*') config.allowedHosts = null;
    else if (hostsRaw)
      config.allowedHosts = hostsRaw
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
    else config.allowedHosts = isLoopback(config.host) ? ['localhost', '127.0.0.1', '[::1]', '::1'] : null;
  }
  return config;
}

/** Every engine's declared settings, read and validated like the others (same variable names as before they moved). */
function engineSettings(env: Env): Record<string, SettingValue> {
  const values: Record<string, SettingValue> = {};
  for (const spec of ENGINES) {
    for (const schema of [spec.runtime.settings, spec.settings]) {
      for (const setting of Object.values(schema ?? {})) if (!(setting.env in values)) values[setting.env] = readSetting(setting, env);
    }
  }
  return values;
}

export function readSetting(setting: SettingSpec, env: Env): SettingValue {
  const raw = env[setting.env]?.trim();
  const given = raw !== undefined && raw !== '';
  switch (setting.kind) {
    case 'int': {
      if (!given) return setting.default;
      if (!/^\d+$/.test(raw)) throw new ConfigError(setting.env, `expected a whole number, got "${raw}"`);
      const n = Number(raw);
      const max = setting.max ?? Number.MAX_SAFE_INTEGER;
      if (n < setting.min || n > max) throw new ConfigError(setting.env, `expected a number from ${setting.min} to ${max}, got ${n}`);
      return n;
    }
    case 'string':
      if (!given) return setting.default;
      if (setting.pattern && !setting.pattern.test(raw)) throw new ConfigError(setting.env, `expected ${setting.hint ?? setting.pattern.source}, got "${raw}"`);
      return raw;
    case 'file':
      if (!given) return setting.default();
      if (!existsSync(raw)) throw new ConfigError(setting.env, `no file at ${raw}`);
      return raw;
    case 'optional-file':
      if (given) return existsSync(raw) ? raw : null;
      return firstExisting([...setting.default()]);
    case 'words':
      return given ? raw.split(/\s+/).filter(Boolean) : setting.default;
  }
}

/** Effective policy for a canonical type name. */
export function policyFor(config: StudioConfig, type: string): EnginePolicy {
  return config.typePolicy[type.replace(/-/g, '_')] ?? config.policy;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
