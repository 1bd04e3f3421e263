/**
 * `/health` in the shape of the original milestone (200 healthy, 503 otherwise), and
 * `/healthz` + `/v1/health` the way Kroki answers them, for tools that expect that.
 */
import type { FastifyInstance } from 'fastify';
import type { RenderCore } from '../../render/core.js';
import type { UpstreamProvider } from '../../upstream/provider.js';
import type { HealthResponse, HealthStatus } from '../../../shared/api.js';
import { STUDIO_VERSION } from '../../version.js';

interface Deps {
  core: RenderCore;
  upstream: UpstreamProvider;
}

const startedAt = Date.now();

export default async function healthRoutes(app: FastifyInstance, { core, upstream: provider }: Deps): Promise<void> {
  app.get('/health', async (_request, reply) => {
    // The upstream in use at this moment: the local stack may have switched it.
    const current = provider.current();
    const kroki: HealthResponse['checks']['kroki'] = current
      ? await (await current.client()).health(5000).then((h) => ({
          status: h.ok ? ('healthy' as const) : ('unhealthy' as const),
          url: current.url,
          response_time_ms: h.responseTimeMs,
          message: h.message,
        }))
      : { status: 'not_configured', url: null, response_time_ms: null, message: 'not configured (set KROKI_URL to forward types without a local engine)' };

    const engines: HealthResponse['checks']['engines'] = {};
    let usable = 0;
    let broken = 0;
    for (const e of core.engines) {
      const avail = e.available();
      const state = avail.ok ? e.state() : 'failed';
      engines[e.id] = { status: state, runtime: e.runtime, version: e.version() };
      if (!avail.ok) engines[e.id]!.message = avail.reason;
      if (state === 'failed') broken++;
      else usable++;
    }
    const upstreamDown = kroki.status === 'unhealthy';
    const status: HealthStatus = usable === 0 && kroki.status !== 'healthy' ? 'unhealthy' : upstreamDown || broken > 0 ? 'degraded' : 'healthy';

    const body: HealthResponse = {
      service: 'kroki-studio',
      status,
      timestamp: new Date().toISOString(),
      version: STUDIO_VERSION,
      checks: { service: { status: 'healthy', uptime_s: Math.round((Date.now() - startedAt) / 1000) }, kroki, engines },
    };
    return reply
      .code(status === 'healthy' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  });

  const krokiStyle = async (_request: unknown, reply: import('fastify').FastifyReply) => {
    const version: Record<string, unknown> = { 'kroki-studio': { number: STUDIO_VERSION } };
    for (const type of core.knownTypes()) {
      const engine = core.engineFor(type);
      version[type] = engine ? engine.version() : core.route(type).placement;
    }
    return reply
      .type('application/health+json')
      .header('cache-control', 'no-store')
      .send(Buffer.from(JSON.stringify({ status: 'pass', version })));
  };
  app.get('/healthz', krokiStyle);
  app.get('/v1/health', krokiStyle);
}
