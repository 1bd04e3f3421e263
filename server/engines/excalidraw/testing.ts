import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  excalidraw: {
    probes: (url) => [
      JSON.stringify({
        type: 'excalidraw',
        version: 2,
        elements: [{ type: 'image', id: 'i', x: 0, y: 0, width: 10, height: 10, fileId: 'f', status: 'saved' }],
        files: { f: { id: 'f', mimeType: 'image/png', dataURL: `${url}/x.png` } },
      }),
    ],
  },
};
