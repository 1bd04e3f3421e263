/**
 * The StudioApi over the desktop bridge: renders go to the main process, which adds the
 * per-launch secret, resolves PlantUML includes next to the document and asks the server
 * child. The page itself never opens a network connection.
 */
import type { EnginesResponse, HealthResponse } from '../../shared/api';
import type { DesktopBridge } from '../../shared/ipc';
import { DesktopError, unwrap } from './desktop';
import type { StackDownRequest, StackStatus, StackUpRequest } from '../../shared/stack';
import {
  RenderAborted,
  RenderError,
  type RenderRequest,
  type RenderResult,
  type ServerInfo,
  type StackApi,
  type StackEventHandlers,
  type StudioApi,
} from './StudioApi';

/** Share links point at a public Kroki: the desktop's own server is not reachable from elsewhere. */
const PUBLIC_KROKI = 'https://kroki.io/';

export class IpcStudioApi implements StudioApi {
  readonly stack: StackApi;

  constructor(private readonly bridge: DesktopBridge) {
    this.stack = new IpcStackApi(bridge);
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    const started = performance.now();
    if (request.signal?.aborted) throw new RenderAborted();
    // An IPC call cannot be cancelled; a superseded answer is dropped when it arrives.
    const aborted = new Promise<never>((_, reject) => request.signal?.addEventListener('abort', () => reject(new RenderAborted()), { once: true }));
    aborted.catch(() => undefined);
    try {
      const result = await Promise.race([
        unwrap(
          this.bridge.render({
            type: request.type,
            format: request.format,
            source: request.source,
            options: request.options,
            documentPath: request.documentPath ?? null,
          }),
        ),
        aborted,
      ]);
      return { bytes: result.body, contentType: result.contentType, durationMs: performance.now() - started };
    } catch (error) {
      if (error instanceof RenderAborted) throw error;
      if (error instanceof DesktopError) throw new RenderError(error.message, error.status ?? 0, error.line);
      throw new RenderError((error as Error).message, 0);
    }
  }

  engines(): Promise<EnginesResponse> {
    return unwrap(this.bridge.engines({}));
  }

  async serverInfo(): Promise<ServerInfo> {
    const config = await unwrap(this.bridge.serverInfo({}));
    return {
      maxUriLength: config.maxUriLength,
      version: config.version,
      upstream: config.upstream,
      baseUrl: config.upstream ? `${config.upstream.replace(/\/+$/, '')}/` : PUBLIC_KROKI,
    };
  }

  async health(): Promise<HealthResponse> {
    throw new Error('health() is not available over the desktop bridge; engines() reports the engines');
  }
}

/** The local Kroki stack through the bridge: main forwards it to the server child, which drives /api/stack. */
class IpcStackApi implements StackApi {
  constructor(private readonly bridge: DesktopBridge) {}

  status(): Promise<StackStatus> {
    return unwrap(this.bridge.stack({ action: 'status' }));
  }

  up(request: StackUpRequest = {}): Promise<StackStatus> {
    return unwrap(this.bridge.stack({ action: 'up', ...request }));
  }

  down(request: StackDownRequest = {}): Promise<StackStatus> {
    return unwrap(this.bridge.stack({ action: 'down', ...request }));
  }

  /** The bridge carries no log stream; the panel then shows none (`kroki-studio stack logs` has them). */
  logs(): Promise<string> {
    return Promise.resolve('');
  }

  events(handlers: StackEventHandlers): () => void {
    const off = [
      this.bridge.on('studio:stack-progress', (p) => handlers.progress?.(p)),
      this.bridge.on('studio:stack-status', (s) => handlers.status?.(s)),
      this.bridge.on('studio:stack-error', (e) => handlers.error?.(e)),
    ];
    return () => off.forEach((f) => f());
  }
}
