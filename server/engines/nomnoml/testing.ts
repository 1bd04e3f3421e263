import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  nomnoml: { probes: (url, file) => [`#import: ${file}\n[A]->[B]`, `[<actor> ${url}/n.png]`] },
};
