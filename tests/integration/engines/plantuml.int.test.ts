/**
 * PlantUML / C4-PlantUML on a real warm JVM: pictures, errors with lines, safe mode,
 * crash recovery, abort, and a clean stop.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputFormat, SafeMode } from '../../../shared/api.js';
import { PLANTUML_JVM, plantumlSettings, renderPayload, type PlantumlFormat } from '../../../server/engines/plantuml/jvm.js';
import { plantuml } from '../../../server/engines/plantuml/plantuml.js';
import { DiagramSyntaxError, EngineCrashedError, EngineUnavailableError, StudioError } from '../../../server/errors.js';
import type { LiveEngine } from '../../../server/render/engines.js';
import { JvmHost } from '../../../server/runtimes/jvm-host.js';
import { testContext, type TestContext } from '../../helpers/context.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PARTICIPANTS = ['Browser', 'Gateway', 'Auth', 'Catalog', 'Cart', 'Payment', 'Ledger', 'Mailer'];
/** Shaped like the benchmark's small diagram (PLANTUML_SMALL in scripts/bench/diagrams.ts): 8 participants, alt/else and a note. */
const SEQUENCE = [
  '@startuml',
  ...PARTICIPANTS.map((p) => `participant ${p}`),
  'Browser -> Gateway : GET /checkout',
  'Gateway -> Auth : verify token',
  'Auth --> Gateway : ok',
  'Gateway -> Catalog : prices',
  'Gateway -> Cart : items',
  'alt card accepted',
  '  Gateway -> Payment : charge',
  '  Payment -> Ledger : record',
  '  Gateway -> Mailer : receipt',
  'else declined',
  '  Payment --> Gateway : declined',
  'end',
  'note right of Ledger : append-only',
  'Gateway --> Browser : 200',
  '@enduml',
].join('\n');

/** Slow enough (seconds) to kill or abort mid-render. */
const SLOW_CLASSES = `@startuml\n!pragma layout smetana\n${Array.from({ length: 300 }, (_, i) => `class C${i} {\n +f${i}: int\n}\nC${i} --> C${(i * 7) % 300}`).join('\n')}\n@enduml`;

const window = new Window();
function parseSvg(bytes: Buffer): Document {
  const doc = new window.DOMParser().parseFromString(bytes.toString('utf8'), 'image/svg+xml') as unknown as Document;
  expect(doc.querySelector('parsererror')).toBeNull();
  expect(doc.documentElement.nodeName.toLowerCase()).toBe('svg');
  return doc;
}

/** The SVG's visible text, with PlantUML's non-breaking spaces as plain spaces. */
function svgText(bytes: Buffer): string {
  return (parseSvg(bytes).documentElement.textContent ?? '').replace(/\u00a0/g, ' ');
}

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the render to fail');
}

function javaChildren(): number[] {
  const out = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'java')
    .map(([pid]) => Number(pid));
}

/** A JVM of its own on the PlantUML runtime's settings, with some of them changed. */
function plantumlHost(
  ctx: TestContext,
  more: { jvmArgs?: string[]; threads?: number; stuckGraceMs?: number; startTimeoutMs?: number; onRestart?: (id: string) => void } = {},
): JvmHost {
  const base = PLANTUML_JVM.host(ctx);
  let jvmArgs = [...base.jvmArgs, ...(more.jvmArgs ?? [])];
  if (more.threads !== undefined) jvmArgs = jvmArgs.map((a) => (a.startsWith('-Dstudio.threads=') ? `-Dstudio.threads=${more.threads}` : a));
  return new JvmHost({
    ...base,
    jvmArgs,
    logger: ctx.logger,
    onRestart: more.onRestart ?? (() => {}),
    ...(more.stuckGraceMs !== undefined ? { stuckGraceMs: more.stuckGraceMs } : {}),
    ...(more.startTimeoutMs !== undefined ? { startTimeoutMs: more.startTimeoutMs } : {}),
  });
}

/** One request straight to a JVM, past the engine (and its sanitizer). */
function call(host: JvmHost, req: { format: PlantumlFormat; source: string; signal?: AbortSignal }) {
  return host.call(renderPayload(req), req.signal ? { signal: req.signal } : {});
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('plantuml engine (warm JVM)', () => {
  const ctx = testContext({ STUDIO_JVM_WARMUP: '30' });
  let engine: LiveEngine;
  const jvm = () => engine.host as JvmHost;
  const render = (
    source: string,
    format: OutputFormat,
    options: Record<string, string> = {},
    extra: { safeMode?: SafeMode; signal?: AbortSignal; type?: string } = {},
  ) =>
    engine.render({
      type: extra.type ?? 'plantuml',
      source,
      format,
      options,
      safeMode: extra.safeMode ?? ctx.config.safeMode,
      signal: extra.signal ?? new AbortController().signal,
    });

  beforeAll(async () => {
    engine = ctx.engine(plantuml);
    expect(engine.available()).toEqual({ ok: true });
    await engine.start(true);
  });

  afterAll(async () => {
    await engine.stop();
    await ctx.close();
  });

  it('reports the version the jar itself prints', () => {
    const printed = execFileSync(plantumlSettings(ctx).javaPath, ['-jar', plantumlSettings(ctx).jar, '-version'], { encoding: 'utf8' });
    const jarVersion = /PlantUML version (\S+)/.exec(printed)?.[1];
    expect(jarVersion).toBeDefined();
    expect(engine.version()).toBe(jarVersion);
    expect(engine.state()).toBe('ready');
  });

  it('renders the 8-participant sequence diagram to SVG with every participant', async () => {
    const doc = parseSvg(await render(SEQUENCE, 'svg'));
    const text = doc.documentElement.textContent ?? '';
    for (const p of PARTICIPANTS) expect(text).toContain(p);
    expect(text).toContain('append-only');
  });

  it('after the background warm-up, repeated renders keep giving the same full picture', async () => {
    // Speed is the benchmark's job (scripts/bench/run.ts: PlantUML warm SVG/PNG medians).
    await engine.whenWarm();
    const first = await render(SEQUENCE, 'svg');
    const text = svgText(first);
    for (const p of PARTICIPANTS) expect(text).toContain(p);
    expect(text).toContain('append-only');
    for (let i = 0; i < 20; i++) expect((await render(SEQUENCE, 'svg')).equals(first)).toBe(true);
  });

  it('renders PNG with a plausible size', async () => {
    const { width, height } = pngSize(await render(SEQUENCE, 'png'));
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(200);
  });

  it('renders txt and utxt with the names', async () => {
    const txt = (await render('Bob -> Alice : hello', 'txt')).toString('utf8');
    expect(txt).toContain('Bob');
    expect(txt).toContain('Alice');
    expect(txt).toContain('hello');
    const utxt = (await render('Bob -> Alice : hello', 'utxt')).toString('utf8');
    expect(utxt).toContain('Alice');
    expect(utxt).toMatch(/[\u2500-\u257f]/); // box-drawing characters
  });

  it('renders base64 as a standard data URI of the PNG', async () => {
    const body = (await render('Bob -> Alice : hello', 'base64')).toString('ascii');
    expect(body.startsWith('data:image/png;base64,')).toBe(true);
    const b64 = body.slice('data:image/png;base64,'.length);
    expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    pngSize(Buffer.from(b64, 'base64'));
  });

  it('renders PDF (natively, or SVG → PDF through the converter)', async (t) => {
    let pdf: Buffer;
    try {
      pdf = await render('Bob -> Alice : hello', 'pdf');
    } catch (err) {
      // On a JRE older than PlantUML's PDF backend (OpenPDF needs Java 21) PDF goes through the
      // shared browser converter; where that cannot run here, say so instead of passing.
      const converterMissing = err instanceof EngineUnavailableError || (err as Error).message === 'not implemented';
      if (jvm().info()?.pdf !== 'true' && converterMissing) {
        t.skip(`PDF needs the SVG→PDF converter on this JRE, which is unavailable: ${(err as Error).message}`);
      }
      throw err;
    }
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('wraps sources without @start and honours no-metadata', async () => {
    const withMeta = (await render('Bob -> Alice : hi', 'svg')).toString('utf8');
    const without = (await render('Bob -> Alice : hi', 'svg', { 'no-metadata': '' })).toString('utf8');
    expect(withMeta).toContain('<?plantuml-src');
    expect(without).not.toContain('<?plantuml-src');
    expect(without).toContain('Alice');
  });

  it('applies a theme and refuses theme injection', async () => {
    const plain = (await render('Bob -> Alice : hi', 'svg')).toString('utf8');
    const themed = (await render('Bob -> Alice : hi', 'svg', { theme: 'cerulean' })).toString('utf8');
    expect(themed).toContain('Alice');
    expect(themed).not.toBe(plain);
    const err = await rejection(render('Bob -> Alice : hi', 'svg', { theme: 'cerulean\n!include /etc/passwd' }));
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).status).toBe(400);
    expect((err as Error).message).toMatch(/Invalid value for option theme.*only letters, digits/);
    expect((err as Error).message).not.toContain('root:');
  });

  it('renders C4 from the bundled stdlib, and rewrites C4 URL includes to it (offline)', async () => {
    const body = ['Person(user, "Customer Alice")', 'System(shop, "Web Shop")', 'Rel(user, shop, "Places orders")', 'SHOW_LEGEND()'];
    const stdlib = svgText(await render(['@startuml', '!include <C4/C4_Container>', ...body, '@enduml'].join('\n'), 'svg', {}, { type: 'c4plantuml' }));
    const viaUrl = svgText(
      await render(
        ['@startuml', '!include https://raw.githubusercontent.com/plantuml-stdlib/C4-PlantUML/master/C4_Container.puml', ...body, '@enduml'].join('\n'),
        'svg',
        {},
        { type: 'c4plantuml' },
      ),
    );
    for (const text of [stdlib, viaUrl]) {
      expect(text).toContain('Customer Alice');
      expect(text).toContain('Web Shop');
      expect(text).toContain('Places orders');
    }
  });

  it('reports syntax errors with the user’s line (wrapped, delimited, themed)', async () => {
    const cases: Array<[string, number, Record<string, string>]> = [
      ['Bob -> Alice : hi\nthis is not plantuml\nAlice -> Bob : ok', 2, {}],
      ['\n@startuml\nBob -> Alice : hi\nBob -> Alice : hi\nthis is not plantuml\n@enduml', 5, {}],
      ['Bob -> Alice : hi\nthis is not plantuml', 2, { theme: 'cerulean' }],
    ];
    for (const [source, line, options] of cases) {
      const err = await rejection(render(source, 'svg', options));
      expect(err).toBeInstanceOf(DiagramSyntaxError);
      expect((err as DiagramSyntaxError).status).toBe(400);
      expect((err as DiagramSyntaxError).line).toBe(line);
      expect((err as Error).message).toBe(`Syntax Error? (Assumed diagram type: sequence) (line: ${line})`);
    }
  });

  it('reports an empty diagram like Kroki', async () => {
    const err = await rejection(render('@startuml', 'svg'));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as Error).message).toBe('Empty diagram, missing delimiters?');
  });

  it('class diagrams render with Graphviz dot', async () => {
    expect(plantumlSettings(ctx).dot).not.toBeNull();
    const text = parseSvg(await render('class Invoice\nclass Customer\nCustomer "1" -- "*" Invoice : owns', 'svg')).documentElement.textContent;
    expect(text).toContain('Invoice');
    expect(text).toContain('Customer');
  });

  describe('secure mode', () => {
    it('removes !include of a local file: no content, no leak in errors', async () => {
      for (const format of ['svg', 'txt'] as const) {
        const out = (await render('!include /etc/passwd\nBob -> Alice : still here', format, {}, { safeMode: 'secure' })).toString('utf8');
        expect(out).toContain('still here');
        expect(out).not.toContain('root:');
      }
    });

    it('removes URL includes and the other loaders', async () => {
      const source = ['!include https://example.com/evil.puml', '!includeurl http://127.0.0.1:1/x.puml', '!include_once /etc/hosts', 'Bob -> Alice : hi'].join(
        '\n',
      );
      const text = parseSvg(await render(source, 'svg', {}, { safeMode: 'secure' })).documentElement.textContent ?? '';
      expect(text).toContain('Alice');
      expect(text).not.toContain('localhost');
    });

    it('keeps allow-listed stdlib includes', async () => {
      const text = svgText(await render('!include <C4/C4_Context>\nPerson(p, "Stdlib Person")', 'svg', {}, { safeMode: 'secure' }));
      expect(text).toContain('Stdlib Person');
    });

    it('the JVM’s SANDBOX profile still refuses a file include that reaches it', async () => {
      // Straight to the worker, past the sanitizer: defence in depth.
      const result = await call(jvm(), { format: 'svg', source: '@startuml\n!include /etc/passwd\n@enduml' });
      expect(result.status).not.toBe(0);
      expect(result.message).toContain('cannot include /etc/passwd');
      expect(result.message).not.toContain('root:');
    });

    it('safe mode keeps relative includes (PlantUML then resolves them under its profile)', async () => {
      const err = await rejection(render('Bob -> Alice : hi\n!include missing-local.puml', 'svg', {}, { safeMode: 'safe' }));
      expect(err).toBeInstanceOf(DiagramSyntaxError);
      expect((err as Error).message).toContain('missing-local.puml');
      expect((err as DiagramSyntaxError).line).toBe(2);
      // The same line is dropped in secure mode, so the diagram renders.
      expect((await render('Bob -> Alice : hi\n!include missing-local.puml', 'svg', {}, { safeMode: 'secure' })).toString()).toContain('Alice');
    });
  });

  describe('failures', () => {
    it('renders concurrently (pipelined requests)', async () => {
      const sources = PARTICIPANTS.map((p) => `${p} -> Other${p} : ping`);
      const outputs = await Promise.all(sources.map((s) => render(s, 'svg')));
      outputs.forEach((svg, i) => expect(svg.toString()).toContain(`Other${PARTICIPANTS[i]}`));
    });

    it('a JVM killed mid-render rejects with a 5xx and the next render starts a new JVM', async () => {
      const worker = jvm();
      const pid = worker.pid()!;
      const slow = render(SLOW_CLASSES, 'svg');
      await new Promise((r) => setTimeout(r, 300));
      process.kill(pid, 'SIGKILL');
      const err = await rejection(slow);
      expect(err).toBeInstanceOf(EngineCrashedError);
      expect((err as StudioError).status).toBeGreaterThanOrEqual(500);
      expect((await render('Bob -> Alice : after crash', 'svg')).toString()).toContain('after crash');
      expect(worker.pid()).not.toBe(pid);
      expect(ctx.restarts).toContain('plantuml');
    });

    it('a JVM killed between renders is replaced on the next render', async () => {
      const worker = jvm();
      const pid = worker.pid()!;
      process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      expect(isAlive(pid)).toBe(false);
      expect((await render('Bob -> Alice : again', 'txt')).toString()).toContain('again');
      expect(worker.pid()).not.toBe(pid);
    });

    it('an aborted render rejects at once with the caller’s reason', async () => {
      const before = new AbortController();
      before.abort(new StudioError(504, 'too slow'));
      expect(await rejection(render('Bob -> Alice', 'svg', {}, { signal: before.signal }))).toBe(before.signal.reason);

      const controller = new AbortController();
      const slow = render(SLOW_CLASSES, 'svg', {}, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 200));
      const abortedAt = performance.now();
      controller.abort(new StudioError(504, 'deadline'));
      const err = await rejection(slow);
      expect(performance.now() - abortedAt).toBeLessThan(100);
      expect((err as StudioError).message).toBe('deadline');
      // The JVM is still usable afterwards.
      expect((await render('Bob -> Alice : next', 'txt')).toString()).toContain('next');
    });

    it('starts with extra STUDIO_JVM_OPTIONS, even ones the JVM warns about (warnings stay off the frame pipe)', async () => {
      // -Xmn64m > -Xms32m: the JVM prints a warning
      const worker = plantumlHost(ctx, { jvmArgs: ['-Xmn64m', '-Dstudio.test=1'], startTimeoutMs: 20_000 });
      try {
        const result = await call(worker, { format: 'txt', source: '@startuml\nAlice -> Bob : flags\n@enduml' });
        expect(result.status).toBe(0);
        expect(result.body.toString('utf8')).toContain('flags');
      } finally {
        await worker.stop();
      }
    });

    it('fails at once, with a clear message, when something else writes to the JVM output pipe', async () => {
      // -XX:+PrintFlagsFinal prints the flag table on stdout, where only frames may go.
      const worker = plantumlHost(ctx, { jvmArgs: ['-XX:+PrintFlagsFinal'], startTimeoutMs: 30_000 });
      const started = performance.now();
      try {
        const err = await worker.start().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(EngineUnavailableError);
        expect((err as Error).message).toMatch(/wrote text where a frame should be: ".*Global flags/);
        expect(performance.now() - started).toBeLessThan(15_000);
        expect(worker.state()).not.toBe('ready');
      } finally {
        await worker.stop();
      }
    });

    it('cancelling a render still queued in the JVM does not count as a hang', async () => {
      const restarts: string[] = [];
      const worker = plantumlHost(ctx, { onRestart: (id) => restarts.push(id), stuckGraceMs: 100, threads: 1 });
      try {
        await worker.start();
        const pid = worker.pid()!;
        const busy = call(worker, { format: 'txt', source: SLOW_CLASSES }); // holds the only thread
        const controller = new AbortController();
        const queued = call(worker, { format: 'svg', source: '@startuml\nA -> B\n@enduml', signal: controller.signal });
        await new Promise((r) => setTimeout(r, 100));
        controller.abort();
        await rejection(queued);
        await new Promise((r) => setTimeout(r, 500));
        expect(worker.pid()).toBe(pid);
        expect(restarts).toEqual([]);
        const done = await busy;
        expect(done.status).toBe(0);
      } finally {
        await worker.stop();
      }
    });

    it('a render that ignores the cancel past the grace period gets the JVM restarted', async () => {
      const restarts: string[] = [];
      const worker = plantumlHost(ctx, { onRestart: (id) => restarts.push(id), stuckGraceMs: 100 });
      try {
        await worker.start();
        const pid = worker.pid()!;
        const controller = new AbortController();
        const slow = call(worker, { format: 'svg', source: SLOW_CLASSES, signal: controller.signal });
        // In flight on the other thread when the JVM is recycled: resent, not failed.
        const innocent = call(worker, { format: 'txt', source: SLOW_CLASSES.replace('C0 {', 'Innocent {') });
        await new Promise((r) => setTimeout(r, 200));
        controller.abort();
        await rejection(slow);
        await new Promise((r) => setTimeout(r, 600));
        expect(isAlive(pid)).toBe(false);
        const again = await call(worker, { format: 'txt', source: '@startuml\nA -> B : fresh\n@enduml' });
        expect(again.status === 0 && again.body.toString()).toContain('fresh');
        expect(worker.pid()).not.toBe(pid);
        expect(restarts).toEqual(['plantuml']);
        const resent = await innocent;
        expect(resent.status === 0 && resent.body.toString()).toContain('Innocent');
      } finally {
        await worker.stop();
      }
    });
  });
});

describe('plantuml without Graphviz (Smetana)', () => {
  // A GRAPHVIZ_DOT that does not exist: PlantUML falls back to its built-in layout.
  const ctx = testContext({ GRAPHVIZ_DOT: '/nonexistent/dot', STUDIO_JVM_WARMUP: '0' });
  const engine = ctx.engine(plantuml);

  afterAll(async () => {
    await engine.stop();
    await ctx.close();
  });

  it('draws a class diagram with the built-in layout', async () => {
    const svg = await engine.render({
      type: 'plantuml',
      source: 'class Invoice {\n +total() : Money\n}\nclass Customer\nCustomer "1" -- "*" Invoice : owns',
      format: 'svg',
      options: {},
      safeMode: 'secure',
      signal: new AbortController().signal,
    });
    const text = parseSvg(svg).documentElement.textContent;
    expect(text).toContain('Invoice');
    expect(text).toContain('Customer');
    expect(text).toContain('total()');
  });

  it('stop() leaves no java process behind, and start() works again', async () => {
    const worker = engine.host as JvmHost;
    const pid = worker.pid()!;
    expect(isAlive(pid)).toBe(true);
    await engine.stop();
    expect(isAlive(pid)).toBe(false);
    expect(javaChildren()).not.toContain(pid);
    expect(engine.state()).toBe('stopped');
    await engine.start();
    expect(engine.state()).toBe('ready');
    await engine.stop();
    expect(javaChildren()).toEqual([]);
  });
});
