/** Studio extras under /api/: the engine matrix and the settings a client needs. */
import type { FastifyInstance } from 'fastify';
import type { StudioConfig } from '../../config.js';
import type { RenderCore } from '../../render/core.js';
import type { UpstreamProvider } from '../../upstream/provider.js';
import { StudioError } from '../../errors.js';
import { configResponse, typeParams, warmResponse } from '../schemas.js';
import { STUDIO_VERSION } from '../../version.js';
import type { EnginesResponse, StudioConfigResponse, WarmResult } from '../../../shared/api.js';

interface Deps {
  config: StudioConfig;
  core: RenderCore;
  upstream: UpstreamProvider;
}

export default async function studioRoutes(app: FastifyInstance, { config, core, upstream }: Deps): Promise<void> {
  app.get('/api/engines', async (): Promise<EnginesResponse> => {
    const current = upstream.current();
    return {
      upstream: current ? { url: current.url, source: current.source } : { url: null },
      safeMode: config.safeMode,
      types: core.describe(),
    };
  });

  // Start a type's engine before its first render, for a client that knows renders are
  // coming (a desktop shell restoring its tabs, a pipeline before a batch). Nothing is
  // rendered; 202 because the start goes on after the answer.
  app.post<{ Params: { type: string } }>(
    '/api/engines/:type/warm',
    { schema: { params: typeParams, response: warmResponse } },
    async (request, reply): Promise<WarmResult> => {
      const { type } = request.params;
      if (!core.isKnown(type)) throw new StudioError(404, `Unknown diagram type: ${type}. GET /api/engines lists the types.`);
      const result = core.warm(type);
      reply.code(result.engine && result.engine.state !== 'ready' ? 202 : 200);
      return result;
    },
  );
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/api/engines/:type/warm',
    handler: async () => {
      throw new StudioError(405, 'Method not allowed. Please use a POST request.', { headers: { allow: 'POST' } });
    },
  });

  app.get('/api/config', { schema: { response: configResponse } }, async (): Promise<StudioConfigResponse> => ({
    version: STUDIO_VERSION,
    maxUriLength: config.maxUriLength,
    bodyLimit: config.bodyLimit,
    renderTimeoutMs: config.renderTimeoutMs,
    safeMode: config.safeMode,
    upstream: upstream.url(),
  }));
}
