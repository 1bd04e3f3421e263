/**
 * A minimal keep-alive HTTP client for loopback load. It uses node:http directly (not
 * fetch) so that the client adds as little as possible to the measured time, and it
 * checks each answer so that a fast error never counts as a render.
 */
import http from 'node:http';
import type { BenchDiagram } from './diagrams.js';

export interface RenderResult {
  ms: number;
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

export class BenchClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(readonly baseUrl: string) {}

  /** POST the source as text to /{type}/{format}, timed from send to last byte. */
  post(type: string, format: string, source: string, timeoutMs = 30_000): Promise<RenderResult> {
    const url = new URL(`/${type}/${format}`, this.baseUrl);
    const payload = Buffer.from(source, 'utf8');
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'text/plain', 'content-length': payload.length },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: POST ${url.pathname}`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async getJson<T>(path: string, timeoutMs = 5000): Promise<{ status: number; json: T }> {
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T });
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`timeout: GET ${url.pathname}`)));
      req.on('error', reject);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Throws unless the answer is a real picture of this diagram (and not served from cache). */
export function checkPicture(diagram: BenchDiagram, format: string, result: RenderResult): void {
  const where = `${diagram.type}/${format}`;
  if (result.status !== 200) throw new Error(`${where}: HTTP ${result.status}: ${result.body.toString('utf8').slice(0, 300)}`);
  if (result.headers['x-studio-cache'] === 'hit') throw new Error(`${where}: served from cache; the benchmark needs STUDIO_CACHE_BYTES=0`);
  if (format === 'svg') {
    const text = result.body.toString('utf8');
    if (!text.includes('<svg')) throw new Error(`${where}: answer is not SVG`);
    // Labels are looked for in the text alone, entities decoded: dvisvgm splits words into <tspan>s
    // where a kern falls, Graphviz writes '-' as &#45;.
    const plain = text
      .replace(/<[^>]*>/g, '')
      .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
      .replace(/&amp;/g, '&');
    const missing = diagram.expect.filter((label) => !text.includes(label) && !plain.includes(label));
    if (missing.length) throw new Error(`${where}: SVG lacks ${missing.join(', ')}`);
  } else if (format === 'png') {
    if (!result.body.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`${where}: answer is not PNG`);
    const width = result.body.readUInt32BE(16);
    const height = result.body.readUInt32BE(20);
    if (width < 50 || height < 20) throw new Error(`${where}: PNG is only ${width}×${height}`);
  }
}
