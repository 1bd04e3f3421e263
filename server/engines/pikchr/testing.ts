import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  pikchr: { probes: (url) => [`box "${url}/p.png"`] },
};
