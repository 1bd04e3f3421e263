/**
 * Memory of a whole process tree from /proc (Linux only): the server's node process plus
 * its JVM and Chromium children. RSS counts shared pages once per process, which inflates
 * Chromium's many processes; PSS (from smaps_rollup) splits shared pages fairly.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  name: string;
  rssBytes: number;
}

/** The program's file name from argv[0]; /proc status Name can be a renamed thread's name. */
function programName(pid: number, statusName: string): string {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0 ? argv0.split('/').pop()! : statusName;
  } catch {
    return statusName;
  }
}

function readProc(pid: number): ProcInfo | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = programName(pid, /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?');
    const ppid = Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
    const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    return { pid, ppid, name, rssBytes: rssKb * 1024 };
  } catch {
    return null; // the process ended between listing and reading
  }
}

/** The root and all its descendants that are alive now. */
export function processTree(rootPid: number): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProc(Number(entry));
    if (info) all.push(info);
  }
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return [];
  const out: ProcInfo[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** PSS in bytes, or null where smaps_rollup is missing or unreadable. */
export function pssBytes(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = /^Pss:\s+(\d+) kB$/m.exec(text)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

export function isChromium(p: ProcInfo): boolean {
  return /chrom/i.test(p.name);
}

export interface TreeSample {
  rssBytes: number;
  pssBytes: number | null;
  processes: number;
  /** RSS bytes, PSS bytes (when sampled) and process count per kind (node, java, chromium, ...). */
  byKind: Record<string, { bytes: number; count: number; pss?: number }>;
}

function kindOf(p: ProcInfo): string {
  if (isChromium(p)) return 'chromium';
  if (/java/i.test(p.name)) return 'java';
  if (/node|tsx/i.test(p.name)) return 'node';
  return p.name;
}

export function sampleTree(rootPid: number, withPss: boolean): TreeSample {
  const tree = processTree(rootPid);
  const byKind: Record<string, { bytes: number; count: number; pss?: number }> = {};
  let pss: number | null = withPss ? 0 : null;
  for (const p of tree) {
    const k = (byKind[kindOf(p)] ??= { bytes: 0, count: 0 });
    k.bytes += p.rssBytes;
    k.count++;
  }
  if (withPss) {
    for (const p of tree) {
      const v = pssBytes(p.pid);
      if (v === null) {
        pss = null;
        break;
      }
      pss! += v;
      const k = byKind[kindOf(p)]!;
      k.pss = (k.pss ?? 0) + v;
    }
  }
  return { rssBytes: tree.reduce((s, p) => s + p.rssBytes, 0), pssBytes: pss, processes: tree.length, byKind };
}

export interface PeakMemory {
  peakRss: TreeSample;
  peakPss: number | null;
  samples: number;
}

/**
 * Samples RSS every `intervalMs` and PSS every `pssEveryMs` (reading smaps_rollup of ~15
 * processes costs a few ms, so it runs less often), keeping the peaks.
 */
export class TreeSampler {
  private timer: NodeJS.Timeout | null = null;
  private peak: TreeSample = { rssBytes: 0, pssBytes: null, processes: 0, byKind: {} };
  private peakPss: number | null = null;
  private samples = 0;
  private lastPssAt = 0;

  constructor(
    private readonly rootPid: number,
    private readonly intervalMs = 100,
    private readonly pssEveryMs = 1000,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  private tick(): void {
    const now = Date.now();
    const withPss = now - this.lastPssAt >= this.pssEveryMs;
    if (withPss) this.lastPssAt = now;
    const s = sampleTree(this.rootPid, withPss);
    this.samples++;
    if (s.rssBytes > this.peak.rssBytes) this.peak = s;
    if (s.pssBytes !== null && (this.peakPss === null || s.pssBytes > this.peakPss)) this.peakPss = s.pssBytes;
  }

  stop(): PeakMemory {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tick();
    return { peakRss: this.peak, peakPss: this.peakPss, samples: this.samples };
  }
}

/** CPU time (utime + stime, in clock ticks) used so far by the whole process tree. */
export function treeCpuTicks(rootPid: number): number {
  let ticks = 0;
  for (const p of processTree(rootPid)) {
    try {
      const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended between listing and reading
    }
  }
  return ticks;
}

/**
 * Wait until the server's tree is idle (under 5% of one core for a second), at most
 * `timeoutMs`: background warm-up (PlantUML's ~100 renders) must not share the CPU with
 * the renders being measured. Returns how long it waited.
 */
export async function waitTreeIdle(rootPid: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let last = treeCpuTicks(rootPid);
  while (performance.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = treeCpuTicks(rootPid);
    // Clock ticks are 1/100 s: 5 ticks in one second = 5% of a core.
    if (now - last <= 5) break;
    last = now;
  }
  return performance.now() - started;
}
