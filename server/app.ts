/**
 * buildApp() assembles the HTTP server from plugins around the render core; startServer()
 * (start.ts) listens. Order follows Fastify's guidance: ecosystem plugins, our plugins,
 * hooks, then routes. Only this layer knows HTTP: the core raises domain errors and the
 * errors plugin maps them to status codes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import errorsPlugin from './api/errors-plugin.js';
import './api/request-log.js';
import healthRoutes from './api/routes/health.js';
import renderRoutes from './api/routes/render.js';
import stackRoutes from './api/routes/stack.js';
import studioRoutes from './api/routes/studio.js';
import type { StudioConfig } from './config.js';
import { StudioError } from './errors.js';
import { createServerLogger } from './logging.js';
import type { AnyEngineSpec } from './engines/spec.js';
import { createRenderRuntime, type RenderRuntime } from './render/runtime.js';
import { StackController } from './stack/controller.js';

export interface BuiltApp extends FastifyInstance {
  studio: RenderRuntime;
  stack: StackController;
}

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
    serverFactory: (handler: http.RequestListener) => http.createServer({ maxHeaderSize: config.maxHeaderSize + config.maxUriLength }, handler),
  } as Parameters<typeof Fastify>[0]) as unknown as BuiltApp;

  const runtime = opts.runtime ?? createRenderRuntime(config, app.log as unknown as Logger, opts.engines);
  const { ctx, core, metrics, upstream } = runtime;
  app.decorate('studio', runtime);
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
    // A loopback server answers only to loopback names, so a web page cannot reach it
    // through DNS rebinding (a hostile name that resolves to 127.0.0.1).
    if (config.allowedHosts && !config.allowedHosts.includes(hostName(request.headers.host)))
      return done(new StudioError(403, `Host ${JSON.stringify(request.headers.host ?? '')} is not allowed. Set STUDIO_ALLOWED_HOSTS to allow it.`));
    if (config.secret && needsSecret(request.method, request.routeOptions.url) && !secretMatches(config.secret, request.headers))
      return done(
        new StudioError(401, 'This server requires its secret: send Authorization: Bearer <STUDIO_SECRET>.', {
          headers: { 'www-authenticate': 'Bearer realm="kroki-studio"' },
        }),
      );
    // Kroki measures the request line: "GET <uri> HTTP/1.1".
    if (request.method.length + request.url.length + 10 > config.maxUriLength)
      return done(
        new StudioError(
          414,
          `The request URI's length exceeds ${config.maxUriLength}. You can update this value by setting KROKI_MAX_URI_LENGTH environment variable. Please read: https://docs.kroki.io/kroki/setup/configuration/#_max_uri_length for more information.`,
        ),
      );
    done();
  });
  // Callback-style hooks on the hot path: no promise per request and hook.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !reply.hasHeader('content-security-policy')) reply.header('content-security-policy', UI_CSP);
    done(null, payload);
  });
  app.decorateRequest('rendered', null);
  app.addHook('onResponse', (request, reply, done) => {
    const line = { method: request.method, url: request.url.slice(0, 200), status: reply.statusCode, ms: +reply.elapsedTime.toFixed(2), ...request.rendered };
    request.log.info(line, 'request');
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

function secretMatches(secret: string, headers: Record<string, string | string[] | undefined>): boolean {
  const auth = headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : headers['x-studio-secret'];
  if (typeof given !== 'string') return false;
  // Compare digests so the comparison takes the same time whatever the length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}
