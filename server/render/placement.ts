/**
 * Where a diagram renders: a pure function of the type's policy, whether a local engine
 * can run here, whether an upstream is set and knows the type, and (when known) the
 * format asked for. Table-tested in tests/unit/placement.test.ts.
 */
import type { EnginePolicy, OutputFormat, Placement } from '../../shared/api.js';

export interface PlacementInput {
  policy: EnginePolicy;
  /** The local engine's formats when it can run here, else null. */
  local: readonly OutputFormat[] | null;
  /** The upstream's formats for the type when an upstream is set, else null. */
  upstream: readonly OutputFormat[] | null;
  format?: OutputFormat;
}

/**
 * `local` and `upstream` policies use only their side. `auto` prefers the local engine;
 * with a format, it goes upstream when only the upstream makes that format (a PDF the
 * local engine cannot draw), and stays local when neither does (the format error then
 * names the local formats).
 */
export function place({ policy, local, upstream, format }: PlacementInput): Placement {
  if (policy === 'local') return local ? 'local' : 'unavailable';
  if (policy === 'upstream') return upstream ? 'upstream' : 'unavailable';
  if (local && (format === undefined || local.includes(format) || !upstream)) return 'local';
  if (upstream && (format === undefined || upstream.includes(format) || !local)) return 'upstream';
  if (local) return 'local';
  return 'unavailable';
}
