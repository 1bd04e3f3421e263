/** Studio extras under /api/: the engine matrix and the settings a client needs. */
import type { FastifyInstance } from 'fastify';
import type { StudioConfig } from '../../config.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { STUDIO_VERSION } from '../../version.js';
import type { EnginesResponse, StudioConfigResponse } from '../types.js';


export default async function studioRoutes(app: FastifyInstance, { config, registry }: { config: StudioConfig; registry: EngineRegistry }): Promise<void> {
  app.get('/api/engines', async (): Promise<EnginesResponse> => ({
    upstream: { url: config.krokiUrl },
    safeMode: config.safeMode,
    types: registry.describe(),
  }));

  app.get('/api/config', async (): Promise<StudioConfigResponse> => ({
    version: STUDIO_VERSION,
    maxUriLength: config.maxUriLength,
    bodyLimit: config.bodyLimit,
    renderTimeoutMs: config.renderTimeoutMs,
    safeMode: config.safeMode,
    upstream: config.krokiUrl,
  }));
}
