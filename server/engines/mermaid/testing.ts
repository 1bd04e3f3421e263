import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  mermaid: { probes: (url) => [`graph TD\n  A["<img src='${url}/m.png'>"] --> B\n  click A "${url}/click"`] },
};
