/** Facts about the machine and tool versions, for the report header. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** First line a command prints on stdout or, failing that, stderr (`java -version`, `dot -V`). */
function versionLine(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return 'not found';
  const text = (r.stdout?.trim() || r.stderr?.trim() || '').split('\n')[0]?.trim();
  return text || 'unknown';
}

export interface MachineFacts {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGb: string;
  kernel: string;
  node: string;
  java: string;
  chromium: string;
  dot: string;
  gitCommit: string;
}

export function machineFacts(repoRoot: string, chromiumPath: string): MachineFacts {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* not Linux */
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGb: (os.totalmem() / 1e9).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    java: versionLine(['java', '-version']),
    chromium: versionLine([chromiumPath, '--version']).replace(/ built on.*$/, ''),
    dot: versionLine(['dot', '-V']),
    gitCommit: versionLine(['git', '-C', repoRoot, 'rev-parse', '--short', 'HEAD']),
  };
}

/** The 1-, 5- and 15-minute load averages: other work on the machine skews every number. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [a!, b!, c!];
}

export function loadText(l: readonly number[]): string {
  return l.map((v) => v.toFixed(2)).join(' / ');
}

/**
 * Waits (bounded) until the 1-minute load average drops below `threshold`, so the bench
 * does not measure other people's test runs. Returns the seconds waited.
 */
export async function waitForQuiet(threshold: number, maxSeconds: number, onWait: (load: number) => void): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < maxSeconds * 1000) {
    const load = loadAverage()[0];
    if (load < threshold) break;
    onWait(load);
    await new Promise((r) => setTimeout(r, 5000));
  }
  return (Date.now() - started) / 1000;
}
