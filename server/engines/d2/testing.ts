import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  d2: { probes: (url, file) => [`a: {icon: ${url}/d2.svg}\nb: {shape: image; icon: ${file}}`, `...@${file}\nc -> d`] },
};
