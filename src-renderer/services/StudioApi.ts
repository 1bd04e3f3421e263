/**
 * The one interface through which the UI reaches a Kroki Studio server. The browser
 * build talks HTTP (HttpStudioApi); the Electron build adds an IPC transport behind the
 * same interface. Components and stores never see the transport.
 */
import type { EnginesResponse, HealthResponse, OutputFormat } from '../../shared/api';
import type { PullProgress, StackDownRequest, StackStatus, StackUpRequest } from '../../shared/stack';

export interface RenderRequest {
  type: string;
  format: OutputFormat;
  source: string;
  /** Kroki diagram options (sent as query parameters). */
  options?: Record<string, string>;
  signal?: AbortSignal;
  /** The document's file (desktop): PlantUML includes are read relative to it. */
  documentPath?: string | null;
}

export interface RenderResult {
  bytes: Uint8Array;
  contentType: string;
  /** Server time plus transfer, measured by the client. */
  durationMs: number;
}

export interface ServerInfo {
  /** The longest GET request line the server accepts (Kroki's KROKI_MAX_URI_LENGTH). */
  maxUriLength: number;
  version: string | null;
  upstream: string | null;
  /** Base URL for public image URLs and edit links, with a trailing slash. */
  baseUrl: string;
}

export class RenderError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** 1-based source line the server blamed, when it knows. */
    readonly line: number | null = null,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

export class RenderAborted extends Error {
  constructor() {
    super('Render superseded by a newer one');
    this.name = 'RenderAborted';
  }
}

export interface StackEventHandlers {
  progress?(p: PullProgress): void;
  status?(s: StackStatus): void;
  error?(e: { message: string }): void;
}

/** The local Kroki stack (the server's /api/stack); a transport without it leaves the Stack panel out. */
export interface StackApi {
  status(): Promise<StackStatus>;
  /** Resolves once the stack is healthy; progress arrives through events() meanwhile. */
  up(request?: StackUpRequest): Promise<StackStatus>;
  down(request?: StackDownRequest): Promise<StackStatus>;
  /** The last log lines as text (`service | line`). */
  logs(options?: { service?: string; tail?: number }): Promise<string>;
  /** Listens to progress, status and errors until the returned function is called. */
  events(handlers: StackEventHandlers): () => void;
}

export interface StudioApi {
  render(request: RenderRequest): Promise<RenderResult>;
  engines(): Promise<EnginesResponse>;
  serverInfo(): Promise<ServerInfo>;
  health(): Promise<HealthResponse>;
  /** Optional, so a transport can come without it. */
  stack?: StackApi;
}

export const DEFAULT_MAX_URI_LENGTH = 4096;
