/**
 * The file service against real files and real failures: a folder that refuses writes
 * (an immutable folder and a read-only mount, because root may write anywhere else), a
 * full disk (a tiny tmpfs), a failure between write and rename, a file changed underneath
 * (a save that would overwrite it is refused; the watcher reports it, also when another
 * editor replaces the file by rename), and a touch that changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DraftStore } from '../../../src-main/drafts.js';
import { BridgeError } from '../../../src-main/errors.js';
import { FileWatcher, MAX_FILE_BYTES, readTextFile, writeFileAtomic, type FileChange } from '../../../src-main/files.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'studio-files-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const fail = async (p: Promise<unknown>): Promise<BridgeError> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError);
    return err as BridgeError;
  }
  throw new Error('expected a failure');
};

describe('atomic save', () => {
  it('writes a new file and replaces an existing one, keeping its permissions, leaving no temporary file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'a.puml');
    const first = await writeFileAtomic(file, '@startuml\nA -> B\n@enduml\n');
    expect(readFileSync(file, 'utf8')).toBe('@startuml\nA -> B\n@enduml\n');
    expect(first).toEqual({ path: file, name: 'a.puml', mtimeMs: statSync(file).mtimeMs });
    chmodSync(file, 0o600);
    await writeFileAtomic(file, 'changed ✓ ünïcode');
    expect(readFileSync(file, 'utf8')).toBe('changed ✓ ünïcode');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['a.puml']);
  });

  it('saves through a symbolic link into the file it points to', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'real.mmd'), 'graph TD');
    symlinkSync(path.join(dir, 'real.mmd'), path.join(dir, 'link.mmd'));
    await writeFileAtomic(path.join(dir, 'link.mmd'), 'graph LR');
    expect(readFileSync(path.join(dir, 'real.mmd'), 'utf8')).toBe('graph LR');
    expect(statSync(path.join(dir, 'link.mmd'), { throwIfNoEntry: true }).isFile()).toBe(true);
  });

  it('leaves the original whole and removes the temporary file when the write fails before the rename', async () => {
    const dir = tmp();
    const file = path.join(dir, 'keep.dot');
    writeFileSync(file, 'digraph { original }');
    const err = await writeFileAtomic(file, 'digraph { new }', {
      beforeRename: async (temp) => {
        expect(readFileSync(temp, 'utf8')).toBe('digraph { new }');
        throw Object.assign(new Error('simulated I/O error'), { code: 'EIO' });
      },
    }).catch((e: unknown) => e as BridgeError);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).message).toBe(`Cannot save ${file}: simulated I/O error. The file on disk is unchanged.`);
    expect(readFileSync(file, 'utf8')).toBe('digraph { original }');
    expect(readdirSync(dir)).toEqual(['keep.dot']);
  });

  it('refuses to overwrite a file that changed on disk since it was read', async () => {
    const dir = tmp();
    const file = path.join(dir, 'shared.d2');
    writeFileSync(file, 'a -> b');
    const opened = await readTextFile(file);
    writeFileSync(file, 'someone else');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const err = await fail(writeFileAtomic(file, 'mine', { expectedMtimeMs: opened.mtimeMs }));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('shared.d2 changed on disk since it was opened. Reload it, or save again to overwrite it.');
    expect(readFileSync(file, 'utf8')).toBe('someone else');
    // Saving again without the expectation (the user chose to overwrite) works.
    await writeFileAtomic(file, 'mine');
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('says so when the folder does not exist or part of the path is a file', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'plain'), 'x');
    const missing = await fail(writeFileAtomic(path.join(dir, 'nope', 'a.mmd'), 'x'));
    expect(missing.code).toBe('not-found');
    expect(missing.message).toBe(`Cannot save a.mmd: the folder ${path.join(dir, 'nope')} does not exist.`);
    const notDir = await fail(writeFileAtomic(path.join(dir, 'plain', 'a.mmd'), 'x'));
    expect(notDir.code).toBe('not-found');
    expect(notDir.message).toMatch(/part of its path is a file, not a folder\. The file on disk is unchanged\.$/);
  });
});

// Root may write into any folder; an immutable folder (chattr +i) and a read-only or full
// mount are what refuse it. Both need root and a kernel that allows them here.
const isRoot = process.getuid?.() === 0;
const probe = (cmd: string, args: string[]) => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const probeDir = mkdtempSync(path.join(os.tmpdir(), 'studio-probe-'));
const canChattr = isRoot && probe('chattr', ['+i', probeDir]) && probe('chattr', ['-i', probeDir]);
const canMount = isRoot && probe('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probeDir]) && probe('umount', [probeDir]);
rmSync(probeDir, { recursive: true, force: true });

describe.skipIf(!canChattr)(`a folder that refuses writes${canChattr ? '' : ' (skipped: needs root and chattr on this file system)'}`, () => {
  let dir: string;
  afterEach(() => void probe('chattr', ['-i', dir]));
  it('keeps the original and says the folder is read-only', async () => {
    dir = tmp();
    const file = path.join(dir, 'locked.puml');
    writeFileSync(file, 'original');
    execFileSync('chattr', ['+i', dir]);
    const err = await fail(writeFileAtomic(file, 'new'));
    expect(err.code).toBe('read-only');
    expect(err.message).toBe(
      `Cannot save locked.puml: the folder ${dir} is read-only or not writable for you. Use Save As to pick another place. The file on disk is unchanged.`,
    );
    execFileSync('chattr', ['-i', dir]);
    expect(readFileSync(file, 'utf8')).toBe('original');
    expect(readdirSync(dir)).toEqual(['locked.puml']);
  });
});

describe.skipIf(!canMount)(`a full or read-only disk${canMount ? '' : ' (skipped: needs root and permission to mount a tmpfs)'}`, () => {
  let mnt: string;
  beforeAll(() => {
    mnt = tmp();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  });
  afterAll(() => void probe('umount', [mnt]));

  it('a full disk: the original stays whole and no temporary file is left', async () => {
    const file = path.join(mnt, 'big.mmd');
    writeFileSync(file, 'graph TD; original');
    const err = await fail(writeFileAtomic(file, 'x'.repeat(200 * 1024)));
    expect(err.code).toBe('disk-full');
    expect(err.message).toBe(`Cannot save big.mmd: the disk holding ${mnt} is full. Free some space or use Save As. The file on disk is unchanged.`);
    expect(readFileSync(file, 'utf8')).toBe('graph TD; original');
    expect(readdirSync(mnt)).toEqual(['big.mmd']);
  });

  it('a read-only mount: the save is refused with the folder named', async () => {
    const file = path.join(mnt, 'big.mmd');
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const err = await fail(writeFileAtomic(file, 'new'));
      expect(err.code).toBe('read-only');
      expect(readFileSync(file, 'utf8')).toBe('graph TD; original');
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
  });
});

describe('open', () => {
  it('reads text with its modification time, and refuses folders, binaries and huge files', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'a.mmd'), 'graph TD\n  A --> B');
    const opened = await readTextFile(path.join(dir, 'a.mmd'));
    expect(opened).toEqual({ path: path.join(dir, 'a.mmd'), name: 'a.mmd', text: 'graph TD\n  A --> B', mtimeMs: statSync(path.join(dir, 'a.mmd')).mtimeMs });
    expect((await fail(readTextFile(dir))).message).toBe(`Cannot open ${dir}: it is a folder.`);
    writeFileSync(path.join(dir, 'bin.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
    expect((await fail(readTextFile(path.join(dir, 'bin.png')))).message).toBe('bin.png is not a text file.');
    writeFileSync(path.join(dir, 'huge.mmd'), Buffer.alloc(MAX_FILE_BYTES + 1, 0x61));
    expect((await fail(readTextFile(path.join(dir, 'huge.mmd')))).code).toBe('too-large');
    expect((await fail(readTextFile(path.join(dir, 'none.mmd')))).message).toBe(`${path.join(dir, 'none.mmd')} does not exist.`);
  });
});

describe('external changes', () => {
  let watcher: FileWatcher;
  afterEach(() => watcher?.close());

  async function until<T>(get: () => T | undefined, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = get();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('reports a change by another program, a replace by rename, and a removal; not our own save, not a touch', async () => {
    const dir = tmp();
    const file = path.join(dir, 'doc.dot');
    writeFileSync(file, 'digraph { a }');
    const changes: FileChange[] = [];
    const removed: string[] = [];
    watcher = new FileWatcher({ changed: (c) => changes.push(c), removed: (f) => removed.push(f) }, { debounceMs: 20, pollMs: 200 });
    await watcher.set([file]);
    const opened = await readTextFile(file);
    watcher.opened(file, opened.mtimeMs, opened.text);

    // Our own save is not reported back.
    const saved = await writeFileAtomic(file, 'digraph { ours }');
    watcher.saved(file, saved.mtimeMs, 'digraph { ours }');
    await new Promise((r) => setTimeout(r, 500));
    expect(changes).toEqual([]);

    // A touch changes the time but not the text.
    utimesSync(file, new Date(), new Date(Date.now() + 2000));
    await new Promise((r) => setTimeout(r, 500));
    expect(changes).toEqual([]);

    writeFileSync(file, 'digraph { theirs }');
    const first = await until(() => changes[0]);
    expect(first).toEqual({ path: file, mtimeMs: statSync(file).mtimeMs, text: 'digraph { theirs }' });

    // Another editor saving by rename replaces the file (a new inode).
    writeFileSync(path.join(dir, 'doc.dot.swp'), 'digraph { renamed }');
    renameSync(path.join(dir, 'doc.dot.swp'), file);
    const second = await until(() => changes[1]);
    expect(second.text).toBe('digraph { renamed }');

    rmSync(file);
    expect(await until(() => removed[0])).toBe(file);
    expect(changes).toHaveLength(2);
  });
});

describe('drafts', () => {
  it('keeps the unsaved documents it is given, removes the rest, and reads them back after a restart', async () => {
    const dir = path.join(tmp(), 'drafts');
    const store = new DraftStore(dir);
    expect(await store.list()).toEqual([]);
    const a = { id: 'doc-a', name: 'untitled.mmd', type: 'mermaid', source: 'graph TD; A-->B', path: null, updatedAt: 1 };
    const b = { id: 'doc-b', name: 'x.puml', type: 'plantuml', source: '@startuml\nA->B\n@enduml', path: '/tmp/x.puml', updatedAt: 2 };
    await store.saveAll([a, b]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // A new store (the app after a crash) reads what the old one wrote.
    expect(await new DraftStore(dir).list()).toEqual([a, b]);
    await store.saveAll([{ ...b, source: 'edited', updatedAt: 3 }]);
    expect(await new DraftStore(dir).list()).toEqual([{ ...b, source: 'edited', updatedAt: 3 }]);
    // Foreign or broken files are skipped, never fatal.
    writeFileSync(path.join(dir, 'junk.json'), '{not json');
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ ...a, id: 'mismatch' }));
    expect((await new DraftStore(dir).list()).map((d) => d.id)).toEqual(['doc-b']);
    await expect(store.saveAll([{ ...a, id: '../escape' }])).rejects.toThrow('a draft has a bad shape');
    expect(existsSync(path.join(dir, '..', 'escape.json'))).toBe(false);
    await store.saveAll([]);
    expect(readdirSync(dir).sort()).toEqual(['junk.json', 'other.json']);
  });
});
