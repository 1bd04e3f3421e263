/**
 * Who may be answered at all, before any route runs: the Host check against DNS rebinding,
 * the server's secret, and Kroki's request-line limit. One function for app.ts's onRequest
 * hook and for the cached replies that are answered before Fastify (cached-replies.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { StudioConfig } from '../config.js';
import { StudioError } from '../errors.js';

type AccessConfig = Pick<StudioConfig, 'allowedHosts' | 'secret' | 'maxUriLength'>;

/** The error to answer instead, or null. `route` is the matched route's pattern (`/:type/:format/:encoded`). */
export function accessRefusal(config: AccessConfig, method: string, url: string, route: string | undefined, headers: IncomingHttpHeaders): StudioError | null {
  // A loopback server answers only to loopback names, so a web page cannot reach it
  // through DNS rebinding (a hostile name that resolves to 127.0.0.1).
  if (config.allowedHosts && !config.allowedHosts.includes(hostName(headers.host)))
    return new StudioError(403, `Host ${JSON.stringify(headers.host ?? '')} is not allowed. Set STUDIO_ALLOWED_HOSTS to allow it.`);
  if (config.secret && needsSecret(method, route) && !secretMatches(config.secret, headers))
    return new StudioError(401, 'This server requires its secret: send Authorization: Bearer <STUDIO_SECRET>.', {
      headers: { 'www-authenticate': 'Bearer realm="kroki-studio"' },
    });
  // Kroki measures the request line: "GET <uri> HTTP/1.1".
  if (method.length + url.length + 10 > config.maxUriLength)
    return new StudioError(
      414,
      `The request URI's length exceeds ${config.maxUriLength}. You can update this value by setting KROKI_MAX_URI_LENGTH environment variable. Please read: https://docs.kroki.io/kroki/setup/configuration/#_max_uri_length for more information.`,
    );
  return null;
}

/** Host header without the port, lower-cased ("[::1]:8080" -> "[::1]"). */
function hostName(host: string | undefined): string {
  if (!host) return '';
  const h = host.toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0]!;
}

/** Render routes, /api and /metrics need the secret; health, preflights and the UI files do not. */
function needsSecret(method: string, route: string | undefined): boolean {
  if (method === 'OPTIONS') return false;
  if (route === undefined) return false;
  return route.startsWith('/:') || route.startsWith('/api/') || route === '/metrics' || (route === '/' && method === 'POST');
}

function secretMatches(secret: string, headers: IncomingHttpHeaders): boolean {
  const auth = headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : headers['x-studio-secret'];
  if (typeof given !== 'string') return false;
  // Compare digests so the comparison takes the same time whatever the length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}
