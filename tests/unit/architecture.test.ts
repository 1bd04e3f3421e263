/**
 * The house rules that lint cannot see: runtimes know no diagram type, and the catalogue
 * of types lives only in shared/ (import rules are checked by eslint.config.js).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGRAM_TYPE_NAMES } from '../../shared/diagram-types.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('architecture', () => {
  it('no file under server/runtimes/ names a diagram type', () => {
    const names = DIAGRAM_TYPE_NAMES.filter((n) => n.length > 3); // `dot`, `erd`, `d2` are ordinary words or too short to mean the type
    const found: string[] = [];
    for (const file of filesUnder('server/runtimes')) {
      const text = readFileSync(file, 'utf8').toLowerCase();
      for (const name of names) if (new RegExp(`\\b${name}\\b`).test(text)) found.push(`${path.relative(root, file)}: ${name}`);
    }
    expect(found).toEqual([]);
  });

  it('the type catalogue exists once, in shared/', () => {
    // A second list of Kroki's types would spell several of them out in one place.
    const sample = ['blockdiag', 'structurizr', 'symbolator', 'wireviz', 'excalidraw'];
    const copies = [...filesUnder('server'), ...filesUnder('src-renderer')].filter((file) => {
      const text = readFileSync(file, 'utf8');
      return sample.filter((n) => text.includes(`'${n}'`) || text.includes(`"${n}"`)).length >= 3;
    });
    expect(copies.map((f) => path.relative(root, f))).toEqual([]);
  });
});
