/**
 * The blockdiag family — blockdiag, seqdiag, actdiag, nwdiag, packetdiag, rackdiag — drawn
 * by one persistent Python process (worker.py beside this file) that imports the six
 * libraries once. Kroki runs the `blockdiag` command per diagram with `--module=<type>`.
 * Kroki parity: formats png, svg, pdf; options antialias, no-transparency, size, no-doctype.
 * Deviations: `background`/`icon` (files, URLs) are refused unless the safe mode is
 * `unsafe`; labels Kroki's DejaVu Serif cannot draw (CJK) are measured and drawn with Noto
 * CJK, and their PDF is made from the SVG (reportlab embeds TrueType outlines only); options
 * that do not apply to the format are ignored instead of failing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findType } from '../../../shared/diagram-types.js';
import { DiagramSyntaxError, StudioError } from '../../errors.js';
import { assetPath } from '../../paths.js';
import { scrubbedEnv, type WorkerReplyError } from '../../runtimes/command-runner.js';
import { defineEngine, type CommandRuntime, type EngineEnv, type SettingsSchema } from '../spec.js';

const WORKER = assetPath(import.meta.url, 'worker.py', { external: true });
const MODULES = ['blockdiag', 'seqdiag', 'actdiag', 'nwdiag', 'packetdiag', 'rackdiag'] as const;
const DEBIAN_PACKAGES = 'python3-blockdiag python3-seqdiag python3-actdiag python3-nwdiag';

export const BLOCKDIAG_SETTINGS = {
  python: {
    env: 'STUDIO_PYTHON_PATH',
    kind: 'string',
    // Debian's python3-* packages install for the system interpreter; a python3 found
    // earlier on PATH (pyenv, a virtualenv) would not see them.
    default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3',
    description: 'The Python 3 interpreter that has the blockdiag, seqdiag, actdiag and nwdiag modules.',
  },
  font: {
    env: 'STUDIO_BLOCKDIAG_FONT',
    kind: 'optional-file',
    // Kroki's font, so pictures have Kroki's layout.
    default: () => ['/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf', '/usr/share/fonts/TTF/DejaVuSerif.ttf', '/usr/share/fonts/dejavu/DejaVuSerif.ttf'],
    description: 'TrueType font for blockdiag labels (PNG, PDF and the text measurements of SVG).',
  },
  wideFont: {
    env: 'STUDIO_BLOCKDIAG_CJK_FONT',
    kind: 'optional-file',
    default: () => [
      '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
      '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
      '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
    ],
    description: 'Font for blockdiag diagrams with characters the main font lacks (CJK).',
  },
  memoryMb: {
    env: 'STUDIO_BLOCKDIAG_MEMORY_MB',
    kind: 'int',
    default: 1024,
    min: 256,
    max: 65_536,
    description: "Address-space cap of the blockdiag worker: a diagram asking for a larger canvas is a 400, not the machine's memory.",
  },
} as const satisfies SettingsSchema;

interface BlockdiagSettings {
  python: string;
  font: string | null;
  wideFont: string | null;
  memoryMb: number;
}

function settings(env: EngineEnv): BlockdiagSettings {
  return env.settings(BLOCKDIAG_SETTINGS) as BlockdiagSettings;
}

// ---- availability: one cheap probe per interpreter (finds the modules without importing them) ----

const PROBE = [
  'import importlib.util as u, importlib.metadata as m, json',
  `names = ${JSON.stringify(MODULES)}`,
  'missing = [n for n in names if u.find_spec(n) is None]',
  'def version(n):',
  '    try: return m.version(n)',
  '    except Exception: return None',
  "print(json.dumps({'missing': missing, 'blockdiag': version('blockdiag')}))",
].join('\n');

type Probe = { ok: true; version: string | null } | { ok: false; reason: string };
const probes = new Map<string, Probe>();

function probe(python: string): Probe {
  let known = probes.get(python);
  if (known) return known;
  // Synchronous, once per interpreter (~30 ms): availability is asked synchronously (routing,
  // /api/engines). A Python that hangs is given 3 s, and that answer is not kept.
  const run = spawnSync(python, ['-I', '-c', PROBE], { env: scrubbedEnv({ argv: [python] }), encoding: 'utf8', timeout: 3_000 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
    return { ok: false, reason: `Python 3 ("${python}") did not answer within 3 s; set STUDIO_PYTHON_PATH to a working python3.` };
  let found: { missing: string[]; blockdiag: string | null } | null = null;
  try {
    if (!run.error && run.status === 0) found = JSON.parse(run.stdout) as { missing: string[]; blockdiag: string | null };
  } catch {
    found = null; // something else printed on stdout (a sitecustomize, a wrapper): treated as not runnable
  }
  if (!found) {
    const why = run.error
      ? run.error.message
      : run.status !== 0
        ? run.stderr.trim().split('\n').pop() || `exit code ${run.status}`
        : "it printed something other than the probe's answer";
    known = {
      ok: false,
      reason: `Python 3 could not be run as "${python}" (${why}); install python3 and ${DEBIAN_PACKAGES}, or set STUDIO_PYTHON_PATH.`,
    };
  } else {
    known =
      found.missing.length > 0
        ? {
            ok: false,
            reason: `${python} lacks the Python modules ${found.missing.join(', ')}: install the Debian packages ${DEBIAN_PACKAGES} (or pip install blockdiag seqdiag actdiag nwdiag), or point STUDIO_PYTHON_PATH at a Python that has them.`,
          }
        : { ok: true, version: found.blockdiag };
  }
  probes.set(python, known);
  return known;
}

// ---- runtime -------------------------------------------------------------------------------

export const BLOCKDIAG_RUNTIME: CommandRuntime = {
  kind: 'command',
  key: 'blockdiag',
  settings: BLOCKDIAG_SETTINGS,
  // One Python thread draws; a second request waiting in the pipe keeps it busy between two.
  concurrency: 2,
  worker(env) {
    const s = settings(env);
    return {
      id: 'blockdiag',
      // -I: no user site-packages, no PYTHON* variables, no script folder on sys.path.
      argv: [
        s.python,
        '-I',
        WORKER,
        ...(s.font ? ['--font', s.font] : []),
        ...(s.wideFont ? ['--wide-font', s.wideFont] : []),
        '--memory-mb',
        String(s.memoryMb),
      ],
    };
  },
};

// ---- engine --------------------------------------------------------------------------------

const DIAGRAM_ERRORS = new Set(['syntax', 'render', 'refused', 'too-large']);

function replyError(error: WorkerReplyError | undefined): StudioError {
  if (error && DIAGRAM_ERRORS.has(error.kind ?? '')) return new DiagramSyntaxError(error.message, error.line === undefined ? {} : { line: error.line });
  return new StudioError(500, `The blockdiag worker could not handle the request: ${error?.message ?? 'no reason given'}`);
}

export const blockdiag = defineEngine({
  id: 'blockdiag',
  types: MODULES,
  formats: ['svg', 'png', 'pdf'],
  formatOrder: ['png', 'svg', 'pdf'],
  options: {
    named: {
      antialias: { kind: 'flag', description: 'Draw the PNG at twice the size and scale it down (smoother lines).' },
      'no-transparency': { kind: 'flag', description: 'PNG with a white background instead of a transparent one.' },
      size: {
        kind: 'string',
        pattern: /^[1-9]\d{0,4}x[1-9]\d{0,4}$/,
        hint: 'WIDTHxHEIGHT in pixels, like 320x240',
        description: 'Largest size of the PNG (scaled down to fit, keeping its proportions); the width and height of the SVG.',
      },
      'no-doctype': { kind: 'flag', description: 'SVG without the XML doctype declaration.' },
    },
  },
  runtime: BLOCKDIAG_RUNTIME,
  errorSample: { source: 'blockdiag {\n  A -> B;\n  B -> C [label = "x"\n}\n', line: 4 },
  version(info, env) {
    if (info?.blockdiag) return info.blockdiag;
    const p = probe(settings(env).python);
    return p.ok && p.version ? p.version : 'unknown';
  },
  unavailable(env) {
    const p = probe(settings(env).python);
    return p.ok ? null : p.reason;
  },
  async render(input, host) {
    const size = typeof input.values.size === 'string' ? input.values.size.split('x').map(Number) : null;
    const request = {
      module: findType(input.type)?.type ?? input.type,
      format: input.format,
      source: input.source,
      antialias: input.values.antialias === true,
      transparency: input.values['no-transparency'] !== true,
      nodoctype: input.values['no-doctype'] === true,
      size,
      // Kroki lets blockdiag read files and fetch URLs in every mode; only `unsafe` does here.
      external: input.safeMode === 'unsafe',
    };
    const reply = await host.call('render', JSON.stringify(request), { signal: input.signal });
    if (!reply.header.ok) throw replyError(reply.header.error);
    // The worker answers a PDF with SVG when its font cannot be embedded (CJK labels):
    // the render core prints that SVG to PDF.
    if (input.format === 'pdf' && reply.header.format === 'svg') return { svg: reply.body.toString('utf8') };
    return reply.body;
  },
});
