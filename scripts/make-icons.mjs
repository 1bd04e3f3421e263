#!/usr/bin/env node
// Draws the app icon's PNG (build/icons/icon.png, 1024 px: electron-builder makes the
// .icns and .ico from it) from build/icons/icon.svg, the same picture as the web UI's
// favicon. Run it after changing the SVG; the PNG is committed.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build', 'icons');
const png = new Resvg(readFileSync(path.join(dir, 'icon.svg')), { fitTo: { mode: 'width', value: 1024 } }).render().asPng();
writeFileSync(path.join(dir, 'icon.png'), png);
console.log(`icons: wrote build/icons/icon.png (${png.length} bytes)`);
