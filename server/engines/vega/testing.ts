import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  vega: {
    probes: (url) => [JSON.stringify({ $schema: 'https://vega.github.io/schema/vega/v5.json', data: [{ name: 't', url: `${url}/v.json` }], marks: [] })],
  },
  vegalite: {
    probes: (url) => [JSON.stringify({ data: { url: `${url}/vl.json` }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' } } })],
  },
};
