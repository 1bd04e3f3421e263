/**
 * Reading and writing documents so that work is never lost: a save writes a temporary
 * file in the same folder, flushes it to the disk, and renames it over the original (the
 * original stays whole if anything fails, and the temporary file is removed); a save can
 * refuse when the file changed on disk since it was read; and a watcher reports changes
 * other programs make to the open files (including editors that replace a file by rename).
 */
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { chmod, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { OpenedFile, SavedFile } from '../shared/ipc.js';
import { BridgeError } from './errors.js';

/** Larger files are not diagrams; refusing them keeps the editor responsive. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** The error a failed write or read becomes, with a message that says what to do. */
export function fileError(err: unknown, file: string, action: 'save' | 'open'): BridgeError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const folder = path.dirname(file);
  const kept = action === 'save' ? ' The file on disk is unchanged.' : '';
  switch (code) {
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new BridgeError(
        'read-only',
        action === 'save'
          ? `Cannot save ${path.basename(file)}: the folder ${folder} is read-only or not writable for you. Use Save As to pick another place.${kept}`
          : `Cannot open ${file}: permission denied.`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new BridgeError('disk-full', `Cannot save ${path.basename(file)}: the disk holding ${folder} is full. Free some space or use Save As.${kept}`);
    case 'ENOENT':
      return new BridgeError(
        'not-found',
        action === 'save' ? `Cannot save ${path.basename(file)}: the folder ${folder} does not exist.` : `${file} does not exist.`,
      );
    case 'ENOTDIR':
      return new BridgeError('not-found', `Cannot ${action} ${file}: part of its path is a file, not a folder.${kept}`);
    case 'EISDIR':
      return new BridgeError('io', `Cannot ${action} ${file}: it is a folder.${kept}`);
    default:
      return new BridgeError('io', `Cannot ${action} ${file}: ${(err as Error)?.message ?? String(err)}.${kept}`);
  }
}

export async function readTextFile(file: string): Promise<OpenedFile> {
  const full = path.resolve(file);
  try {
    const info = await stat(full);
    if (info.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (info.size > MAX_FILE_BYTES)
      throw new BridgeError('too-large', `${path.basename(full)} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB; it is not opened as a diagram.`);
    const bytes = await readFile(full);
    if (bytes.includes(0)) throw new BridgeError('io', `${path.basename(full)} is not a text file.`);
    return { path: full, name: path.basename(full), text: bytes.toString('utf8'), mtimeMs: info.mtimeMs };
  } catch (err) {
    throw err instanceof BridgeError ? err : fileError(err, full, 'open');
  }
}

export interface WriteOptions {
  /** Refuse (code `conflict`) when the file's modification time is not this any more. */
  expectedMtimeMs?: number;
  /** Test hook: runs after the temporary file is written and before the rename. */
  beforeRename?(tempFile: string): Promise<void>;
}

/** Writes `text` to `file` atomically: temporary file in the same folder, fsync, rename, fsync of the folder. */
export async function writeFileAtomic(file: string, text: string, options: WriteOptions = {}): Promise<SavedFile> {
  let target = path.resolve(file);
  // Saving through a symbolic link replaces the file it points to, not the link.
  target = await realpath(target).catch(() => target);
  let mode: number | null = null;
  try {
    const current = await stat(target);
    mode = current.mode & 0o7777;
    if (options.expectedMtimeMs !== undefined && Math.abs(current.mtimeMs - options.expectedMtimeMs) > 0.5) {
      throw new BridgeError('conflict', `${path.basename(target)} changed on disk since it was opened. Reload it, or save again to overwrite it.`);
    }
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(err, target, 'save');
  }
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(temp, 'wx', mode ?? 0o644);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (mode !== null) await chmod(temp, mode);
    await options.beforeRename?.(temp);
    await rename(temp, target);
    created = false;
  } catch (err) {
    if (created) await unlink(temp).catch(() => undefined);
    throw err instanceof BridgeError ? err : fileError(err, target, 'save');
  }
  await syncFolder(dir);
  const info = await stat(target);
  return { path: target, name: path.basename(target), mtimeMs: info.mtimeMs };
}

/** Makes the rename itself durable; folders cannot be opened for this on Windows, where it is skipped. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // some file systems refuse fsync on a folder; the data itself is synced
  }
}

export interface FileChange {
  path: string;
  mtimeMs: number;
  text: string;
}

export interface WatcherEvents {
  changed(change: FileChange): void;
  removed(file: string): void;
}

interface Known {
  mtimeMs: number;
  size: number;
  text: string | null;
}

/**
 * Watches a set of files for changes other programs make. Each file's folder is watched
 * (an editor that saves by rename replaces the file, and a watch on the file itself would
 * go quiet), plus a slow poll for file systems that send no events. Our own saves are
 * recorded with `saved()` so they are not reported back.
 */
export class FileWatcher {
  private readonly known = new Map<string, Known>();
  private readonly folders = new Map<string, FSWatcher>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private poll: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly events: WatcherEvents,
    private readonly options: { debounceMs?: number; pollMs?: number } = {},
  ) {}

  /** Watches exactly these files from now on. */
  async set(files: string[]): Promise<void> {
    const wanted = new Set(files.map((f) => path.resolve(f)));
    for (const file of [...this.known.keys()]) if (!wanted.has(file)) this.known.delete(file);
    for (const file of wanted) {
      if (this.known.has(file)) continue;
      const info = await stat(file).catch(() => null);
      this.known.set(file, { mtimeMs: info?.mtimeMs ?? 0, size: info?.size ?? -1, text: null });
    }
    const dirs = new Set([...this.known.keys()].map((f) => path.dirname(f)));
    for (const [dir, watcher] of this.folders) {
      if (!dirs.has(dir)) {
        watcher.close();
        this.folders.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.folders.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name) this.schedule(path.join(dir, name.toString()));
          else for (const file of this.known.keys()) if (path.dirname(file) === dir) this.schedule(file);
        });
        watcher.on('error', () => {
          watcher.close();
          this.folders.delete(dir);
        });
        this.folders.set(dir, watcher);
      } catch {
        // a folder that cannot be watched is still polled
      }
    }
    if (!this.poll && this.known.size > 0) {
      this.poll = setInterval(() => {
        for (const file of this.known.keys()) void this.check(file);
      }, this.options.pollMs ?? 2000);
      this.poll.unref?.();
    } else if (this.poll && this.known.size === 0) {
      clearInterval(this.poll);
      this.poll = null;
    }
  }

  /** Records a save of our own (its new time and text), so it is not reported as a change. */
  saved(file: string, mtimeMs: number, text: string): void {
    const full = path.resolve(file);
    if (this.known.has(full)) this.known.set(full, { mtimeMs, size: Buffer.byteLength(text), text });
  }

  /** Records the text as read, to tell a real change from a touch. */
  opened(file: string, mtimeMs: number, text: string): void {
    const full = path.resolve(file);
    if (this.known.has(full)) this.known.set(full, { mtimeMs, size: Buffer.byteLength(text), text });
  }

  private schedule(file: string): void {
    if (!this.known.has(file)) return;
    const previous = this.pending.get(file);
    if (previous) clearTimeout(previous);
    this.pending.set(
      file,
      setTimeout(() => {
        this.pending.delete(file);
        void this.check(file);
      }, this.options.debounceMs ?? 100),
    );
  }

  private async check(file: string): Promise<void> {
    const known = this.known.get(file);
    if (!known) return;
    const info = await stat(file).catch(() => null);
    if (!info) {
      if (known.size !== -1) {
        this.known.set(file, { mtimeMs: 0, size: -1, text: null });
        this.events.removed(file);
      }
      return;
    }
    if (info.mtimeMs === known.mtimeMs && info.size === known.size) return;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return; // mid-write or gone again: the next event or poll looks again
    }
    const latest = this.known.get(file);
    if (!latest) return;
    this.known.set(file, { mtimeMs: info.mtimeMs, size: info.size, text });
    if (latest.text !== null && latest.text === text) return; // touched, not changed
    this.events.changed({ path: file, mtimeMs: info.mtimeMs, text });
  }

  close(): void {
    for (const watcher of this.folders.values()) watcher.close();
    this.folders.clear();
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    this.known.clear();
  }
}
