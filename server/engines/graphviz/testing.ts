import path from 'node:path';
import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  graphviz: {
    probes: (url, file) => [
      `digraph { a [image="${url}/gv.png"]; b [image="${file}"]; c [shapefile="${file}"] }`,
      `digraph { imagepath="${path.dirname(file)}"; a [image="${path.basename(file)}"] }`,
    ],
  },
  dot: { probes: { none: 'another name for graphviz: the same engine and parser, probed as graphviz' } },
};
