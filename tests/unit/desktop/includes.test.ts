/** PlantUML includes resolved on the desktop, against real files and folders. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IncludeError, resolveIncludes, selectBlock } from '../../../src-main/includes.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'studio-includes-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(base, 'p-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function failure(p: Promise<unknown>): Promise<IncludeError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IncludeError);
  return err as IncludeError;
}

describe('PlantUML includes', () => {
  it('inlines a relative include, nested includes relative to their own file, and maps lines back to the document', async () => {
    const dir = project({
      'main.puml': '@startuml\n!include parts/actors.iuml\nAlice -> Bob : hello\n@enduml\n',
      'parts/actors.iuml': '@startuml\nactor Alice\n!include ../common/bob.iuml\n@enduml\n',
      'common/bob.iuml': 'participant Bob\n',
    });
    const doc = path.join(dir, 'main.puml');
    const src = '@startuml\n!include parts/actors.iuml\nAlice -> Bob : hello\n@enduml\n';
    const out = await resolveIncludes(src, { documentPath: doc });
    expect(out.source).toBe('@startuml\nactor Alice\nparticipant Bob\nAlice -> Bob : hello\n@enduml\n');
    expect(out.lineMap).toEqual([1, 2, 2, 3, 4, 5]);
    expect(out.files).toEqual([path.join(dir, 'parts/actors.iuml'), path.join(dir, 'common/bob.iuml')]);
  });

  it('leaves standard-library includes, URLs and variables for the server', async () => {
    const src = '@startuml\n!include <C4/C4_Container>\n!include https://example.com/x.puml\n!include %getenv("HOME")/x\n@enduml';
    const out = await resolveIncludes(src, { documentPath: path.join(base, 'none.puml') });
    expect(out.source).toBe(src);
    expect(out.files).toEqual([]);
  });

  it('honours include_once, includesub and block selectors', async () => {
    const dir = project({
      'lib.iuml': '@startuml(id=first)\nA -> B\n@enduml\n@startuml(id=second)\nC -> D\n@enduml\n',
      'subs.iuml': 'noise\n!startsub PART\nE -> F\n!endsub\nmore noise\n',
      'once.iuml': 'G -> H\n',
    });
    const doc = path.join(dir, 'd.puml');
    const out = await resolveIncludes(
      '!include lib.iuml!second\n!include lib.iuml!0\n!includesub subs.iuml!PART\n!include_once once.iuml\n!include_once once.iuml',
      {
        documentPath: doc,
      },
    );
    expect(out.source).toBe('C -> D\nA -> B\nE -> F\nG -> H');
    expect(selectBlock('plain text\n', null, false)).toBe('plain text');
    await expect(resolveIncludes('!include lib.iuml!third', { documentPath: doc })).rejects.toThrow('!include lib.iuml!third: no block "third" in lib.iuml');
  });

  it('refuses files outside the document folder, also through ../ and symbolic links, naming the line', async () => {
    const outside = project({ 'secret.txt': 'top secret' });
    const dir = project({ 'd.puml': '' });
    symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'link.iuml'));
    const doc = path.join(dir, 'd.puml');
    const up = await failure(resolveIncludes(`@startuml\n\n!include ../${path.basename(outside)}/secret.txt\n@enduml`, { documentPath: doc }));
    expect(up.line).toBe(3);
    expect(up.message).toBe(
      `!include ../${path.basename(outside)}/secret.txt: ${path.join(outside, 'secret.txt')} is outside ${dir}; only files in the document's folder (or the include folder set in Settings) can be included`,
    );
    const link = await failure(resolveIncludes('!include link.iuml', { documentPath: doc }));
    expect(link.message).toContain(`${path.join(outside, 'secret.txt')} is outside ${dir}`);
    const abs = await failure(resolveIncludes('!include /etc/passwd', { documentPath: doc }));
    expect(abs.message).toContain('/etc/passwd is outside');
    // A configured root wider than the document's folder allows it.
    const wide = await resolveIncludes(`!include ../${path.basename(outside)}/secret.txt`, { documentPath: doc, root: base });
    expect(wide.source).toBe('top secret');
  });

  it('explains missing files, unsaved documents, cycles and folders', async () => {
    const dir = project({ 'a.iuml': '!include b.iuml\n', 'b.iuml': 'x\n!include a.iuml\n', 'sub/x': '' });
    const doc = path.join(dir, 'd.puml');
    expect((await failure(resolveIncludes('line\n!include nope.iuml', { documentPath: doc }))).message).toBe(
      `!include nope.iuml: no such file (${path.join(dir, 'nope.iuml')})`,
    );
    const unsaved = await failure(resolveIncludes('!include a.iuml', { documentPath: null }));
    expect(unsaved.message).toBe('!include a.iuml: save the document first; local includes are read relative to its file');
    const cycle = await failure(resolveIncludes('one\ntwo\n!include a.iuml', { documentPath: doc }));
    expect(cycle.line).toBe(3);
    expect(cycle.message).toBe('!include a.iuml: include cycle (d.puml → a.iuml → b.iuml → a.iuml)');
    expect((await failure(resolveIncludes('!include sub', { documentPath: doc }))).message).toBe(`!include sub: ${path.join(dir, 'sub')} is a folder`);
  });

  it('bounds the total size read', async () => {
    const dir = project({ 'big.iuml': 'x'.repeat(2048) });
    const err = await failure(resolveIncludes('!include big.iuml', { documentPath: path.join(dir, 'd.puml'), maxBytes: 1024 }));
    expect(err.message).toBe('!include big.iuml: the included files exceed 1 KB together');
  });
});
