/**
 * Memory held by a child process and its descendants (Linux /proc), for the runtime
 * manager's budget. PSS splits shared pages fairly between processes, so a browser's many
 * processes are not counted many times; where smaps_rollup is unreadable, RSS stands in.
 * Elsewhere (macOS, Windows) the answer is null and the budget ignores the runtime.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

// What the sync and the async walkers read, parsed once.
const pids = (children: string): number[] => (children.trim() ? children.trim().split(/\s+/).map(Number) : []);
const pssOf = (rollup: string): number | null => {
  const kb = /^Pss:\s+(\d+) kB$/m.exec(rollup)?.[1];
  return kb ? Number(kb) * 1024 : null;
};
const rssOf = (status: string): number => Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;

function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const task of readdirSync(`/proc/${pid}/task`)) out.push(...pids(readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')));
    return out;
  } catch {
    return [];
  }
}

function ownBytes(pid: number): number {
  try {
    const pss = pssOf(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (pss !== null) return pss;
  } catch {
    /* fall back to RSS */
  }
  try {
    return rssOf(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0; // ended meanwhile
  }
}

/** Bytes held by `pid` and everything it started, or null where /proc cannot tell. */
export function processTreeBytes(pid: number | null | undefined): number | null {
  if (!pid || process.platform !== 'linux') return null;
  let total = 0;
  const stack = [pid];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    total += ownBytes(p);
    stack.push(...childrenOf(p));
  }
  return total;
}

/**
 * The whole server: this process's RSS (its pages are its own; reading its smaps_rollup
 * takes tens of milliseconds once V8 has mapped a few hundred regions) plus every child's
 * tree, read off the main thread. For the memory budget's checks during renders.
 *
 * RSS is read first for the children too (a counter, cheap); their PSS (a walk of every
 * mapping, which holds each process's memory-map lock while a JVM or a browser renders) only
 * when the RSS total is above `enough`: RSS is never below PSS, so an RSS total within it
 * answers the budget's question as well.
 */
export async function serverTreeBytes(enough = 0): Promise<number | null> {
  if (process.platform !== 'linux') return null;
  const own = process.memoryUsage.rss();
  const children: number[] = [];
  const seen = new Set<number>([process.pid]);
  const stack = await childrenOfAsync(process.pid);
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    children.push(p);
    stack.push(...(await childrenOfAsync(p)));
  }
  let rss = own;
  for (const p of children) rss += await rssOfAsync(p);
  if (rss <= enough) return rss;
  let total = own;
  for (const p of children) total += await ownBytesAsync(p);
  return total;
}

async function rssOfAsync(pid: number): Promise<number> {
  try {
    return rssOf(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0; // ended meanwhile
  }
}

async function childrenOfAsync(pid: number): Promise<number[]> {
  try {
    const out: number[] = [];
    for (const task of await readdir(`/proc/${pid}/task`)) out.push(...pids(await readFile(`/proc/${pid}/task/${task}/children`, 'utf8')));
    return out;
  } catch {
    return [];
  }
}

async function ownBytesAsync(pid: number): Promise<number> {
  try {
    const pss = pssOf(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (pss !== null) return pss;
  } catch {
    /* fall back to RSS */
  }
  try {
    return rssOf(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0; // ended meanwhile
  }
}
