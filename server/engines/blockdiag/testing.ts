import type { EngineTesting } from '../testing.js';

// The family shares one parser and one renderer: blockdiag's probe covers them all.
const PROBED_AS_BLOCKDIAG = { probes: { none: 'one parser for the whole blockdiag family, probed as blockdiag' } };

export const testing: EngineTesting = {
  blockdiag: { probes: (url, file) => [`blockdiag {\n  A -> B;\n  A [icon = "${url}/icon.png"];\n  B [background = "${file}"];\n}`] },
  seqdiag: PROBED_AS_BLOCKDIAG,
  actdiag: PROBED_AS_BLOCKDIAG,
  nwdiag: PROBED_AS_BLOCKDIAG,
  packetdiag: PROBED_AS_BLOCKDIAG,
  rackdiag: PROBED_AS_BLOCKDIAG,
};
