/**
 * One shared headless Chromium with warm, reused pages.
 *
 * Pages are pooled per *kind* (a setup an engine defines: its page with a large library
 * loaded once, or the script-less conversion page). A page is created
 * lazily up to the kind's `maxPages`, then serves many renders; extra callers wait in
 * FIFO order. Each page lives in its own browser context, so a page can be thrown
 * away (after a timeout, a crash or an unexpected error) without touching the others.
 *
 * Network: every request a page makes is intercepted. The kind's own assets are
 * served from disk; everything else is aborted unless the caller explicitly allows
 * network (safe mode `unsafe`). This is what stops diagram text (image nodes, CSS urls,
 * links) from making the server fetch URLs (SSRF).
 *
 * Crash recovery: the launch is memoised; when Chromium disconnects unexpectedly the
 * memo and every page are dropped, in-flight work rejects with EngineCrashedError, the
 * restart is counted, and the next caller relaunches.
 */
import { accessSync, constants as fsConstants, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
// Types only: playwright-core itself is loaded on first launch, because importing it
// costs 0.3-2 s and the server must answer its first render within a second of starting.
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import type { Logger } from 'pino';
import type { EngineState } from '../../shared/api.js';
import type { StudioConfig } from '../config.js';
import { EngineCrashedError, EngineUnavailableError, StudioError } from '../errors.js';

export interface BrowserPoolOptions {
  config: StudioConfig;
  logger: Logger;
  onRestart(id: string): void;
}

/** A page setup. Kinds are identified by `id`; the first registration of an id wins. */
export interface PageKind {
  /** Pool key and log name (an engine id, `convert`). */
  readonly id: string;
  /** Most pages of this kind open at once; further callers wait for a free page. */
  readonly maxPages: number;
  /** `false`: no script ever runs in these pages (used for untrusted SVG conversions). */
  readonly javaScript: boolean;
  /**
   * What the page may load, by URL path under ASSET_ORIGIN (`/<engine>/index.html`): a
   * file on disk, or a function that produces the bytes (read once, then kept).
   */
  readonly assets?: Readonly<Record<string, PageAsset>>;
  /**
   * Whole folders the page may load from, by URL path prefix (`/<engine>/` → a folder), for
   * web apps made of thousands of files (stencils, fonts). Only regular files inside the
   * folder are served, after resolving `..`, encoded separators and symbolic links; they
   * are read on each request, not kept. `assets` wins over a folder for the same path.
   */
  readonly assetDirs?: Readonly<Record<string, string>>;
  /** Asset path opened when the page is created; `about:blank` when absent. */
  readonly entry?: string;
  /** Runs once after the entry loaded, e.g. to check that the library is ready. */
  prepare?(page: Page): Promise<void>;
  /** Recycle a page after this many uses, which bounds slow leaks in long-lived pages. */
  readonly maxUses?: number;
}

export interface WithPageOptions {
  /** Aborting rejects at once; the page is then closed and replaced, never reused. */
  signal: AbortSignal;
  /** Let the page reach the network (only for safe mode `unsafe`). Default: blocked. */
  allowNetwork?: boolean;
}

export interface BrowserPoolStats {
  state: EngineState;
  pid: number | null;
  version: string | null;
  /** Unexpected browser exits since this pool was created. */
  restarts: number;
  kinds: Record<string, { open: number; idle: number; waiting: number }>;
}

/** A page's file: a path on disk, or a function that produces the bytes (read once, then kept). */
export type PageAsset = string | (() => Buffer);

/** Pages load their own files from this origin; no real host ever answers it. */
export const ASSET_ORIGIN = 'http://studio-assets.invalid';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage', // containers often have a 64 MB /dev/shm
  '--disable-domain-reliability',
  '--no-pings',
  '--dns-prefetch-disable',
  '--hide-scrollbars',
  '--mute-audio',
  // Chromium keeps only the last --disable-features, so this one repeats the list
  // playwright-core passes (1.65; browser-flags.int.test.ts fails when it grows) and adds
  // ours: Local Network Access checks would stop pages reaching loopback/intranet hosts
  // even in safe mode `unsafe`, where Kroki lets diagrams load such images (the request
  // interception below is the network policy, the same in every mode); no spare renderer
  // process is kept ready (~20 MB, never used); the address bar's popup, a WebUI page that
  // headless Chromium still preloads in a renderer of its own (~80 MB PSS), is not built.
  `--disable-features=${[
    ...['AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable', 'LensOverlay'],
    ...['MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin'],
    ...['OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch'],
    ...['msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion'],
    ...['LocalNetworkAccessChecks', 'LocalNetworkAccessChecksWebSockets', 'SpareRendererForSitePerProcess'],
    ...['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'],
  ].join(',')}`,
];
const LAUNCH_TIMEOUT_MS = 30_000;
/** Bound for warm-up work that no request signal covers. */
const WARM_TIMEOUT_MS = 60_000;
const DEFAULT_VIEWPORT = { width: 800, height: 600 };

interface Session {
  readonly id: number;
  readonly browser: Browser;
  readonly pid: number | null;
  readonly version: string;
  /** Trips when this browser goes away, so in-flight work can stop waiting on it. */
  readonly lost: Tripwire;
  intentionalClose: boolean;
}

interface Lease {
  readonly kind: PageKind;
  readonly session: Session;
  readonly context: BrowserContext;
  readonly page: Page;
  uses: number;
  allowNetwork: boolean;
  broken: boolean;
  /** Trips when the page's renderer crashes (Playwright may leave calls pending). */
  readonly crashed: Tripwire;
}

type Waiter = {
  resolve(lease: Lease | null): void;
  reject(err: unknown): void;
};

interface KindState {
  kind: PageKind;
  idle: Lease[];
  /** Pages open or being created for the current session. */
  open: number;
  waiters: Waiter[];
}

const noop = () => {};

export class BrowserPool {
  private readonly config: StudioConfig;
  private readonly logger: Logger;
  private readonly onRestart: (id: string) => void;
  private launching: Promise<Session> | null = null;
  private session: Session | null = null;
  private sessionCount = 0;
  /** Bumped whenever a browser is dropped; page counts taken before it are void. */
  private epoch = 0;
  private currentState: EngineState = 'idle';
  private lastVersion: string | null = null;
  private restartCount = 0;
  private readonly kinds = new Map<string, KindState>();
  private readonly assetCache = new Map<PageAsset, Buffer>();
  private inUse = 0;
  private lastUse = 0;

  constructor(readonly opts: BrowserPoolOptions) {
    this.config = opts.config;
    this.logger = opts.logger;
    this.onRestart = opts.onRestart;
  }

  state(): EngineState {
    return this.currentState;
  }

  available(): { ok: true } | { ok: false; reason: string } {
    const exe = this.config.chromiumPath;
    if (!exe)
      return {
        ok: false,
        reason: 'No Chromium found. Install chromium or set STUDIO_CHROMIUM_PATH.',
      };
    try {
      accessSync(exe, fsConstants.X_OK);
    } catch {
      return {
        ok: false,
        reason: `Chromium at ${exe} is not executable. Set STUDIO_CHROMIUM_PATH.`,
      };
    }
    return { ok: true };
  }

  /** Chromium's version once it has run (e.g. `156.0.8078.108`), else null. */
  version(): string | null {
    return this.session?.version ?? this.lastVersion;
  }

  /** Process id of the running Chromium (its process group id too), else null. */
  pid(): number | null {
    return this.session?.pid ?? null;
  }

  stats(): BrowserPoolStats {
    const kinds: BrowserPoolStats['kinds'] = {};
    for (const [id, ks] of this.kinds)
      kinds[id] = {
        open: ks.open,
        idle: ks.idle.length,
        waiting: ks.waiters.length,
      };
    return {
      state: this.currentState,
      pid: this.pid(),
      version: this.version(),
      restarts: this.restartCount,
      kinds,
    };
  }

  /** Launch Chromium (memoised: concurrent callers share one launch). */
  async start(): Promise<void> {
    await this.ensureBrowser();
  }

  /** Make sure at least one page of `kind` exists and is loaded. */
  async warm(kind: PageKind): Promise<void> {
    const ks = this.register(kind);
    if (ks.open > 0) return;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new EngineUnavailableError(`Warming the ${kind.id} page took over ${WARM_TIMEOUT_MS} ms.`)), WARM_TIMEOUT_MS);
    try {
      await this.withPage(kind, { signal: deadline.signal }, async () => undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Run `work` on a warm page of `kind`. A StudioError thrown by `work` (e.g. a diagram
   * syntax error) leaves the page reusable; any other failure, an abort or a crash
   * closes it. Rejects with `signal.reason` when the signal aborts first.
   */
  async withPage<T>(kind: PageKind, opts: WithPageOptions, work: (page: Page) => Promise<T>): Promise<T> {
    const { signal } = opts;
    signal.throwIfAborted();
    this.inUse++;
    try {
      return await this.onPage(kind, opts, work);
    } finally {
      this.inUse--;
      this.lastUse = Date.now();
    }
  }

  /** Work on pages right now (renders, conversions, warm-ups): the runtime manager does not stop a browser in use. */
  activeUses(): number {
    return this.inUse;
  }

  /** When a page was last used (ms since epoch), 0 if never. */
  lastUsedAt(): number {
    return this.lastUse;
  }

  private async onPage<T>(kind: PageKind, opts: WithPageOptions, work: (page: Page) => Promise<T>): Promise<T> {
    const { signal } = opts;
    const ks = this.register(kind);
    const lease = await this.acquire(ks, signal);
    lease.allowNetwork = opts.allowNetwork === true;
    lease.uses++;
    let reusable = false;
    try {
      signal.throwIfAborted();
      const result = await settleFirst(work(lease.page), signal, [lease.session.lost, lease.crashed]);
      reusable = true;
      return result;
    } catch (err) {
      reusable = err instanceof StudioError && !signal.aborted && !lease.broken;
      if (lease.broken && !(err instanceof StudioError) && !signal.aborted)
        throw new EngineCrashedError('The browser page crashed during the render; it is replaced for the next render.', { cause: err });
      throw err;
    } finally {
      lease.allowNetwork = false;
      this.release(ks, lease, reusable);
    }
  }

  /** Close Chromium and every page. No Chromium process survives; a later start() works. */
  async stop(): Promise<void> {
    const launching = this.launching;
    this.launching = null;
    const stopped = new EngineUnavailableError('The browser was stopped.');
    for (const ks of this.kinds.values()) {
      for (const w of ks.waiters.splice(0)) w.reject(stopped);
    }
    if (launching) {
      const session = await launching.catch(() => null);
      if (session) {
        session.intentionalClose = true;
        this.dropSession(session, stopped);
        await session.browser.close().catch(noop);
        killProcessGroup(session.pid);
      }
    }
    this.currentState = 'stopped';
  }

  // ---- browser lifecycle ----

  private ensureBrowser(): Promise<Session> {
    if (this.launching) return this.launching;
    const launching = this.launch();
    this.launching = launching;
    launching.catch(() => {
      if (this.launching === launching) this.launching = null;
    });
    return launching;
  }

  private async launch(): Promise<Session> {
    const avail = this.available();
    if (!avail.ok) {
      this.currentState = 'failed';
      throw new EngineUnavailableError(avail.reason);
    }
    this.currentState = 'starting';
    const started = Date.now();
    let browser: Browser;
    try {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: this.config.chromiumPath!,
        headless: true,
        args: LAUNCH_ARGS,
        timeout: LAUNCH_TIMEOUT_MS,
      });
    } catch (err) {
      this.currentState = 'failed';
      this.logger.error({ err }, 'chromium failed to launch');
      throw new EngineUnavailableError(`Chromium failed to start: ${firstLine(err)}`, { cause: err });
    }
    const pid = await browserPid(browser);
    const session: Session = {
      id: ++this.sessionCount,
      browser,
      pid,
      version: browser.version(),
      lost: new Tripwire(),
      intentionalClose: false,
    };
    browser.on('disconnected', () => this.onDisconnected(session));
    this.session = session;
    this.lastVersion = session.version;
    this.currentState = 'ready';
    this.logger.info({ pid, version: session.version, ms: Date.now() - started }, 'chromium launched');
    return session;
  }

  private onDisconnected(session: Session): void {
    if (session.intentionalClose || this.session !== session) return;
    this.restartCount++;
    this.logger.warn({ pid: session.pid }, 'chromium exited unexpectedly; it relaunches on the next render');
    this.dropSession(session, new EngineCrashedError('The browser crashed during the render; it restarts for the next render.'));
    if (this.launching) this.launching = null;
    this.currentState = 'idle';
    killProcessGroup(session.pid);
    this.onRestart('browser');
  }

  /** Forget a session: fail its in-flight work, drop its pages, let waiters start afresh. */
  private dropSession(session: Session, reason: StudioError): void {
    session.lost.trip(reason);
    if (this.session === session) this.session = null;
    this.epoch++;
    for (const ks of this.kinds.values()) {
      for (const l of ks.idle.splice(0)) void closeLease(l);
      ks.open = 0;
      // Waiters retry: they create pages in a fresh browser (or fail if it was stopped).
      for (const w of ks.waiters.splice(0)) w.resolve(null);
    }
  }

  // ---- pages ----

  private register(kind: PageKind): KindState {
    let ks = this.kinds.get(kind.id);
    if (!ks) {
      ks = { kind, idle: [], open: 0, waiters: [] };
      this.kinds.set(kind.id, ks);
    }
    return ks;
  }

  private async acquire(ks: KindState, signal: AbortSignal): Promise<Lease> {
    for (;;) {
      signal.throwIfAborted();
      const idle = ks.idle.pop();
      if (idle) {
        if (idle.broken || idle.session !== this.session) {
          ks.open--;
          void closeLease(idle);
          continue;
        }
        return idle;
      }
      if (ks.open < Math.max(1, ks.kind.maxPages)) {
        ks.open++;
        const epoch = this.epoch;
        let lease: Lease;
        try {
          lease = await this.createLease(ks.kind, signal);
        } catch (err) {
          // A lost browser already reset the count; only undo our own increment.
          if (this.epoch === epoch) ks.open = Math.max(0, ks.open - 1);
          this.wakeOne(ks, null);
          throw err;
        }
        if (lease.session !== this.session) {
          void closeLease(lease);
          continue;
        }
        if (this.epoch !== epoch) ks.open++; // counted again in the new browser's books
        return lease;
      }
      const handed = await this.waitForPage(ks, signal);
      if (handed) return handed;
    }
  }

  private waitForPage(ks: KindState, signal: AbortSignal): Promise<Lease | null> {
    return new Promise<Lease | null>((resolve, reject) => {
      const onAbort = () => {
        const i = ks.waiters.indexOf(waiter);
        if (i >= 0) ks.waiters.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: (lease) => {
          signal.removeEventListener('abort', onAbort);
          resolve(lease);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      ks.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hand a reusable page straight to the next waiter, or tell it a slot is free (null). */
  private wakeOne(ks: KindState, lease: Lease | null): boolean {
    const waiter = ks.waiters.shift();
    if (!waiter) return false;
    waiter.resolve(lease);
    return true;
  }

  private release(ks: KindState, lease: Lease, reusable: boolean): void {
    if (lease.session !== this.session) {
      void closeLease(lease); // its browser is gone; counts were reset with the session
      return;
    }
    const keep = reusable && !lease.broken && lease.uses < (ks.kind.maxUses ?? Number.POSITIVE_INFINITY);
    if (keep) {
      if (!this.wakeOne(ks, lease)) ks.idle.push(lease);
      return;
    }
    ks.open = Math.max(0, ks.open - 1);
    void closeLease(lease);
    this.wakeOne(ks, null);
  }

  private async createLease(kind: PageKind, signal: AbortSignal): Promise<Lease> {
    const build = (async (): Promise<Lease> => {
      const session = await this.ensureBrowser();
      const context = await session.browser.newContext({
        javaScriptEnabled: kind.javaScript,
        serviceWorkers: 'block',
        viewport: DEFAULT_VIEWPORT,
        deviceScaleFactor: 1,
        acceptDownloads: false,
      });
      const lease: Lease = {
        kind,
        session,
        context,
        page: undefined as unknown as Page,
        uses: 0,
        allowNetwork: false,
        broken: false,
        crashed: new Tripwire(),
      };
      try {
        await context.route('**/*', (route) => this.routeRequest(lease, route));
        await context.routeWebSocket(/.*/, (ws) => {
          if (lease.allowNetwork) ws.connectToServer();
          else void ws.close({ code: 1008, reason: 'network blocked' }).catch(noop);
        });
        const page = await context.newPage();
        (lease as { page: Page }).page = page;
        page.on('crash', () => {
          lease.broken = true;
          lease.crashed.trip(new EngineCrashedError('The browser page crashed during the render; it is replaced for the next render.'));
        });
        if (kind.entry) await page.goto(ASSET_ORIGIN + kind.entry, { waitUntil: 'load' });
        if (kind.prepare) await kind.prepare(page);
        return lease;
      } catch (err) {
        await context.close().catch(noop);
        throw err;
      }
    })();
    try {
      return await settleFirst(build, signal, this.session ? [this.session.lost] : []);
    } catch (err) {
      // The caller gave up (or the browser died): close the page whenever it appears.
      build.then(closeLease, noop);
      if (err instanceof StudioError || signal.aborted) throw err;
      throw new EngineUnavailableError(`Could not open a ${kind.id} page in the browser: ${firstLine(err)}`, { cause: err });
    }
  }

  private async routeRequest(lease: Lease, route: Route): Promise<void> {
    const url = route.request().url();
    try {
      if (url.startsWith(`${ASSET_ORIGIN}/`)) {
        const pathname = new URL(url).pathname;
        const asset = lease.kind.assets?.[pathname];
        let body: Buffer | null;
        try {
          body = asset ? this.readAsset(asset) : readFromDirs(lease.kind.assetDirs, pathname);
        } catch (err) {
          // Answered all the same: a request left pending would hold the page's load until the time limit.
          this.logger.error({ err, kind: lease.kind.id, path: pathname }, 'a page asset could not be read');
          return await route.fulfill({ status: 500, body: 'asset unreadable' });
        }
        if (!body) return await route.fulfill({ status: 404, body: 'not found' });
        return await route.fulfill({ status: 200, contentType: contentTypeOf(pathname), body });
      }
      // Even with network allowed, a page gets no file: (or other local) URL: only the web.
      if (lease.allowNetwork && /^https?:/i.test(url)) return await route.continue();
      return await route.abort('blockedbyclient');
    } catch {
      // The page may close while a request is pending; nothing left to answer.
    }
  }

  private readAsset(asset: PageAsset): Buffer {
    let body = this.assetCache.get(asset);
    if (!body) {
      body = typeof asset === 'string' ? readFileSync(asset) : asset();
      this.assetCache.set(asset, body);
    }
    return body;
  }
}

// ---- helpers ----

const realDirs = new Map<string, string>();

/** The folder's real path (symbolic links resolved), kept once found; null while it is missing. */
function realDir(dir: string): string | null {
  let real = realDirs.get(dir);
  if (real === undefined) {
    try {
      real = realpathSync(dir);
    } catch {
      return null;
    }
    realDirs.set(dir, real);
  }
  return real;
}

/** A regular file under one of the kind's asset folders, or null (never a file outside them). */
function readFromDirs(dirs: Readonly<Record<string, string>> | undefined, pathname: string): Buffer | null {
  if (!dirs) return null;
  for (const [prefix, dir] of Object.entries(dirs)) {
    if (!pathname.startsWith(prefix)) continue;
    const root = realDir(dir);
    if (!root) return null;
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(prefix.length));
    } catch {
      return null; // a malformed escape names no file
    }
    if (relative.includes('\0')) return null;
    try {
      const file = realpathSync(path.resolve(root, relative));
      if (!file.startsWith(root + path.sep) || !statSync(file).isFile()) return null;
      return readFileSync(file);
    } catch {
      return null; // missing, unreadable, or a dangling link
    }
  }
  return null;
}

/**
 * A one-shot alarm with removable listeners. (A promise would do, but every render
 * would then add a reaction to the session's promise that lives as long as the browser.)
 */
class Tripwire {
  private readonly listeners = new Set<(err: StudioError) => void>();
  private error: StudioError | null = null;

  trip(err: StudioError): void {
    if (this.error) return;
    this.error = err;
    for (const l of [...this.listeners]) l(err);
    this.listeners.clear();
  }

  /** Calls `listener` once when tripped (at once if already); returns an unsubscribe. */
  watch(listener: (err: StudioError) => void): () => void {
    if (this.error) {
      listener(this.error);
      return noop;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Settles with `work`, unless the signal aborts or a tripwire (browser/page lost) trips first. */
function settleFirst<T>(work: Promise<T>, signal: AbortSignal, tripwires: readonly Tripwire[]): Promise<T> {
  work.catch(noop); // a losing `work` may still reject later (e.g. when its page closes)
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const unwatch: (() => void)[] = [];
    let settled = false;
    const done = () => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
      for (const u of unwatch) u();
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    for (const t of tripwires) {
      if (settled) break; // an already-tripped wire rejected synchronously
      unwatch.push(
        t.watch((err) => {
          done();
          reject(err);
        }),
      );
    }
    work.then(
      (v) => {
        done();
        resolve(v);
      },
      (e) => {
        done();
        reject(e);
      },
    );
  });
}

async function closeLease(lease: Lease): Promise<void> {
  await lease.context.close().catch(noop);
}

async function browserPid(browser: Browser): Promise<number | null> {
  try {
    const cdp = await browser.newBrowserCDPSession();
    const info = (await cdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; id: number }[];
    };
    await cdp.detach().catch(noop);
    return info.processInfo.find((p) => p.type === 'browser')?.id ?? null;
  } catch {
    return null;
  }
}

/**
 * Playwright starts Chromium as the leader of its own process group, so the group id
 * is the browser pid: killing the group ends zygotes and renderers that outlived it.
 */
function killProcessGroup(pid: number | null): void {
  if (!pid || process.platform === 'win32') return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left, which is the normal case after a clean close.
  }
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.html')) return 'text/html; charset=utf-8';
  if (file.endsWith('.js') || file.endsWith('.mjs')) return 'text/javascript; charset=utf-8';
  if (file.endsWith('.css')) return 'text/css; charset=utf-8';
  if (file.endsWith('.json')) return 'application/json';
  if (file.endsWith('.woff2')) return 'font/woff2';
  if (file.endsWith('.woff')) return 'font/woff';
  if (file.endsWith('.ttf')) return 'font/ttf';
  if (file.endsWith('.xml')) return 'application/xml';
  if (file.endsWith('.svg')) return 'image/svg+xml';
  if (file.endsWith('.png')) return 'image/png';
  if (file.endsWith('.gif')) return 'image/gif';
  if (file.endsWith('.jpg') || file.endsWith('.jpeg')) return 'image/jpeg';
  if (file.endsWith('.txt')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}
