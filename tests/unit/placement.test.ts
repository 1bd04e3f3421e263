/** Placement is a pure function: every combination of policy, local engine, upstream and format. */
import { describe, expect, it } from 'vitest';
import type { EnginePolicy, OutputFormat, Placement } from '../../shared/api.js';
import { place } from '../../server/render/placement.js';

const LOCAL: readonly OutputFormat[] = ['svg', 'png'];
const UPSTREAM: readonly OutputFormat[] = ['svg', 'png', 'pdf'];

// [policy, local engine runs here, upstream set, format asked, expected placement]
const TABLE: Array<[EnginePolicy, boolean, boolean, OutputFormat | undefined, Placement]> = [
  // auto: local first
  ['auto', true, true, undefined, 'local'],
  ['auto', true, true, 'svg', 'local'],
  ['auto', true, false, 'svg', 'local'],
  // auto: a format only the upstream makes goes upstream
  ['auto', true, true, 'pdf', 'upstream'],
  // auto: a format nobody makes stays local (the error then names the local formats)
  ['auto', true, true, 'txt', 'local'],
  ['auto', true, false, 'pdf', 'local'],
  // auto: no local engine
  ['auto', false, true, undefined, 'upstream'],
  ['auto', false, true, 'pdf', 'upstream'],
  ['auto', false, true, 'txt', 'upstream'],
  ['auto', false, false, 'svg', 'unavailable'],
  ['auto', false, false, undefined, 'unavailable'],
  // local: never upstream
  ['local', true, true, 'pdf', 'local'],
  ['local', true, false, undefined, 'local'],
  ['local', false, true, 'svg', 'unavailable'],
  ['local', false, false, undefined, 'unavailable'],
  // upstream: never local
  ['upstream', true, true, 'svg', 'upstream'],
  ['upstream', false, true, undefined, 'upstream'],
  ['upstream', true, false, 'svg', 'unavailable'],
  ['upstream', false, false, 'svg', 'unavailable'],
];

describe('placement', () => {
  it.each(TABLE)('policy %s, local %s, upstream %s, format %s -> %s', (policy, local, upstream, format, expected) => {
    expect(place({ policy, local: local ? LOCAL : null, upstream: upstream ? UPSTREAM : null, ...(format ? { format } : {}) })).toBe(expected);
  });
});
