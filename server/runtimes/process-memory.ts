/**
 * Memory held by a child process and its descendants (Linux /proc), for the runtime
 * manager's budget. PSS splits shared pages fairly between processes, so a browser's many
 * processes are not counted many times; where smaps_rollup is unreadable, RSS stands in.
 * Elsewhere (macOS, Windows) the answer is null and the budget ignores the runtime.
 */
import { readdirSync, readFileSync } from 'node:fs';

function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) out.push(...list.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

function ownBytes(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = /^Pss:\s+(\d+) kB$/m.exec(rollup)?.[1];
    if (pss) return Number(pss) * 1024;
  } catch {
    /* fall back to RSS */
  }
  try {
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return rss ? Number(rss) * 1024 : 0;
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
