/**
 * PlantUML and C4-PlantUML on the shared warm JVM (runtimes/jvm-worker.ts).
 * Kroki parity: same formats and order, `theme` and `no-metadata` options, sources without
 * `@start…` wrapped in `@startuml/@enduml`, includes sanitised unless `unsafe`.
 * Deviations: `theme` must be a plain name (400 otherwise), `base64` uses the standard
 * base64 alphabet (a valid data URI) instead of Kroki's URL-safe one, and PDF falls back to
 * SVG → PDF through the shared converter when the jar's PDF backend cannot load on this JRE.
 */
import type { OutputFormat } from '../api/types.js';
import { DiagramSyntaxError, StudioError } from '../errors.js';
import { layoutConfig, sharedJvmWorker, type JvmRenderResult, type JvmWorker, type JvmWorkerOptions } from '../runtimes/jvm-worker.js';
import type { DiagramEngine, EngineContext, EngineFactory, RenderInput } from './engine.js';
import { sanitizeIncludes, validateTheme, withDelimiters, type PreparedSource } from './plantuml-source.js';

export const PLANTUML_FORMATS = ['png', 'svg', 'pdf', 'base64', 'txt', 'utxt'] as const satisfies readonly OutputFormat[];

export type JvmEngineOptions = Omit<JvmWorkerOptions, 'config' | 'logger' | 'onRestart'>;

/** Version for listings before the JVM has answered: taken from the jar's file name. */
export function jarVersionHint(jar: string): string | undefined {
  return /plantuml[-_]?(\d+(?:\.\d+)+)\.jar$/i.exec(jar)?.[1];
}

/** Turns PlantUML's answer into bytes or the matching StudioError with the user's line. */
export function unwrapJvmResult(result: JvmRenderResult, prepared: PreparedSource): Buffer {
  if (result.ok) return result.bytes;
  switch (result.kind) {
    case 'syntax': {
      const line = result.position >= 0 ? prepared.toSourceLine(result.position) : undefined;
      // Kroki's wording: "<cause> (line: N)".
      const message = line === undefined ? result.message : `${result.message} (line: ${line})`;
      throw new DiagramSyntaxError(message, line === undefined ? {} : { line });
    }
    case 'empty':
      throw new DiagramSyntaxError('Empty diagram, missing delimiters?');
    case 'unsupported':
      throw new StudioError(500, `PlantUML could not produce this format: ${result.message}`);
    case 'internal':
      // Kroki reports renderer failures as 400 with the renderer's own message.
      throw new DiagramSyntaxError(`PlantUML failed to render the diagram: ${result.message}`);
  }
}

/**
 * The part of a DiagramEngine that is the same for every engine on the shared JVM
 * (plantuml, ditaa): state, version, availability, start/stop with the worker's reference
 * count, and the concurrency that keeps its render threads busy.
 */
export function jvmEngineLifecycle(
  ctx: EngineContext,
  worker: JvmWorker,
  id: string,
  jvmOptions: JvmEngineOptions,
): Pick<DiagramEngine, 'concurrency' | 'state' | 'version' | 'available' | 'start' | 'stop' | 'whenWarm'> {
  return {
    // Two render threads in the JVM; a few more in flight keeps them busy (pipelining).
    concurrency: (jvmOptions.threads ?? 2) * 2,
    state: () => worker.state(),
    version: () => worker.version() ?? jarVersionHint(ctx.config.plantumlJar) ?? 'unknown',
    available: () => worker.available(),
    async start() {
      worker.acquire(id);
      await worker.start();
    },
    stop: () => worker.release(id),
    whenWarm: () => worker.whenWarm(),
  };
}

export function createPlantumlEngine(ctx: EngineContext, jvmOptions: JvmEngineOptions = {}): DiagramEngine {
  const worker: JvmWorker = sharedJvmWorker(ctx, jvmOptions);
  const id = 'plantuml';

  async function renderPlantuml(
    prepared: PreparedSource,
    format: 'png' | 'svg' | 'pdf' | 'txt' | 'utxt',
    input: RenderInput,
    config: string[],
  ): Promise<Buffer> {
    const result = await worker.render({
      format,
      source: prepared.text,
      config,
      noMetadata: 'no-metadata' in input.options,
      signal: input.signal,
      engineId: id,
    });
    return unwrapJvmResult(result, prepared);
  }

  return {
    id,
    types: ['plantuml', 'c4plantuml'],
    formats: PLANTUML_FORMATS,
    runtime: 'jvm',
    sourceEncoding: 'plantuml',
    options: [
      { name: 'theme', description: 'A built-in PlantUML theme name (letters, digits, - and _ only).', kind: 'string' },
      { name: 'no-metadata', description: 'Leave the diagram source out of the image metadata.', kind: 'flag' },
    ],
    ...jvmEngineLifecycle(ctx, worker, id, jvmOptions),
    async render(input: RenderInput): Promise<Buffer> {
      worker.acquire(id);
      const config = layoutConfig(ctx.config);
      if (input.options.theme !== undefined) config.push(`!theme ${validateTheme(input.options.theme)}`);
      const prepared = withDelimiters(sanitizeIncludes(input.source, input.safeMode));

      switch (input.format) {
        case 'base64': {
          const png = await renderPlantuml(prepared, 'png', input, config);
          return Buffer.from(`data:image/png;base64,${png.toString('base64')}`, 'ascii');
        }
        case 'pdf': {
          await worker.start();
          if (worker.pdfSupported()) return renderPlantuml(prepared, 'pdf', input, config);
          const svg = await renderPlantuml(prepared, 'svg', input, config);
          return ctx.converter.toPdf(svg.toString('utf8'), { signal: input.signal });
        }
        case 'png':
        case 'svg':
        case 'txt':
        case 'utxt':
          return renderPlantuml(prepared, input.format, input, config);
        default:
          throw new StudioError(500, `plantuml cannot render ${input.format}`);
      }
    },
  };
}

export const plantumlEngine: EngineFactory = (ctx) => createPlantumlEngine(ctx);
