/**
 * buildApp() assembles the HTTP server from plugins around the render core; startServer()
 * (start.ts) listens. Order follows Fastify's guidance: ecosystem plugins, our plugins,
 * hooks, then routes. Only this layer knows HTTP: the core raises domain errors and the
 * errors plugin maps them to status codes.
 */
import http from 'node:http';
import path from 'node:path';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { accessRefusal } from './api/access.js';
import { CachedReplies } from './api/cached-replies.js';
import errorsPlugin from './api/errors-plugin.js';
import './api/request-log.js';
import healthRoutes from './api/routes/health.js';
import renderRoutes from './api/routes/render.js';
import stackRoutes from './api/routes/stack.js';
import studioRoutes from './api/routes/studio.js';
import type { StudioConfig } from './config.js';
import { createServerLogger } from './logging.js';
import type { AnyEngineSpec } from './engines/spec.js';
import { createRenderRuntime, type RenderRuntime } from './render/runtime.js';
import { StackController } from './stack/controller.js';

export interface BuiltApp extends FastifyInstance {
  studio: RenderRuntime;
  stack: StackController;
}

/** The GET render route's pattern, for the access checks of replies answered before routing. */
const RENDER_GET_ROUTE = '/:type/:format/:encoded';

const UI_CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface BuildOptions {
  /** A pino logger, `false` for none, `true` for Fastify's own; default: the buffered JSON logger on stdout (logging.ts). */
  logger?: Logger | boolean;
  /** Engine list; defaults to every embedded engine. Tests may add their own. */
  engines?: readonly AnyEngineSpec[];
  /** The render core built (and maybe started) beforehand; the app then owns and stops it. */
  runtime?: RenderRuntime;
  /** Environment for the stack controller (Docker's variables, the stack file's interpolation); default process.env. */
  stackEnv?: Record<string, string | undefined>;
}

export async function buildApp(config: StudioConfig, opts: BuildOptions = {}): Promise<BuiltApp> {
  // No logger given: our buffered stdout logger (server/logging.ts), closed with the app.
  const ownLog = opts.logger === undefined ? createServerLogger(config.logLevel) : null;
  // Made once the render core exists; the server's handler (serverFactory) asks it first.
  let replies: CachedReplies | null = null;
  const app = Fastify({
    loggerInstance: ownLog?.logger ?? (typeof opts.logger === 'object' ? opts.logger : undefined),
    logger: ownLog || typeof opts.logger === 'object' ? undefined : opts.logger === false ? false : { level: config.logLevel },
    // One log line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    bodyLimit: config.bodyLimit,
    // The router never refuses a long segment itself: the 414 check below owns that.
    routerOptions: { ignoreDuplicateSlashes: true, maxParamLength: 1 << 20 },
    // Node answers 431 itself past this; the request line gets its own 414 check below.
    // A repeated GET of a cached picture is answered before Fastify (api/cached-replies.ts).
    serverFactory: (handler: http.RequestListener) =>
      http.createServer({ maxHeaderSize: config.maxHeaderSize + config.maxUriLength }, (req, res) => {
        let answered = false;
        try {
          answered = replies?.answer(req, res) ?? false;
        } catch (err) {
          // A fault in the shortcut must not cost the request: the full path answers it.
          app.log.error({ err }, 'cached reply failed');
        }
        if (!answered && !res.headersSent) handler(req, res);
      }),
  } as Parameters<typeof Fastify>[0]) as unknown as BuiltApp;

  const runtime = opts.runtime ?? createRenderRuntime(config, app.log as unknown as Logger, opts.engines);
  const { ctx, core, metrics, upstream } = runtime;
  app.decorate('studio', runtime);
  const cachedReplies = new CachedReplies({
    lookup: (plan) => core.cached(plan),
    refused: (method, url, headers) => accessRefusal(config, method, url, RENDER_GET_ROUTE, headers) !== null,
    logger: app.log as unknown as Logger,
  });
  replies = cachedReplies;
  app.addHook('preClose', (done) => {
    cachedReplies.close();
    done();
  });
  const stack = new StackController({
    upstream,
    upstreamTypes: () => core.knownTypes().filter((t) => core.canonical(t) === t && core.route(t).placement === 'upstream'),
    logger: app.log as unknown as Logger,
    env: opts.stackEnv ?? process.env,
    defaults: { ...(config.stack.file && { file: config.stack.file }), project: config.stack.project, profiles: config.stack.profiles },
  });
  app.decorate('stack', stack);

  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Access-Control-Allow-Origin', 'Origin', 'Content-Type', 'Accept', ...config.corsAllowedHeaders].join(','),
    exposedHeaders: ['ETag', 'X-Studio-Engine', 'X-Studio-Cache'],
    strictPreflight: false,
  });
  await app.register(errorsPlugin, { displayExceptionDetails: config.displayExceptionDetails, bodyLimit: config.bodyLimit, converter: ctx.converter });

  // Every body is read raw; the route decides between text and JSON (as Kroki does).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.bodyLimit }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', (request, _reply, done) => {
    const refusal = accessRefusal(config, request.method, request.url, request.routeOptions.url, request.headers);
    done(refusal ?? undefined);
  });
  // Callback-style hooks on the hot path: no promise per request and hook.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !reply.hasHeader('content-security-policy')) reply.header('content-security-policy', UI_CSP);
    done(null, payload);
  });
  app.decorateRequest('rendered', null);
  app.decorateRequest('replayable', null);
  app.addHook('onResponse', (request, reply, done) => {
    const line = { method: request.method, url: request.url.slice(0, 200), status: reply.statusCode, ms: +reply.elapsedTime.toFixed(2), ...request.rendered };
    request.log.info(line, 'request');
    // Every hook has run: these are the headers the same request gets next time.
    if (request.replayable && reply.statusCode === 200 && request.raw.url !== undefined)
      cachedReplies.remember(request.raw.url, { ...request.replayable, headers: reply.getHeaders() });
    done();
  });
  app.addHook('onClose', async () => {
    await stack.close();
    await runtime.close();
    ownLog?.close();
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await app.register(healthRoutes, { core, upstream });
  await app.register(studioRoutes, { config, core, upstream });
  await app.register(stackRoutes, { stack, control: config.stack.control });
  await app.register(renderRoutes, { config, core });

  if (config.uiDir) {
    // wildcard:false registers each built file as its own static route, so the Kroki
    // parameter routes (/{type}/{format}) never shadow /assets/x.js.
    await app.register(fastifyStatic, { root: path.resolve(config.uiDir), wildcard: false, index: 'index.html', cacheControl: false });
  } else {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Kroki Studio</title></head><body><h1>Kroki Studio</h1><p>The web UI is not built (run <code>npm run build</code>). The Kroki-compatible API is available; see <a href="/api/engines">/api/engines</a>.</p></body></html>`,
        ),
    );
  }
  return app;
}
