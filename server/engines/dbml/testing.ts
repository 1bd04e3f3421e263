import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  dbml: {
    // A bare CJK word is no DBML identifier; in quotes it is a name.
    cjk: (source, label, text) => source.split(label).join(`"${text}"`),
    probes: (url) => [`Table users {\n  id integer [note: '${url}/d.png']\n}`],
  },
};
