import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  bytefield: { probes: (url, file) => [`(draw-column-headers)\n(draw-box (slurp "${file}"))`, `(draw-box (slurp "${url}/b.txt"))`] },
};
