/**
 * Runs the real CLI (`node --import tsx server/main.ts serve --port 0`) as a child process,
 * as a user would, so that start-up time and the memory of the whole process tree
 * (node + JVM + Chromium) are measured honestly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { processTree } from './proc-tree.js';

export interface StartedServer {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  /** Milliseconds from spawn until the "listening on" log line. */
  listeningMs: number;
  /** The server's malloc, read from its mappings once listening ("jemalloc" or "system"). */
  allocator: string;
  stop(): Promise<StopResult>;
}

export interface StopResult {
  exitedCleanly: boolean;
  /** Descendants still alive after the server exited (then killed by the bench). */
  leaked: string[];
}

const LISTENING = /listening on (http:\/\/[^\s"]+)/;

/** How the CLI is started: from TypeScript through tsx (as `npm run dev`), or the build. */
export type Launch = 'tsx' | 'built';

export function cliArgs(repoRoot: string, launch: Launch): string[] {
  const entry = launch === 'built' ? [path.join(repoRoot, 'bin/kroki-studio.js')] : ['--import', 'tsx', path.join(repoRoot, 'server/main.ts')];
  return [...entry, 'serve', '--port', '0', '--host', '127.0.0.1'];
}

export async function startServer(repoRoot: string, launch: Launch, env: Record<string, string>, timeoutMs = 30_000): Promise<StartedServer> {
  const spawnedAt = performance.now();
  // Through scripts/allocator.sh, as `npm start` runs it (jemalloc when installed); `exec`
  // keeps the pid, so the process tree measured is the server's.
  const child = spawn('bash', ['-c', '. scripts/allocator.sh && exec "$@"', 'bash', process.execPath, ...cliArgs(repoRoot, launch)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });

  const baseUrl = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not print "listening on" within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    const onData = (c: Buffer) => {
      buffered = (buffered + c.toString('utf8')).slice(-8000);
      const m = LISTENING.exec(buffered);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('0.0.0.0', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening; stderr: ${stderr}`));
    });
  });
  const listeningMs = performance.now() - spawnedAt;
  // Keep draining the request log so a full pipe never stalls the server.
  child.stdout!.removeAllListeners('data');
  child.stdout!.on('data', () => {});
  child.removeAllListeners('exit');

  const pid = child.pid!;
  let allocator = 'unknown';
  try {
    allocator = /libjemalloc/.test(readFileSync(`/proc/${pid}/maps`, 'utf8')) ? 'jemalloc' : 'system';
  } catch {
    /* not Linux, or already gone */
  }
  return {
    child,
    pid,
    baseUrl,
    spawnedAt,
    listeningMs,
    allocator,
    stop: () => stopServer(child, pid),
  };
}

async function stopServer(child: ChildProcess, pid: number, graceMs = 10_000): Promise<StopResult> {
  const descendants = processTree(pid).filter((p) => p.pid !== pid);
  if (child.exitCode !== null || child.signalCode !== null) return { exitedCleanly: false, leaked: [] };
  const exited = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(false);
    }, graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
  child.kill('SIGTERM');
  const exitedCleanly = await exited;
  // Give orphaned children (e.g. tsx's esbuild service, which exits when its stdin closes)
  // a moment to notice that their parent is gone; whatever is still alive then has leaked.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && descendants.some((p) => processAlive(p.pid))) await new Promise((r) => setTimeout(r, 100));
  const leaked: string[] = [];
  for (const p of descendants) {
    if (processAlive(p.pid)) {
      leaked.push(`${p.name}(${p.pid})`);
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  return { exitedCleanly, leaked };
}

/** Alive and not a zombie (an orphan's zombie may linger where pid 1 does not reap). */
function processAlive(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+[ZX]/m.test(status);
  } catch {
    return false;
  }
}
