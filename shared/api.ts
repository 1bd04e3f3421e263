/**
 * Types that cross a process or network boundary: the HTTP API's JSON shapes. The server,
 * the web UI (src-renderer) and the coming Electron main process (src-main) all import
 * them from here; none of them imports another's code.
 */

/** Every output format Kroki knows. `jpg` is accepted on input and normalised to `jpeg`. */
export const OUTPUT_FORMATS = ['svg', 'png', 'jpeg', 'pdf', 'txt', 'utxt', 'base64'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const SAFE_MODES = ['unsafe', 'safe', 'secure'] as const;
export type SafeMode = (typeof SAFE_MODES)[number];

/** Per-type routing policy: `auto` = local engine when available, else upstream. */
export const ENGINE_POLICIES = ['auto', 'local', 'upstream'] as const;
export type EnginePolicy = (typeof ENGINE_POLICIES)[number];

/** Where a diagram type is rendered right now. */
export type Placement = 'local' | 'upstream' | 'unavailable';

/** One row of `GET /api/engines`. */
export interface EngineTypeInfo {
  /** The diagram type as used in URLs (`graphviz`, `dot`, `plantuml`, ...). */
  type: string;
  /** The canonical type when `type` is an alias (`dot` -> `graphviz`). */
  aliasOf?: string;
  placement: Placement;
  policy: EnginePolicy;
  /** Formats available through the current placement. */
  formats: OutputFormat[];
  /** Formats the local engine produces, if there is one. */
  localFormats: OutputFormat[];
  /** Formats Kroki's own server produces for this type (used when forwarding). */
  upstreamFormats: OutputFormat[];
  /** Local engine id and version, when a local engine exists. */
  engine?: { id: string; version: string; runtime: RuntimeKind; state: EngineState };
  /** Why the type is unavailable and how to enable it. */
  message?: string;
  /** The local engine's options (validated by the server: a bad value is a 400 naming it). */
  options?: EngineOptionInfo[];
}

export interface EngineOptionInfo {
  /** `name`, or `prefix-<name>` for a family of options. */
  name: string;
  kind: string;
  description: string;
  /** The allowed values of an enumerated option. */
  values?: readonly string[];
}

export interface EnginesResponse {
  /** The upstream in use now and who set it (`config` for KROKI_URL, `stack` for the local stack). */
  upstream: { url: string | null; source?: string };
  safeMode: SafeMode;
  types: EngineTypeInfo[];
}

/** `POST /api/engines/{type}/warm`: where the type renders, and its local engine as the answer left. */
export interface WarmResult {
  type: string;
  placement: Placement;
  /** Only when the type renders here; `state` is usually "starting" on the first call. */
  engine?: { id: string; runtime: RuntimeKind; state: EngineState };
}

export type RuntimeKind = 'in-process' | 'browser' | 'jvm' | 'command';
export type EngineState = 'idle' | 'starting' | 'ready' | 'failed' | 'stopped';

/** JSON error body (Kroki's shape, plus `line` when the renderer reported one). */
export interface ErrorBody {
  error: {
    code: number;
    message: string;
    /** 1-based line of the diagram source the error refers to, when known. */
    line?: number;
  };
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthResponse {
  service: 'kroki-studio';
  status: HealthStatus;
  timestamp: string;
  version: string;
  checks: {
    service: { status: HealthStatus; uptime_s: number };
    kroki: {
      status: 'healthy' | 'unhealthy' | 'not_configured';
      url: string | null;
      response_time_ms: number | null;
      message: string;
    };
    engines: Record<string, { status: EngineState; runtime: RuntimeKind; version: string; message?: string }>;
  };
}

/** `GET /api/config`: what a client needs to know about this server. */
export interface StudioConfigResponse {
  version: string;
  maxUriLength: number;
  bodyLimit: number;
  renderTimeoutMs: number;
  safeMode: SafeMode;
  upstream: string | null;
}
