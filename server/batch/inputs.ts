/**
 * What `kroki-studio render` was given, as files: a file as named, a folder searched for
 * diagram files and documents (no dot-folders, no node_modules), anything else a glob.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { typeFromFileName } from '../../shared/diagram-types.js';
import { documentKind } from './blocks.js';

export interface InputFile {
  path: string;
  /** Path under the folder or glob base it was found in (the file name for a named file): kept under --out. */
  rel: string;
  /** Named on the command line (an unknown extension is then an error, not a file to pass over). */
  explicit: boolean;
}

const IGNORE = ['**/node_modules/**', '**/.*/**'];

function isDiagramOrDocument(file: string): boolean {
  return typeFromFileName(file) !== null || documentKind(file) !== null;
}

/** The folder part of a glob before its first special character. */
function globBase(pattern: string): string {
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  for (const part of parts) {
    if (isDynamicPattern(part)) break;
    fixed.push(part);
  }
  return fixed.join('/') || '.';
}

export class InputError extends Error {}

export async function expandInputs(args: readonly string[], cwd: string): Promise<InputFile[]> {
  const seen = new Map<string, InputFile>();
  const add = (file: InputFile) => {
    if (!seen.has(file.path)) seen.set(file.path, file);
  };
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    const info = await stat(abs).catch(() => null);
    if (info?.isFile()) {
      add({ path: abs, rel: path.basename(abs), explicit: true });
    } else if (info?.isDirectory()) {
      const found = await glob('**/*', { cwd: abs, absolute: true, onlyFiles: true, ignore: IGNORE });
      for (const file of found.sort()) if (isDiagramOrDocument(file)) add({ path: path.resolve(file), rel: path.relative(abs, file), explicit: false });
    } else if (isDynamicPattern(arg)) {
      const base = path.resolve(cwd, globBase(arg));
      const found = await glob(arg, { cwd, absolute: true, onlyFiles: true, ignore: IGNORE });
      if (found.length === 0) throw new InputError(`no file matches ${arg}`);
      for (const file of found.sort()) add({ path: path.resolve(file), rel: path.relative(base, file), explicit: false });
    } else {
      throw new InputError(`no such file or folder: ${arg}`);
    }
  }
  return [...seen.values()];
}
