import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  goat: { probes: (url) => [`+--+\n|${url}|\n+--+`] },
};
