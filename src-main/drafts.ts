/**
 * Unsaved documents kept on disk by the main process, one file each, written atomically,
 * so a crash of the renderer, the app or the machine loses at most the last moment of
 * typing; the next start offers them again. The renderer sends its whole set of unsaved
 * documents; drafts it no longer lists (saved, or discarded by the user) are removed.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Draft } from '../shared/ipc.js';
import { writeFileAtomic } from './files.js';

const ID = /^[A-Za-z0-9_-]{1,80}$/;
export const MAX_DRAFT_BYTES = 5 * 1024 * 1024;

function isDraft(value: unknown): value is Draft {
  const d = value as Partial<Draft> | null;
  return (
    !!d &&
    typeof d.id === 'string' &&
    ID.test(d.id) &&
    typeof d.name === 'string' &&
    typeof d.type === 'string' &&
    typeof d.source === 'string' &&
    (d.path === null || typeof d.path === 'string') &&
    typeof d.updatedAt === 'number'
  );
}

export class DraftStore {
  /** What is on disk, by id, as written (to skip unchanged drafts). */
  private readonly written = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly folder: string) {}

  /** The drafts on disk; unreadable or foreign files are skipped. */
  async list(): Promise<Draft[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const drafts: Draft[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        const text = await readFile(path.join(this.folder, name), 'utf8');
        const draft: unknown = JSON.parse(text);
        if (isDraft(draft) && `${draft.id}.json` === name) {
          drafts.push(draft);
          this.written.set(draft.id, text);
        }
      } catch {
        // a half-written temp file never has the .json name; anything else unreadable is skipped
      }
    }
    return drafts.sort((a, b) => a.updatedAt - b.updatedAt);
  }

  /** Makes the folder hold exactly these drafts. Calls run one after another. */
  saveAll(drafts: Draft[]): Promise<void> {
    const run = this.queue.then(() => this.write(drafts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(drafts: Draft[]): Promise<void> {
    for (const d of drafts) if (!isDraft(d)) throw new Error('a draft has a bad shape');
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    if (this.written.size === 0) await this.list();
    const keep = new Set(drafts.map((d) => d.id));
    for (const draft of drafts) {
      const text = JSON.stringify(draft);
      if (text.length > MAX_DRAFT_BYTES) continue;
      if (this.written.get(draft.id) === text) continue;
      await writeFileAtomic(path.join(this.folder, `${draft.id}.json`), text);
      this.written.set(draft.id, text);
    }
    for (const id of [...this.written.keys()]) {
      if (keep.has(id)) continue;
      await unlink(path.join(this.folder, `${id}.json`)).catch(() => undefined);
      this.written.delete(id);
    }
  }
}
