/**
 * One conformance suite that every engine runs from its spec, with its real runtime:
 * every gallery example of its types in every format it offers (the picture checked),
 * its error sample with the line, a bad option value (400 naming the option), a time
 * limit and an abort during start, a crash of its process, and an idle stop after which
 * it comes back. A new engine gets all of this by being in server/engines/index.ts.
 * A check that does not apply to an engine is not registered for it (and not counted):
 * no error sample where the engine accepts any text (ditaa, svgbob, goat), no bad-option
 * check without an option that refuses values, no crash check for an inline engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../../shared/api.js';
import { findType } from '../../../shared/diagram-types.js';
import { EXAMPLES } from '../../../shared/examples.js';
import { ENGINES } from '../../../server/engines/index.js';
import type { AnyEngineSpec, OptionSpec } from '../../../server/engines/spec.js';
import { TESTING } from '../../../server/engines/testing.js';
import { BadRequestError, DiagramSyntaxError, EngineCrashedError, RenderTimeoutError } from '../../../server/errors.js';
import { RenderCache } from '../../../server/render/cache.js';
import { RenderCore } from '../../../server/render/core.js';
import type { LiveEngine } from '../../../server/render/engines.js';
import type { BrowserPool } from '../../../server/runtimes/browser-pool.js';
import type { CommandWorker } from '../../../server/runtimes/command-runner.js';
import type { CommandRuns } from '../../../server/runtimes/command-runs.js';
import type { JvmHost } from '../../../server/runtimes/jvm-host.js';
import type { WorkerHost } from '../../../server/runtimes/worker-host.js';
import { UpstreamProvider } from '../../../server/upstream/provider.js';
import { testContext, type TestContext } from '../../helpers/context.js';
import { expectSvg, jpegSize, pngSize, renderInput } from '../../helpers/picture-checks.js';

/** The picture is what the format promises; an SVG also shows the example's labels. */
function checkPicture(format: OutputFormat, body: Buffer, labels: readonly string[]): void {
  switch (format) {
    case 'svg': {
      const text = expectSvg(body);
      for (const label of labels) expect(text, `label "${label}"`).toContain(label);
      return;
    }
    case 'png': {
      const { width, height } = pngSize(body);
      expect(width * height).toBeGreaterThan(100);
      return;
    }
    case 'jpeg': {
      const { width, height } = jpegSize(body);
      expect(width * height).toBeGreaterThan(100);
      return;
    }
    case 'pdf':
      expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(body.length).toBeGreaterThan(500);
      return;
    case 'base64':
      expect(body.toString('ascii')).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
      return;
    case 'txt':
    case 'utxt':
      expect(body.toString('utf8').trim().length).toBeGreaterThan(0);
      return;
  }
}

/** A value the option's schema must refuse, if the engine has an option with a closed set of values. */
function badOption(spec: AnyEngineSpec): { name: string; value: string } | null {
  for (const [name, option] of Object.entries(spec.options?.named ?? {}) as Array<[string, OptionSpec]>) {
    if (option.kind === 'enum' || option.kind === 'number') return { name, value: 'no-such-value' };
    if (option.kind === 'string' && option.pattern && !option.pattern.test('bad\nvalue')) return { name, value: 'bad\nvalue' };
  }
  return null;
}

/** End the engine's process as a crash would; a program run per render is killed while it renders. */
async function crash(engine: LiveEngine, example: { type: string; source: string }): Promise<void> {
  switch (engine.spec.runtime.kind) {
    case 'worker':
      await (engine.host as WorkerHost).simulateCrash();
      return;
    case 'jvm':
      process.kill((engine.host as JvmHost).pid()!, 'SIGKILL');
      return;
    case 'browser':
      process.kill((engine.host as { pool: BrowserPool }).pool.pid()!, 'SIGKILL');
      return;
    case 'command':
      process.kill((engine.host as CommandWorker).pid()!, 'SIGKILL');
      return;
    case 'program': {
      const runs = engine.host as CommandRuns;
      const rendering = engine.render(renderInput(example.type, example.source)).then(
        () => null,
        (e: unknown) => e,
      );
      const until = performance.now() + 10_000;
      while (runs.pid() === undefined && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
      process.kill(runs.pid()!, 'SIGKILL');
      const err = await rendering;
      // Killed mid-render, it fails with a clear 5xx; the runtime itself stays up.
      expect(err).toBeInstanceOf(EngineCrashedError);
      expect((err as EngineCrashedError).status).toBeGreaterThanOrEqual(500);
      return;
    }
    default:
      throw new Error(`no way to crash a ${engine.spec.runtime.kind} runtime`);
  }
}

const NO_PROCESS = new Set(['inline']);

describe.each(ENGINES.map((spec) => [spec.id, spec] as const))('engine %s', (_id, spec) => {
  let ctx: TestContext;
  let engine: LiveEngine;
  const examples = EXAMPLES.filter((e) => spec.types.includes(e.type));

  beforeAll(async () => {
    // Short warm-ups: the suite checks behaviour, the benchmark measures speed.
    ctx = testContext({ STUDIO_JVM_WARMUP: '0' });
    engine = ctx.engine(spec);
    const available = engine.available();
    expect(available, available.ok ? '' : available.reason).toEqual({ ok: true });
    await engine.start();
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('serves types of the catalogue and reports a version read at run time', () => {
    for (const type of spec.types) expect(findType(type), `${type} in shared/diagram-types.ts`).toBeDefined();
    expect(engine.version()).toMatch(/\d+\.\d+/);
    expect(examples.length, `gallery examples for ${spec.types.join(', ')} in shared/examples.ts`).toBeGreaterThan(0);
  });

  it('renders every gallery example of its types in every format, and the picture shows it', async () => {
    for (const example of examples) {
      for (const format of engine.formats) {
        const body = await engine.render(renderInput(example.type, example.source, format));
        checkPicture(format, body, example.labels);
      }
    }
  });

  const errorSample = spec.errorSample;
  if (errorSample)
    it('refuses its error sample with a 400 and the line', async () => {
      const err = await engine.render(renderInput(spec.types[0]!, errorSample.source)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DiagramSyntaxError);
      expect((err as DiagramSyntaxError).status).toBe(400);
      if (errorSample.line !== undefined) expect((err as DiagramSyntaxError).line).toBe(errorSample.line);
    });

  // A label that appears as such in its example's source can be swapped for CJK text (in the form its language takes: its testing.ts).
  const cjk = examples.flatMap((e) => e.labels.filter((l) => l.length >= 3 && e.source.includes(l)).map((label) => ({ example: e, label })))[0];
  if (cjk && (spec.formats.includes('png') || spec.conversions?.png))
    it('draws CJK labels with real glyphs in SVG and PNG', async () => {
      const write = TESTING.get(cjk.example.type)?.cjk ?? ((source: string, label: string, text: string) => source.split(label).join(text));
      const variant = (text: string) => write(cjk.example.source, cjk.label, text);
      const draw = async (text: string, format: OutputFormat) => engine.render(renderInput(cjk.example.type, variant(text), format));
      const svg = await draw('中文字体', 'svg');
      // Some engines place each wide character in a cell of its own (svgbob): every glyph is there.
      const text = expectSvg(svg);
      for (const ch of '中文字体') expect(text, `glyph ${ch}`).toContain(ch);
      // Missing glyphs all draw as the same box: two different texts of one length would give the same picture.
      // (Characters every CJK font has, also TeX's GB2312 font gbsn.)
      const first = await draw('中文字体', 'png');
      const second = await draw('大小上下', 'png');
      checkPicture('png', first, []);
      expect(first.equals(second), `the PNGs of two CJK labels are identical: no CJK font reached the ${spec.id} renderer`).toBe(false);
    });

  const bad = badOption(spec);
  if (bad)
    it('answers a bad option value with a 400 that names the option', async () => {
      const source = examples[0]!.source;
      const err = await engine.render(renderInput(spec.types[0]!, source, 'svg', { options: { [bad.name]: bad.value } })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as Error).message).toContain(`option ${bad.name}`);
    });

  it('stops waiting at its time limit (504), and the next render works', async () => {
    // A limit shorter than any start: the render core's timer fires while the runtime starts.
    const quick = testContext({ STUDIO_JVM_WARMUP: '0' }, { renderTimeoutMs: 1 });
    try {
      const core = new RenderCore([quick.engine(spec)], quick, new UpstreamProvider(null, 1000), new RenderCache(0));
      const example = examples[0]!;
      const err = await core.render(core.plan(example.type, 'svg', {}, example.source), new AbortController().signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RenderTimeoutError);
      expect((err as RenderTimeoutError).status).toBe(504);
    } finally {
      await quick.close();
    }
    checkPicture('svg', await engine.render(renderInput(examples[0]!.type, examples[0]!.source)), examples[0]!.labels);
  });

  it('rejects promptly with the caller’s reason when aborted, and the next render works', async () => {
    await engine.stop(); // abort during the start, the slowest part
    const core = new RenderCore([engine], ctx, new UpstreamProvider(null, 1000), new RenderCache(0));
    const example = examples[0]!;
    const controller = new AbortController();
    const reason = new Error('the client went away');
    const pending = core.render(core.plan(example.type, 'svg', {}, example.source), controller.signal);
    await new Promise((r) => setTimeout(r, 5));
    const abortedAt = performance.now();
    controller.abort(reason);
    expect(await pending.catch((e: unknown) => e)).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    checkPicture('svg', await engine.render(renderInput(examples[0]!.type, examples[0]!.source)), examples[0]!.labels);
  });

  if (!NO_PROCESS.has(spec.runtime.kind))
    it('recovers after its process crashes', async () => {
      await engine.render(renderInput(examples[0]!.type, examples[0]!.source));
      await crash(engine, examples[0]!);
      await new Promise((r) => setTimeout(r, 200));
      // The first render after a crash may see the crash itself; the runtime is back for the next one.
      await engine.render(renderInput(examples[0]!.type, examples[0]!.source)).catch(() => undefined);
      checkPicture('svg', await engine.render(renderInput(examples[0]!.type, examples[0]!.source)), examples[0]!.labels);
    });

  it('is stopped by the runtime manager when idle, and comes back on the next render', async () => {
    await engine.render(renderInput(examples[0]!.type, examples[0]!.source));
    const idle = testContext({ STUDIO_JVM_WARMUP: '0', STUDIO_IDLE_STOP_S: '1' });
    try {
      const e = idle.engine(spec);
      await e.render(renderInput(examples[0]!.type, examples[0]!.source));
      expect(e.state()).toBe('ready');
      await idle.manager.check(Date.now() + 60_000);
      expect(e.state()).toBe('stopped');
      expect(idle.manager.status()[0]!.stops.idle).toBe(1);
      checkPicture('svg', await e.render(renderInput(examples[0]!.type, examples[0]!.source)), examples[0]!.labels);
      expect(e.state()).toBe('ready');
    } finally {
      await idle.close();
    }
  });
});
