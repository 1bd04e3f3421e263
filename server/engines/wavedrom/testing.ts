import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  wavedrom: { probes: (url) => [JSON.stringify({ signal: [{ name: `<img src="${url}/w.png">`, wave: '01' }] })] },
};
