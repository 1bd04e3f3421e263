import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  erd: { probes: (url) => [`[Person]\n*name\n\nPerson 1--* Person {label: "${url}/e.png"}`] },
};
