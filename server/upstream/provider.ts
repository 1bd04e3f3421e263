/**
 * The live upstream: which Kroki server (if any) renders the types Studio does not. It
 * starts from KROKI_URL; something else (the local Kroki stack) can put its own Kroki on
 * top while it runs and take it away again, and the previous upstream comes back.
 * Placement, /api/engines and /health read it on every request, so a switch shows at once.
 */
import type { KrokiClient } from './kroki-client.js';

export interface Upstream {
  url: string;
  /** Who set it: `config` (KROKI_URL) or the label given to use(). */
  source: string;
  client(): Promise<KrokiClient>;
}

export class UpstreamProvider {
  private readonly layers: Upstream[] = [];
  /** One client per URL, kept: keep-alive sockets survive a switch back and forth. */
  private readonly clients = new Map<string, Promise<KrokiClient>>();

  constructor(
    base: string | null,
    private readonly timeoutMs: number,
  ) {
    if (base) this.layers.push(this.layer(base, 'config'));
  }

  /** The upstream in use now, or null. */
  current(): Upstream | null {
    return this.layers[this.layers.length - 1] ?? null;
  }

  url(): string | null {
    return this.current()?.url ?? null;
  }

  /** Make `url` the upstream until the returned function is called (idempotent). */
  use(url: string, source: string): () => void {
    const layer = this.layer(url.replace(/\/+$/, ''), source);
    this.layers.push(layer);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const i = this.layers.indexOf(layer);
      if (i >= 0) this.layers.splice(i, 1);
    };
  }

  private layer(url: string, source: string): Upstream {
    return { url, source, client: () => this.client(url) };
  }

  private client(url: string): Promise<KrokiClient> {
    let client = this.clients.get(url);
    if (!client) {
      // axios costs ~130 ms to import: only load the client when an upstream is used.
      client = import('./kroki-client.js').then((m) => new m.KrokiClient(url, this.timeoutMs));
      this.clients.set(url, client);
    }
    return client;
  }
}
