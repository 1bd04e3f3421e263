/**
 * PlantUML and C4-PlantUML on the shared PlantUML JVM (jvm.ts).
 * Kroki parity: same formats and order, `theme` and `no-metadata` options, sources without
 * `@start…` wrapped in `@startuml/@enduml`, includes sanitised unless `unsafe`.
 * Deviations: `theme` must be a plain name (400 otherwise), `base64` uses the standard
 * base64 alphabet (a valid data URI) instead of Kroki's URL-safe one, and PDF falls back to
 * SVG → PDF through the shared converter when the jar's PDF backend cannot load on this JRE.
 */
import { StudioError } from '../../errors.js';
import { defineEngine, type RenderInput } from '../spec.js';
import type { JvmHost } from '../../runtimes/jvm-host.js';
import { layoutConfig, PLANTUML_JVM, plantumlVersion, plantumlWarmUpSample, plantumlSettings, renderPayload, unwrapReply, type PlantumlFormat } from './jvm.js';
import { sanitizeIncludes, withDelimiters, type PreparedSource } from './source.js';

async function draw(host: JvmHost, prepared: PreparedSource, format: PlantumlFormat, input: RenderInput, config: readonly string[]): Promise<Buffer> {
  const reply = await host.call(renderPayload({ format, source: prepared.text, config, noMetadata: input.values['no-metadata'] === true }), {
    signal: input.signal,
    caller: 'plantuml',
  });
  return unwrapReply(reply, prepared);
}

export const plantuml = defineEngine({
  id: 'plantuml',
  types: ['plantuml', 'c4plantuml'],
  formats: ['png', 'svg', 'pdf', 'base64', 'txt', 'utxt'],
  options: {
    named: {
      // Kroki splices the theme into the source unchecked (a newline in it could add
      // directives after the sanitizer); only a plain theme name passes here.
      theme: {
        kind: 'string',
        pattern: /^[A-Za-z0-9_-]+$/,
        hint: "a theme name may contain only letters, digits, '-' and '_'",
        description: 'A built-in PlantUML theme name.',
      },
      'no-metadata': { kind: 'flag', description: 'Leave the diagram source out of the image metadata.' },
    },
  },
  runtime: PLANTUML_JVM,
  errorSample: { source: 'Bob -> Alice : hi\nthis is not plantuml\nAlice -> Bob', line: 2 },
  version: plantumlVersion,
  warmUp: { sample: plantumlWarmUpSample, renders: (env) => plantumlSettings(env).warmup, beforeReady: 1 },
  async render(input, host, env) {
    const config = layoutConfig(env);
    if (typeof input.values.theme === 'string') config.push(`!theme ${input.values.theme}`);
    const prepared = withDelimiters(sanitizeIncludes(input.source, input.safeMode));
    switch (input.format) {
      case 'base64': {
        const png = await draw(host, prepared, 'png', input, config);
        return Buffer.from(`data:image/png;base64,${png.toString('base64')}`, 'ascii');
      }
      case 'pdf': {
        await host.start();
        if (host.info()?.pdf === 'true') return draw(host, prepared, 'pdf', input, config);
        const svg = await draw(host, prepared, 'svg', input, config);
        return env.converter.toPdf(svg.toString('utf8'), { signal: input.signal });
      }
      case 'png':
      case 'svg':
      case 'txt':
      case 'utxt':
        return draw(host, prepared, input.format, input, config);
      default:
        throw new StudioError(500, `plantuml cannot render ${input.format}`);
    }
  },
});
