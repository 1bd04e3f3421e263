/**
 * Runs the server child for the desktop app: starts it with a fresh per-launch secret,
 * waits for `ready`, restarts it when it dies (with a growing pause, and gives up after
 * too many deaths in a row), carries the typed messages both ways, and stops it on quit:
 * `shutdown` first (the server stops every engine: Chromium, JVM, Python, TeX), a hard
 * kill only if it does not end in time.
 */
import { randomBytes } from 'node:crypto';
import type { FromServer, LiveSettings, PullProgress, StackStatus, ToServer } from '../shared/ipc.js';
import type { ChildHandle, ChildLauncher } from './child.js';

export type SupervisorState = 'stopped' | 'starting' | 'ready' | 'restarting' | 'failed' | 'stopping';

export interface SupervisorEvents {
  /** The child came back after dying; `reason` says how it died. */
  restarted(reason: string): void;
  /** The child died; a restart follows unless it died too often. */
  crashed(reason: string): void;
  /** Restarts gave up. */
  failed(reason: string): void;
  stackProgress(progress: PullProgress): void;
  stackStatus(status: StackStatus): void;
  stackError(message: string): void;
  /** Every message from the child, for logs and tests. */
  message(message: FromServer): void;
}

export interface SupervisorOptions {
  launcher: ChildLauncher;
  /** The settings the child starts with (read at every start, so a restart keeps the latest). */
  settings(): LiveSettings;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Pauses before restart 1, 2, ...; the last one repeats. */
  restartDelaysMs?: readonly number[];
  /** Deaths within `crashWindowMs` after which the supervisor stops trying. */
  maxCrashes?: number;
  crashWindowMs?: number;
  events?: Partial<SupervisorEvents>;
}

interface Running {
  child: ChildHandle;
  secret: string;
  url: string | null;
  exited: Promise<void>;
  closed: boolean;
}

interface StackWaiter {
  resolve(status: StackStatus): void;
  reject(error: Error): void;
}

export class ServerSupervisor {
  private running: Running | null = null;
  private starting: Promise<string> | null = null;
  private stateValue: SupervisorState = 'stopped';
  private crashes: number[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private nextStackId = 1;
  private readonly stackWaiters = new Map<number, StackWaiter>();
  private lastReason: string | null = null;
  private readonly events: Partial<SupervisorEvents>;

  constructor(private readonly options: SupervisorOptions) {
    this.events = options.events ?? {};
  }

  get state(): SupervisorState {
    return this.stateValue;
  }

  /** The running child's base URL and secret (null until ready). */
  get connection(): { url: string; secret: string; pid: number | undefined } | null {
    const r = this.running;
    return r?.url ? { url: r.url, secret: r.secret, pid: r.child.pid } : null;
  }

  /** Starts the child (once); resolves with its URL when it is ready. */
  start(): Promise<string> {
    if (this.stateValue === 'ready' && this.running?.url) return Promise.resolve(this.running.url);
    this.starting ??= this.launch().finally(() => (this.starting = null));
    return this.starting;
  }

  /** The URL once ready, waiting for a start or restart under way. */
  async ready(): Promise<string> {
    if (this.stateValue === 'ready' && this.running?.url) return this.running.url;
    if (this.starting) return this.starting;
    if (this.stateValue === 'restarting') {
      return new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          if (this.stateValue === 'ready' && this.running?.url) {
            clearInterval(poll);
            resolve(this.running.url);
          } else if (this.stateValue === 'failed' || this.stateValue === 'stopped' || this.stateValue === 'stopping') {
            clearInterval(poll);
            reject(new Error(this.unavailableMessage()));
          }
        }, 50);
      });
    }
    throw new Error(this.unavailableMessage());
  }

  private unavailableMessage(): string {
    return `The embedded server is not running${this.lastReason ? ` (${this.lastReason})` : ''}.`;
  }

  send(message: ToServer): void {
    this.running?.child.postMessage(message);
  }

  updateSettings(settings: LiveSettings): void {
    this.send({ type: 'settings', settings });
  }

  /** A stack request through the child; resolves with the stack's status. */
  async stack(
    request: { action: 'up'; file?: string; profiles?: string[]; project?: string } | { action: 'down'; removeVolumes?: boolean } | { action: 'status' },
  ): Promise<StackStatus> {
    await this.ready();
    const id = this.nextStackId++;
    const answer = new Promise<StackStatus>((resolve, reject) => this.stackWaiters.set(id, { resolve, reject }));
    if (request.action === 'up') this.send({ type: 'stack-up', id, file: request.file, profiles: request.profiles, project: request.project });
    else if (request.action === 'down') this.send({ type: 'stack-down', id, removeVolumes: request.removeVolumes });
    else this.send({ type: 'stack-status', id });
    return answer;
  }

  private async launch(): Promise<string> {
    this.stateValue = this.stateValue === 'restarting' ? 'restarting' : 'starting';
    const secret = randomBytes(32).toString('base64url');
    const child = this.options.launcher.launch();
    let exitedResolve!: () => void;
    const running: Running = { child, secret, url: null, exited: new Promise((r) => (exitedResolve = r)), closed: false };
    this.running = running;

    let readyResolve!: (url: string) => void;
    let readyReject!: (error: Error) => void;
    const ready = new Promise<string>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    const timer = setTimeout(() => {
      readyReject(new Error(`the server did not start within ${(this.options.readyTimeoutMs ?? 60_000) / 1000} s`));
      child.kill();
    }, this.options.readyTimeoutMs ?? 60_000);

    child.onMessage((message) => this.onMessage(running, message, readyResolve, readyReject));
    child.onExit((code, signal) => {
      clearTimeout(timer);
      exitedResolve();
      const reason = signal ? `ended by ${signal}` : `exited with code ${code}`;
      readyReject(new Error(`the server ${reason} before it was ready`));
      if (this.running === running) this.onExit(running, reason);
    });
    child.postMessage({ type: 'init', secret, settings: this.options.settings() });
    try {
      const url = await ready;
      clearTimeout(timer);
      const wasRestart = this.stateValue === 'restarting';
      running.url = url;
      this.stateValue = 'ready';
      if (wasRestart) this.events.restarted?.(this.lastReason ?? 'the server stopped');
      return url;
    } catch (error) {
      clearTimeout(timer);
      child.kill();
      throw error;
    }
  }

  private onMessage(running: Running, message: FromServer, ready: (url: string) => void, fail: (error: Error) => void): void {
    this.events.message?.(message);
    switch (message.type) {
      case 'ready':
        ready(message.url);
        return;
      case 'failed':
        if (!running.url) fail(new Error(message.message));
        return;
      case 'closed':
        running.closed = true;
        return;
      case 'stack-status':
        if (message.id !== undefined) this.settle(message.id, message.status);
        else this.events.stackStatus?.(message.status);
        return;
      case 'stack-error':
        if (message.id !== undefined) this.settle(message.id, new Error(message.message));
        else this.events.stackError?.(message.message);
        return;
      case 'stack-progress':
        this.events.stackProgress?.(message.progress);
        return;
      default:
        return;
    }
  }

  private settle(id: number, outcome: StackStatus | Error): void {
    const waiter = this.stackWaiters.get(id);
    if (!waiter) return;
    this.stackWaiters.delete(id);
    if (outcome instanceof Error) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }

  private onExit(running: Running, reason: string): void {
    if (this.running === running) this.running = null;
    for (const [id, waiter] of this.stackWaiters) {
      this.stackWaiters.delete(id);
      waiter.reject(new Error(`the server ${reason}`));
    }
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped') return;
    if (!running.url) return; // a start that failed: its caller hears about it
    this.died(`the server ${reason}`);
  }

  /** Counts a death and restarts after a pause, unless it died too often. */
  private died(reason: string): void {
    this.lastReason = reason;
    const now = Date.now();
    const window = this.options.crashWindowMs ?? 60_000;
    this.crashes = [...this.crashes.filter((t) => now - t < window), now];
    this.events.crashed?.(reason);
    if (this.crashes.length > (this.options.maxCrashes ?? 5)) {
      this.stateValue = 'failed';
      this.events.failed?.(`${reason}; it died ${this.crashes.length} times within ${window / 1000} s, so it is not restarted`);
      return;
    }
    const delays = this.options.restartDelaysMs ?? [250, 1000, 3000];
    const delay = delays[Math.min(this.crashes.length - 1, delays.length - 1)] ?? 1000;
    this.stateValue = 'restarting';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start().catch((error: Error) => {
        if (this.stateValue === 'restarting') this.died(error.message);
      });
    }, delay);
  }

  /** Stops the child: `shutdown`, then a hard kill after stopTimeoutMs. Idempotent. */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.stateValue = 'stopping';
    await this.starting?.catch(() => undefined);
    const running = this.running;
    if (running) {
      running.child.postMessage({ type: 'shutdown' });
      const timeout = new Promise<'timeout'>((resolve) => {
        const t = setTimeout(() => resolve('timeout'), this.options.stopTimeoutMs ?? 10_000);
        void running.exited.then(() => clearTimeout(t));
      });
      if ((await Promise.race([running.exited.then(() => 'exited' as const), timeout])) === 'timeout') {
        running.child.kill();
        await running.exited;
      }
    }
    this.running = null;
    this.stateValue = 'stopped';
  }
}
