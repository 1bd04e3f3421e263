import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  wireviz: {
    // Images on components by URL and by file, and raw DOT through tweak (an image attribute, an <img> in a label).
    probes: (url, file) => [
      `connectors:\n  X1:\n    pincount: 1\n    image: {src: '${url}/wv.png', caption: remote}\n  X2:\n    pincount: 1\n    image: {src: '${file}', height: 20}\n`,
      `connectors:\n  X1: {pincount: 1}\ntweak:\n  override:\n    X1: {image: '${file}'}\n  append: ['Y [image="${url}/t.png"]', 'Z [label=<<img src="${file}"/>>]']\n`,
    ],
  },
};
