/**
 * The runtime manager owns the life of every warm runtime (a worker pool, the browser, a
 * JVM, a command worker) without knowing what it draws:
 *
 * - **start** on first need (memoised), or ahead of need when asked;
 * - **warm-up**: one loop for every engine, run after a start while nobody renders
 *   (runtimes/activity.ts); the first few samples are drawn before the engine reports
 *   ready, so no user pays for the slowest first render;
 * - **crash recovery** stays in each runtime (they restart on the next call); the manager
 *   only sees the state change and warms the new process again;
 * - **idle stop**: a runtime unused for `idleStopMs` is stopped and releases its process
 *   and memory; the next request starts it again;
 * - **memory budget**: when the whole server (measured, when `measureTotal` can) or else the
 *   runtimes together hold more than the budget, the least recently used runtimes that are
 *   not busy are stopped first, until the total is 10% under the budget. It is checked after a start, on the timer, and after renders
 *   (at most every BUDGET_AFTER_RENDERS_MS), since a render is what grows an engine.
 *
 * Several engines may share one runtime (a JVM): they are *users* of the same unit.
 */
import type { Logger } from 'pino';
import type { EngineState } from '../../shared/api.js';
import { EngineUnavailableError, StudioError } from '../errors.js';
import type { RenderActivity } from './activity.js';

/** A runtime as the manager sees it. */
export interface ManagedRuntime {
  readonly id: string;
  state(): EngineState;
  start(): Promise<unknown>;
  stop(): Promise<void>;
  /** Bytes it holds now (its processes' PSS, or a worker thread's heap as it reports it), or null when it cannot tell. */
  memoryBytes(): number | null;
  /**
   * Work in progress on it right now, counted by the runtime itself, which includes work
   * that is not a render through the manager (a conversion on the shared browser).
   */
  activeUses?(): number;
  /** When it last did work the manager did not see (ms since epoch). */
  lastUsedAt?(): number;
}

/** A user of a runtime (an engine) and how it warms that runtime up. */
export interface RuntimeUser {
  readonly id: string;
  warmUp?: {
    /** Samples drawn before the user counts as ready. */
    beforeReady: number;
    /** Samples drawn in the background afterwards. */
    renders: number;
    draw(i: number): Promise<unknown>;
  };
}

export interface ManagerOptions {
  logger: Logger;
  activity: RenderActivity;
  /** Stop a runtime unused this long; 0 never stops one. */
  idleStopMs: number;
  /** Bytes all runtimes may hold together; 0 sets no budget. */
  memoryBudgetBytes: number;
  /** How often idle times and the budget are checked. */
  checkEveryMs?: number;
  /**
   * The bytes the whole server holds now (its process and every child), or null where that
   * cannot be read; without it the budget weighs the runtimes' own `memoryBytes` alone. It
   * may answer a cheaper upper bound when that is at most `enough` (the budget).
   */
  measureTotal?: (enough: number) => Promise<number | null>;
}

/**
 * Budget checks triggered by renders are this far apart at least (each reads /proc for every
 * process), except after a runtime's first render since its start: that is when it grows
 * most (a browser page opened, a WASM memory sized, TeX's formats mapped).
 */
const BUDGET_AFTER_RENDERS_MS = 1000;
/**
 * After a budget stop the next measurement waits this long: a stopped worker's pages go back
 * to the system a moment later (jemalloc's decay), and measuring earlier would stop a
 * second runtime for memory that is already on its way out.
 */
const BUDGET_SETTLE_MS = 2000;
/**
 * Over the budget, runtimes are stopped until the total is this share of it: what the
 * others grow by before the next check (a render's WASM memory, a page) then still fits.
 */
const BUDGET_LOW_WATER = 0.9;

interface Unit {
  runtime: ManagedRuntime;
  users: Set<string>;
  inFlight: number;
  /** Warm-up samples being drawn now: they never keep a runtime from stopping. */
  warming: number;
  lastUsed: number;
  /** Bumped at every stop and crash, so a warm-up of an older process gives up. */
  generation: number;
  stopping: Promise<void> | null;
  /** The start in progress or done, shared by the unit's users; dropped when the process goes. */
  started: Promise<unknown> | null;
  stops: { idle: number; budget: number };
  /** Renders ended since the runtime's last start. */
  rendersSinceStart: number;
}

interface UserState {
  user: RuntimeUser;
  unit: Unit;
  ready: Promise<void> | null;
  readyGeneration: number;
  warming: Promise<void>;
}

export interface RuntimeStatus {
  id: string;
  state: EngineState;
  users: string[];
  memoryBytes: number | null;
  idleMs: number;
  stops: { idle: number; budget: number };
}

export class RuntimeManager {
  private readonly units = new Map<string, Unit>();
  private readonly users = new Map<string, UserState>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private budgetPass: Promise<void> = Promise.resolve();
  private lastRenderBudgetAt = 0;
  private budgetSettlesAt = 0;

  constructor(private readonly opts: ManagerOptions) {}

  /** Add an engine that runs on `runtime` (the same runtime object may serve several). */
  add(user: RuntimeUser, runtime: ManagedRuntime): void {
    if (this.users.has(user.id)) throw new Error(`runtime user ${user.id} added twice`);
    let unit = this.units.get(runtime.id);
    if (!unit) {
      unit = {
        runtime,
        users: new Set(),
        inFlight: 0,
        warming: 0,
        lastUsed: 0,
        generation: 0,
        stopping: null,
        started: null,
        stops: { idle: 0, budget: 0 },
        rendersSinceStart: 0,
      };
      this.units.set(runtime.id, unit);
    } else if (unit.runtime !== runtime) throw new Error(`two runtimes named ${runtime.id}`);
    unit.users.add(user.id);
    this.users.set(user.id, { user, unit, ready: null, readyGeneration: -1, warming: Promise.resolve() });
  }

  /**
   * The engine's runtime is started. Memoised per process. `ahead`: nobody is waiting for
   * a render yet, so the first warm-up samples are drawn before it counts as ready; when
   * a render is waiting, that render is the first sample instead.
   */
  ready(userId: string, ahead = false): Promise<void> {
    // Shutting down: nothing may start a JVM, a browser or a worker behind close().
    if (this.closed) return Promise.reject(new EngineUnavailableError('The server is shutting down.'));
    const us = this.userState(userId);
    const unit = us.unit;
    // A crash or a stop since the last start: this user warms the new process again.
    if (us.ready && (us.readyGeneration !== unit.generation || !isUp(unit.runtime.state()))) {
      if (unit.runtime.state() !== 'starting') us.ready = null;
    }
    if (!us.ready) {
      const generation = unit.generation;
      us.readyGeneration = generation;
      us.ready = (async () => {
        if (unit.stopping) await unit.stopping;
        await this.startUnit(unit);
        const warm = us.user.warmUp;
        if (warm) {
          const first = ahead ? warm.beforeReady : 0;
          for (let i = 0; i < first; i++) await warm.draw(i).catch(() => undefined);
          us.warming = this.warmInBackground(us, generation, first);
        }
        this.ensureTimer();
        void this.enforceBudget(unit);
      })();
      us.ready.catch(() => {
        if (us.readyGeneration === generation) us.ready = null;
      });
    }
    return us.ready;
  }

  /** Mark a render on the engine's runtime; call the result when it ends. Starts nothing. */
  begin(userId: string): () => void {
    const unit = this.userState(userId).unit;
    unit.inFlight++;
    unit.lastUsed = Date.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unit.inFlight--;
      unit.lastUsed = Date.now();
      this.budgetAfterRender(unit.lastUsed, ++unit.rendersSinceStart === 1);
    };
  }

  /** Resolves when the engine's background warm-up has ended (at once if none runs). */
  whenWarm(userId: string): Promise<void> {
    return this.userState(userId).warming;
  }

  state(userId: string): EngineState {
    return this.userState(userId).unit.runtime.state();
  }

  status(): RuntimeStatus[] {
    const now = Date.now();
    return [...this.units.values()].map((u) => ({
      id: u.runtime.id,
      state: u.runtime.state(),
      users: [...u.users],
      memoryBytes: isUp(u.runtime.state()) ? u.runtime.memoryBytes() : null,
      idleMs: now - this.lastUsed(u),
      stops: { ...u.stops },
    }));
  }

  /** Stop every runtime (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.units.values()].map((u) => this.stopUnit(u)));
  }

  /** Stop one engine's runtime now (tests; a settings change). */
  async stop(userId: string): Promise<void> {
    await this.stopUnit(this.userState(userId).unit);
  }

  /** One pass of the idle and budget checks (the timer calls it; tests call it directly). */
  async check(now = Date.now()): Promise<void> {
    const stops: Promise<void>[] = [];
    if (this.opts.idleStopMs > 0) {
      for (const unit of this.units.values()) {
        // A runtime reports itself up until its stop has ended, which can outlast a check
        // interval (a worker's end waits for V8's compiler threads): it is stopped once.
        if (unit.stopping || !isUp(unit.runtime.state()) || this.isBusy(unit)) continue;
        if (now - this.lastUsed(unit) >= this.opts.idleStopMs) {
          unit.stops.idle++;
          this.opts.logger.info({ runtime: unit.runtime.id, idleMs: now - this.lastUsed(unit) }, 'stopping an idle runtime');
          stops.push(this.stopUnit(unit));
        }
      }
    }
    await Promise.allSettled(stops);
    await this.enforceBudget(null);
  }

  // ---- internals ----------------------------------------------------------------

  private userState(userId: string): UserState {
    const us = this.users.get(userId);
    if (!us) throw new Error(`unknown runtime user ${userId}`);
    return us;
  }

  private lastUsed(unit: Unit): number {
    return Math.max(unit.lastUsed, unit.runtime.lastUsedAt?.() ?? 0);
  }

  private isBusy(unit: Unit): boolean {
    return unit.inFlight > 0 || (unit.runtime.activeUses?.() ?? 0) > unit.warming || unit.runtime.state() === 'starting';
  }

  private ensureTimer(): void {
    if (this.timer || this.closed || (this.opts.idleStopMs <= 0 && this.opts.memoryBudgetBytes <= 0)) return;
    const every = this.opts.checkEveryMs ?? Math.max(1000, Math.min(30_000, this.opts.idleStopMs > 0 ? this.opts.idleStopMs / 4 : 30_000));
    this.timer = setInterval(() => {
      this.check().catch((err: unknown) => this.opts.logger.warn({ err }, 'idle and budget check failed'));
    }, every);
    this.timer.unref();
  }

  /** Over budget: stop the least recently used runtimes that are not busy (never `keep`). */
  /** One budget pass at a time: two at once would pick, stop and count the same runtime twice. */
  private enforceBudget(keep: Unit | null): Promise<void> {
    this.budgetPass = this.budgetPass
      .then(() => this.budgetOnce(keep))
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'a runtime did not stop cleanly'));
    return this.budgetPass;
  }

  private budgetAfterRender(now: number, first: boolean): void {
    if (this.opts.memoryBudgetBytes <= 0 || (!first && now - this.lastRenderBudgetAt < BUDGET_AFTER_RENDERS_MS)) return;
    this.lastRenderBudgetAt = now;
    void this.enforceBudget(null);
  }

  private async budgetOnce(keep: Unit | null): Promise<void> {
    const budget = this.opts.memoryBudgetBytes;
    if (budget <= 0 || this.closed || Date.now() < this.budgetSettlesAt) return;
    const up = () => [...this.units.values()].filter((u) => isUp(u.runtime.state()) && !u.stopping);
    // A cheap upper bound is enough while it is within the budget.
    const measured = this.opts.measureTotal ? await this.opts.measureTotal(budget) : null;
    if (this.closed) return;
    let total = measured ?? up().reduce((sum, u) => sum + (u.runtime.memoryBytes() ?? 0), 0);
    if (total <= budget) return;
    const candidates = up()
      .filter((u) => u !== keep && !this.isBusy(u))
      .sort((a, b) => this.lastUsed(a) - this.lastUsed(b));
    const target = budget * BUDGET_LOW_WATER;
    for (const unit of candidates) {
      if (total <= target) break;
      const bytes = unit.runtime.memoryBytes() ?? 0;
      if (bytes === 0) continue;
      unit.stops.budget++;
      this.opts.logger.info({ runtime: unit.runtime.id, bytes, total, budget }, 'over the memory budget: stopping the least recently used runtime');
      await this.stopUnit(unit);
      total -= bytes;
      this.budgetSettlesAt = Date.now() + BUDGET_SETTLE_MS;
    }
  }

  private startUnit(unit: Unit): Promise<unknown> {
    if (unit.started && !isUp(unit.runtime.state())) unit.started = null; // crashed or stopped since
    if (!unit.started) {
      // A start counts as a use: a runtime started ahead of need (preloaded, warmed on
      // request) gets the whole idle time before it may be stopped, not none.
      unit.lastUsed = Date.now();
      unit.rendersSinceStart = 0;
      const started = unit.runtime.start();
      unit.started = started;
      started.catch(() => {
        if (unit.started === started) unit.started = null;
      });
    }
    return unit.started;
  }

  private stopUnit(unit: Unit): Promise<void> {
    unit.generation++;
    unit.started = null;
    for (const id of unit.users) {
      const us = this.users.get(id)!;
      us.ready = null;
    }
    unit.stopping ??= unit.runtime.stop().finally(() => {
      unit.stopping = null;
    });
    return unit.stopping;
  }

  /** Background samples, one at a time, each only while no real render runs. */
  private async warmInBackground(us: UserState, generation: number, from: number): Promise<void> {
    const warm = us.user.warmUp!;
    const unit = us.unit;
    const wanted = () => !this.closed && unit.generation === generation && unit.runtime.state() === 'ready';
    for (let i = from; i < warm.renders; i++) {
      if (!(await this.opts.activity.waitQuiet(wanted))) return;
      unit.warming++;
      try {
        await warm.draw(i);
      } catch (err) {
        // A sample the engine refuses (a 4xx: a format some diagram kinds lack, say)
        // still warmed the code that refused it; only a runtime that stopped or broke ends the loop.
        if (err instanceof StudioError && err.status < 500) continue;
        this.opts.logger.debug({ err, engine: us.user.id }, 'warm-up render failed');
        return;
      } finally {
        unit.warming--;
      }
    }
  }
}

function isUp(state: EngineState): boolean {
  return state === 'ready' || state === 'starting';
}
