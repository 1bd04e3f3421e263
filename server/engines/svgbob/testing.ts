import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  svgbob: { probes: (url) => [`.---.\n| ${url} |\n'---'`] },
};
