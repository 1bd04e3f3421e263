/**
 * The local Kroki stack as every side sees it: the server's `/api/stack` routes and its
 * server-sent events, the CLI's `kroki-studio stack`, the web UI's Stack panel and the
 * desktop's IPC messages (shared/ipc.ts re-exports these) all use these shapes.
 */

/** The stack as a whole. `degraded`: up, but a service is unhealthy or gone (the upstream then falls back). */
export type StackState = 'down' | 'starting' | 'up' | 'degraded' | 'stopping';

export type StackServiceState = 'pulling' | 'created' | 'starting' | 'running' | 'healthy' | 'unhealthy' | 'exited' | 'removed';

export interface StackServiceStatus {
  name: string;
  image: string;
  state: StackServiceState;
  /** Docker's health verdict (`starting`, `healthy`, `unhealthy`), when the service has a healthcheck. */
  health?: string;
  /** Published ports as `127.0.0.1:8000->8000/tcp`. */
  ports: string[];
  /** The container's short id, once it exists. */
  container?: string;
}

export interface StackStatus {
  state: StackState;
  /** The compose project name (`com.docker.compose.project`). */
  project: string;
  /** The stack file's path, or `built-in` for the definition shipped with Studio. */
  file: string;
  profiles: string[];
  services: StackServiceStatus[];
  /** The stack's Kroki URL once it is healthy (then the server's upstream). */
  krokiUrl: string | null;
  /** Diagram types that render through the stack's Kroki now (those Studio draws itself stay local). */
  types: string[];
  /** Whether Docker answers, and why not. */
  docker: { available: boolean; message?: string };
  /** The last failure of up/down, or of the stack's Kroki health, until the next success. */
  error: string | null;
}

/** One layer's pull progress, as Docker reports it. */
export interface PullProgress {
  service: string;
  image: string;
  /** The layer's id, or the image name for messages about the whole image. */
  layer: string;
  /** Docker's words: `Pulling fs layer`, `Downloading`, `Extracting`, `Pull complete`, `Already exists`, ... */
  status: string;
  current?: number;
  total?: number;
}

/** `POST /api/stack/up` (and the CLI's flags). */
export interface StackUpRequest {
  /** A compose file; default: the built-in stack (or STUDIO_STACK_FILE). */
  file?: string;
  profiles?: string[];
  project?: string;
  /** Keep what was created when up fails (default: everything it created is removed). */
  keepOnError?: boolean;
}

/** `POST /api/stack/down`. */
export interface StackDownRequest {
  /** Also remove the project's volumes (default: kept). */
  removeVolumes?: boolean;
}

/** One line of a service's log (`GET /api/stack/logs?follow=1`: the `log` events). */
export interface StackLogLine {
  service: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Server-sent events of `GET /api/stack/events`: the event name and its JSON data. */
export interface StackEvents {
  progress: PullProgress;
  status: StackStatus;
  error: { message: string };
}
