/**
 * The desktop's settings (upstream, safe mode, offline, include folder), its recent files
 * and window state, in one JSON file in the user's data folder, written atomically; and
 * the machine-wide "no unasked network" policy an administrator sets with an environment
 * variable or a policy file. The app itself has no update check and no telemetry; with
 * offline on (by the user or by policy), the only upstream allowed is a loopback one (the
 * local stack), so no connection leaves the machine unless the user opens a link.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DesktopSettings, EffectiveSettings, LiveSettings } from '../shared/ipc.js';
import { SAFE_MODES } from '../shared/api.js';
import { BridgeError } from './errors.js';
import { writeFileAtomic } from './files.js';
import type { WindowState } from './window-state.js';

export const OFFLINE_ENV = 'KROKI_STUDIO_OFFLINE';
export const POLICY_FILE_ENV = 'KROKI_STUDIO_POLICY_FILE';

/** Where an administrator puts the policy file on each platform. */
export function policyFilePath(platform: NodeJS.Platform, env: Record<string, string | undefined>): string {
  if (env[POLICY_FILE_ENV]?.trim()) return env[POLICY_FILE_ENV]!.trim();
  if (platform === 'win32') return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'Kroki Studio', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/Kroki Studio/policy.json';
  return '/etc/kroki-studio/policy.json';
}

export interface Policy {
  offline: boolean;
  source: string;
}

const TRUE = ['1', 'true', 'yes', 'on'];

/**
 * The policy in force: the environment variable wins, then the policy file
 * (`{"offline": true}`). A policy file that cannot be parsed means offline: an
 * administrator's intent must not be lost to a typo.
 */
export async function readPolicy(platform: NodeJS.Platform, env: Record<string, string | undefined>): Promise<Policy | null> {
  const raw = env[OFFLINE_ENV]?.trim().toLowerCase();
  if (raw && TRUE.includes(raw)) return { offline: true, source: `environment variable ${OFFLINE_ENV}` };
  const file = policyFilePath(platform, env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const policy = JSON.parse(text) as { offline?: unknown };
    return policy.offline === true ? { offline: true, source: `policy file ${file}` } : null;
  } catch {
    return { offline: true, source: `policy file ${file} (unreadable, so offline)` };
  }
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export interface StoredState {
  settings: DesktopSettings;
  recent: string[];
  window: WindowState | null;
  /** Files open at quit, reopened at start. */
  openFiles: string[];
}

export const DEFAULT_SETTINGS: DesktopSettings = { krokiUrl: null, safeMode: 'secure', offline: false, includeRoot: null };
const MAX_RECENT = 12;

function sanitise(raw: unknown): StoredState {
  const r = (raw ?? {}) as Partial<StoredState>;
  const s = (r.settings ?? {}) as Partial<DesktopSettings>;
  const settings: DesktopSettings = {
    krokiUrl: typeof s.krokiUrl === 'string' && /^https?:\/\//.test(s.krokiUrl) ? s.krokiUrl : null,
    safeMode: (SAFE_MODES as readonly unknown[]).includes(s.safeMode) ? s.safeMode! : 'secure',
    offline: s.offline === true,
    includeRoot: typeof s.includeRoot === 'string' && path.isAbsolute(s.includeRoot) ? s.includeRoot : null,
  };
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && path.isAbsolute(x)) : []);
  return { settings, recent: strings(r.recent).slice(0, MAX_RECENT), window: (r.window as WindowState) ?? null, openFiles: strings(r.openFiles) };
}

export class SettingsStore {
  private state: StoredState = sanitise({});
  private policyValue: Policy | null = null;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Reads the file (a missing or broken one gives the defaults) and the policy. */
  async load(platform: NodeJS.Platform = process.platform, env: Record<string, string | undefined> = process.env): Promise<this> {
    try {
      this.state = sanitise(JSON.parse(await readFile(this.file, 'utf8')));
    } catch {
      this.state = sanitise({});
    }
    this.policyValue = await readPolicy(platform, env);
    return this;
  }

  get policy(): Policy | null {
    return this.policyValue;
  }

  get offline(): boolean {
    return this.state.settings.offline || !!this.policyValue?.offline;
  }

  effective(): EffectiveSettings {
    const s = this.state.settings;
    return { ...s, offline: this.offline, policy: this.policyValue };
  }

  /** What the server child gets: with offline on, a non-loopback upstream is dropped. */
  live(): LiveSettings {
    const { krokiUrl, safeMode } = this.state.settings;
    return { krokiUrl: krokiUrl && (!this.offline || isLoopbackUrl(krokiUrl)) ? krokiUrl : null, safeMode };
  }

  async update(change: Partial<DesktopSettings>): Promise<EffectiveSettings> {
    const next = { ...this.state.settings, ...change };
    if (change.offline === false && this.policyValue?.offline)
      throw new BridgeError('forbidden', `Offline mode is set by ${this.policyValue.source}; it cannot be turned off here.`);
    if (next.krokiUrl !== null) {
      let url: URL;
      try {
        url = new URL(next.krokiUrl);
      } catch {
        throw new BridgeError('invalid-args', `"${next.krokiUrl}" is not a URL (expected e.g. http://127.0.0.1:8000).`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BridgeError('invalid-args', 'The Kroki URL must start with http:// or https://.');
      next.krokiUrl = url.toString().replace(/\/+$/, '');
      // A stored public URL may stay while offline (it is not used); a new one must be loopback.
      if (change.krokiUrl !== undefined && (next.offline || this.policyValue?.offline) && !isLoopbackUrl(next.krokiUrl))
        throw new BridgeError('forbidden', `Offline mode allows only a Kroki on this machine (localhost or 127.0.0.1), not ${url.host}.`);
    }
    if (next.includeRoot !== null && !path.isAbsolute(next.includeRoot)) throw new BridgeError('invalid-args', 'The include folder must be an absolute path.');
    this.state.settings = next;
    await this.save();
    return this.effective();
  }

  get recent(): string[] {
    return [...this.state.recent];
  }

  async addRecent(file: string): Promise<string[]> {
    this.state.recent = [file, ...this.state.recent.filter((f) => f !== file)].slice(0, MAX_RECENT);
    await this.save();
    return this.recent;
  }

  async clearRecent(): Promise<void> {
    this.state.recent = [];
    await this.save();
  }

  get window(): WindowState | null {
    return this.state.window;
  }

  async setWindow(window: WindowState): Promise<void> {
    this.state.window = window;
    await this.save();
  }

  get openFiles(): string[] {
    return [...this.state.openFiles];
  }

  async setOpenFiles(files: string[]): Promise<void> {
    this.state.openFiles = files.filter((f) => path.isAbsolute(f));
    await this.save();
  }

  private save(): Promise<void> {
    const text = `${JSON.stringify(this.state, null, 2)}\n`;
    const run = this.writing.then(() => writeFileAtomic(this.file, text));
    this.writing = run.catch(() => undefined);
    return run.then(() => undefined);
  }
}
