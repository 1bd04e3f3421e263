/** A local HTTP server that counts every request: proof that a diagram did (not) fetch. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MarkerServer {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

export async function startMarkerServer(): Promise<MarkerServer> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end('[{"a":"FETCHED","b":1}]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
