/**
 * Command runs: a program started once per render, as a runtime the manager can start,
 * stop, measure and stop when idle. For programs that cannot serve a second request in the
 * same process (a typesetter ends with its document), so no CommandWorker fits.
 *
 * - start() runs the engine's `prepare` once, in a private folder that lives until stop():
 *   what every run shares and is costly to redo (a preloaded memory dump, a probe of
 *   versions). Its answer is the runtime's info. A failed prepare leaves the runtime
 *   'failed' with the reason, and the next start tries again.
 * - folder(work) gives one render its own private folder (mode 0700) inside that one (and
 *   names that one, for what prepare left there), and removes it once `work` settles,
 *   whatever the outcome: a failed, aborted or timed-out render leaves no file behind.
 * - run(spec) is runCommand (argv only, scrubbed environment, time limit, output cap,
 *   process-group kill), counted, so that stop() can end the runs in flight and wait for
 *   them, the memory budget can measure them and a test can kill one as a crash would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { EngineState } from '../../shared/api.js';
import { EngineUnavailableError } from '../errors.js';
import { runCommand, type CommandResult, type CommandSpec } from './command-runner.js';
import { processTreeBytes } from './process-memory.js';

export type RunSpec = Omit<CommandSpec, 'id'>;

export interface PrepareContext {
  /** The runtime's private folder, kept until stop(). */
  dir: string;
  /** Runs a program as run() does, ended by stop() too. */
  run(spec: RunSpec): Promise<CommandResult>;
  signal: AbortSignal;
}

export interface CommandRunsOptions {
  /** Engine/runtime id used in logs, errors and folder names. */
  id: string;
  logger: Logger;
  /** Done once per start before any run; resolves with what the runtime reports (versions). */
  prepare?(ctx: PrepareContext): Promise<Record<string, string>>;
  /** Limit for prepare. Default 60 s. */
  startTimeoutMs?: number;
}

/** One start of the runtime: its folder and what ends its runs. */
interface Generation {
  controller: AbortController;
  root: string | null;
  live: Map<Promise<CommandResult>, () => number | undefined>;
  folders: Set<Promise<unknown>>;
}

function newGeneration(): Generation {
  return { controller: new AbortController(), root: null, live: new Map(), folders: new Set() };
}

export class CommandRuns {
  private current: EngineState = 'idle';
  private starting: Promise<Record<string, string>> | null = null;
  private infoValue: Record<string, string> | null = null;
  private gen: Generation = newGeneration();
  private lastUsed = 0;

  constructor(private readonly opts: CommandRunsOptions) {}

  state(): EngineState {
    return this.current;
  }

  /** What prepare reported (versions), once started. */
  info(): Record<string, string> | null {
    return this.infoValue;
  }

  /** PID of the newest run in flight (its process group id too), if any. */
  pid(): number | undefined {
    let pid: number | undefined;
    for (const child of this.gen.live.values()) pid = child() ?? pid;
    return pid;
  }

  /** Runs in flight now. */
  activeUses(): number {
    return this.gen.live.size;
  }

  lastUsedAt(): number {
    return this.lastUsed;
  }

  /** Memory of the runs in flight (nothing stays running between renders). */
  memoryBytes(): number | null {
    let total = 0;
    for (const child of this.gen.live.values()) total += processTreeBytes(child()) ?? 0;
    return total;
  }

  /** Prepare once; memoised, and a failure clears the memo so the next call retries. */
  start(): Promise<Record<string, string>> {
    if (!this.starting) {
      this.current = 'starting';
      const gen = (this.gen = newGeneration());
      const starting = this.launch(gen).catch(async (err: unknown) => {
        gen.controller.abort(err);
        await cleanUp(gen);
        if (this.starting === starting) this.starting = null;
        if (this.current !== 'stopped' && this.gen === gen) this.current = 'failed';
        throw err;
      });
      this.starting = starting;
    }
    return this.starting;
  }

  /** End the runs in flight (their callers get an EngineUnavailableError), wait for them, remove the folder. */
  async stop(): Promise<void> {
    this.current = 'stopped';
    this.starting = null;
    const gen = this.gen;
    gen.controller.abort(new EngineUnavailableError(`The ${this.opts.id} engine was stopped.`));
    await cleanUp(gen);
  }

  /** One render's private folder, removed when `work` settles; `shared` is the folder prepare filled. */
  async folder<T>(work: (dir: string, shared: string) => Promise<T>): Promise<T> {
    await this.start();
    const gen = this.gen;
    if (!gen.root || gen.controller.signal.aborted) throw new EngineUnavailableError(`The ${this.opts.id} engine was stopped.`);
    const shared = gen.root;
    const dir = await mkdtemp(path.join(shared, 'run-'));
    const done = (async () => {
      try {
        return await work(dir, shared);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    gen.folders.add(done);
    try {
      return await done;
    } finally {
      gen.folders.delete(done);
    }
  }

  /** runCommand, ended by stop() as well as by the caller's signal. */
  run(spec: RunSpec): Promise<CommandResult> {
    return this.runIn(this.gen, spec);
  }

  private runIn(gen: Generation, spec: RunSpec): Promise<CommandResult> {
    const ended = gen.controller.signal;
    if (ended.aborted) return Promise.reject(ended.reason);
    const signal = spec.signal ? AbortSignal.any([spec.signal, ended]) : ended;
    let child: number | undefined;
    const running = runCommand({ ...spec, id: this.opts.id, signal, onSpawn: (pid) => (child = pid) });
    gen.live.set(running, () => child);
    this.lastUsed = Date.now();
    const forget = () => {
      gen.live.delete(running);
      this.lastUsed = Date.now();
    };
    running.then(forget, forget);
    return running;
  }

  private async launch(gen: Generation): Promise<Record<string, string>> {
    gen.root = await mkdtemp(path.join(os.tmpdir(), `studio-${this.opts.id}-`));
    const limit = this.opts.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => gen.controller.abort(new EngineUnavailableError(`The ${this.opts.id} engine did not get ready within ${limit} ms.`)), limit);
    try {
      if (gen.controller.signal.aborted) throw gen.controller.signal.reason;
      const info = this.opts.prepare ? await this.opts.prepare({ dir: gen.root, run: (spec) => this.runIn(gen, spec), signal: gen.controller.signal }) : {};
      if (gen.controller.signal.aborted) throw gen.controller.signal.reason;
      this.infoValue = info;
      this.current = 'ready';
      this.opts.logger.info({ info }, `${this.opts.id} ready`);
      return info;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Waits for a generation's runs and folders, then removes its folder. */
async function cleanUp(gen: Generation): Promise<void> {
  await Promise.allSettled([...gen.live.keys(), ...gen.folders]);
  const root = gen.root;
  gen.root = null;
  if (root) await rm(root, { recursive: true, force: true });
}
