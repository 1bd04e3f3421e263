/**
 * The Kroki-compatible render routes:
 *   GET  /{type}/{format}/{encoded}
 *   POST /{type}, POST /{type}/{format}   (text or JSON body)
 *   POST /                                (JSON with diagram_type)
 * plus 405 + Allow: POST for other methods on /{type}[/{format}].
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StudioConfig } from '../../config.js';
import { decodePlantumlEncoded } from '../../engines/plantuml/source.js';
import { CONTENT_TYPES, findType } from '../../../shared/diagram-types.js';
import { BadRequestError, StudioError, UnsupportedFormatError, humanList } from '../../errors.js';
import { answerDependsOnHeaders } from '../cached-replies.js';
import { decodeKrokiSource } from '../decode.js';
import { formatFromAccept, normaliseFormat } from '../negotiate.js';
import { mergeOptions } from '../options.js';
import { getRenderParams, typeFormatParams, typeParams } from '../schemas.js';
import '../request-log.js';
import { LRUCache } from 'lru-cache';
import type { PlanKeyMemo, RenderCore, RenderResult } from '../../render/core.js';
import type { OutputFormat } from '../../../shared/api.js';

interface Deps {
  config: StudioConfig;
  core: RenderCore;
}

class NotFoundError extends StudioError {
  constructor() {
    super(404, 'Not Found');
  }
}

class MethodNotAllowedError extends StudioError {
  constructor() {
    super(405, 'Method not allowed. Please use a POST request.', { headers: { allow: 'POST' } });
  }
}

type Params = { type: string; format?: string; encoded?: string };

/** Characters of recent GET URLs and their decoded sources kept (decodeGetMemo). */
const GET_MEMO_CHARS = 4 << 20;

export default async function renderRoutes(app: FastifyInstance, { config, core }: Deps): Promise<void> {
  const requireType = (type: string) => {
    if (!core.isKnown(type)) throw new NotFoundError();
  };

  const parseFormat = (type: string, raw: string): OutputFormat => {
    const f = normaliseFormat(raw);
    if (f) return f;
    throw new UnsupportedFormatError(raw, type, core.route(type).formats);
  };

  // How GET sources decode is the type's, from the one catalogue (shared/diagram-types.ts).
  const keepsWhitespace = (type: string) => findType(type)?.keepWhitespace === true;

  const decodeGet = (type: string, encoded: string): string => {
    const plantuml = findType(type)?.plantumlEncoding === true;
    if (plantuml) return decodePlantumlEncoded(encoded, config.bodyLimit);
    return decodeKrokiSource(encoded, config.bodyLimit, !keepsWhitespace(type));
  };

  // The same GET URL again (a page's images, a cached answer under load) need not be
  // inflated and hashed again: its decoded source and render keys are kept, bounded in size.
  const recentGets = new LRUCache<string, { source: string; keys: PlanKeyMemo }>({
    maxSize: GET_MEMO_CHARS,
    sizeCalculation: (v, k) => k.length + v.source.length + 64,
  });
  const decodeGetMemo = (type: string, encoded: string): { source: string; keys: PlanKeyMemo } => {
    const memoKey = `${type}/${encoded}`;
    let entry = recentGets.get(memoKey);
    if (!entry) {
      entry = { source: decodeGet(type, encoded), keys: new Map() };
      if (memoKey.length + entry.source.length < GET_MEMO_CHARS / 16) recentGets.set(memoKey, entry);
    }
    return entry;
  };

  async function respond(
    request: FastifyRequest,
    reply: FastifyReply,
    type: string,
    format: OutputFormat,
    source: string,
    options: Record<string, string>,
    keys?: PlanKeyMemo,
  ): Promise<FastifyReply> {
    // One plan per request: the route and the cache key (the ETag) are worked out once.
    const plan = core.plan(type, format, options, source, keys);
    if (request.method === 'GET' && ifNoneMatch(request.headers['if-none-match'], plan.etag)) {
      return reply.code(304).header('etag', plan.etag).header('cache-control', 'public, max-age=432000').send();
    }
    // A cache hit needs no abort wiring: nothing runs that a closed connection could stop.
    const hit = core.cached(plan);
    if (hit) {
      if (request.method === 'GET' && !answerDependsOnHeaders(request.headers)) request.replayable = { plan, type, format };
      return send(request, reply, type, format, hit, 0);
    }
    const controller = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) controller.abort(new StudioError(499, 'The client closed the connection.'));
    };
    reply.raw.once('close', onClose);
    const started = performance.now();
    try {
      const result = await core.render(plan, controller.signal);
      return send(request, reply, type, format, result, performance.now() - started);
    } finally {
      reply.raw.removeListener('close', onClose);
    }
  }

  function send(request: FastifyRequest, reply: FastifyReply, type: string, format: OutputFormat, result: RenderResult, ms: number): FastifyReply {
    // The one log line per request (app.ts, onResponse) carries what was rendered where.
    request.rendered = {
      type,
      format,
      engine: result.engine,
      cache: result.cached ? 'hit' : 'miss',
      durationMs: +ms.toFixed(2),
      bytes: result.body.length,
    };
    reply
      .code(200)
      .header('content-type', CONTENT_TYPES[format])
      .header('cache-control', 'public, max-age=432000')
      .header('etag', result.etag)
      .header('x-studio-engine', result.engine)
      .header('x-studio-cache', result.cached ? 'hit' : 'miss');
    // Opened directly in a browser, a rendered SVG must not be able to run script.
    if (format === 'svg') reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:");
    return reply.send(result.body);
  }

  // GET /{type}/{format}/{encoded}
  app.get<{ Params: Required<Params>; Querystring: Record<string, string> }>(
    '/:type/:format/:encoded',
    { schema: { params: getRenderParams } },
    async (request, reply) => {
      const { type } = request.params;
      requireType(type);
      // Like Vert.x, a query parameter of the same name overrides the path segment.
      const format = parseFormat(type, request.query.output_format ?? request.params.format);
      const { source, keys } = decodeGetMemo(type, request.query.source_encoded ?? request.params.encoded);
      const options = mergeOptions(request.query, request.headers);
      return respond(request, reply, type, format, source, options, keys);
    },
  );

  // POST /{type} and /{type}/{format}
  const post = async (request: FastifyRequest<{ Params: Params; Querystring: Record<string, string> }>, reply: FastifyReply) => {
    const { type } = request.params;
    requireType(type);
    let format = request.params.format !== undefined ? parseFormat(type, request.params.format) : undefined;
    const body = request.body as Buffer | undefined;
    let source: string;
    let jsonOptions: unknown;
    if (mediaType(request.headers['content-type']) === 'application/json') {
      const json = parseJsonObject(body);
      source = requireField(json, 'diagram_source');
      if (format === undefined && json.output_format !== undefined && json.output_format !== null) format = parseFormat(type, String(json.output_format));
      jsonOptions = json.diagram_options;
    } else {
      source = decodeBody(body, request.headers['content-type']);
      if (source.trim() === '') throw new BadRequestError('Request body must not be empty.');
    }
    if (format === undefined) {
      const supported = core.route(type).formats;
      const choice = formatFromAccept(request.headers.accept, supported);
      if ('error' in choice) {
        if (choice.error === 'undefined')
          throw new BadRequestError('Output format is undefined. Must be defined as part of the query path or as an Accept header.');
        throw new BadRequestError(
          `Content negotiation failed, no output format found for the following MIME types: ${choice.types.join(',')}. Must be one of ${humanList(supported.map((f) => CONTENT_TYPES[f]))} for ${type}.`,
        );
      }
      format = choice.format;
    }
    const options = mergeOptions(request.query, request.headers, jsonOptions);
    return respond(request, reply, type, format, source, options);
  };
  app.post('/:type', { schema: { params: typeParams } }, post);
  app.post('/:type/:format', { schema: { params: typeFormatParams } }, post);

  // POST / with diagram_type in the JSON body (Content-Type is not checked, like Kroki).
  app.post<{ Querystring: Record<string, string> }>('/', async (request, reply) => {
    const json = parseJsonObject(request.body as Buffer | undefined);
    const source = requireField(json, 'diagram_source');
    const type = requireField(json, 'diagram_type');
    const rawFormat = requireField(json, 'output_format');
    if (!core.isKnown(type)) throw new BadRequestError(`Unsupported diagram type: ${type}. Must be one of ${humanList(core.knownTypes())}`);
    const format = parseFormat(type, rawFormat);
    const options = mergeOptions(request.query, request.headers, json.diagram_options);
    return respond(request, reply, type, format, source, options);
  });

  // Other methods: 405 with Allow: POST (after validating the format, as Kroki does).
  const notAllowed = ['GET', 'PUT', 'DELETE', 'PATCH'] as const;
  app.route<{ Params: Params }>({
    method: [...notAllowed],
    url: '/:type',
    handler: async (request) => {
      requireType(request.params.type);
      throw new MethodNotAllowedError();
    },
  });
  app.route<{ Params: Params }>({
    method: [...notAllowed],
    url: '/:type/:format',
    handler: async (request) => {
      requireType(request.params.type);
      parseFormat(request.params.type, request.params.format!);
      throw new MethodNotAllowedError();
    },
  });
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === etag || v === '*';
  });
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function decodeBody(body: Buffer | undefined, contentType: string | undefined): string {
  if (!body || body.length === 0) throw new BadRequestError('Request body must not be empty.');
  const charset = /charset="?([^";]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    throw new BadRequestError(`Unsupported charset: ${charset}.`);
  }
}

/** Invalid JSON is a 400 here (Kroki answers 500): a deliberate deviation. */
function parseJsonObject(body: Buffer | undefined): Record<string, unknown> {
  if (!body || body.toString('utf8').trim() === '') throw new BadRequestError('Request body must not be empty.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequestError('Request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

function requireField(json: Record<string, unknown>, name: string): string {
  const v = json[name];
  if (v === undefined || v === null || String(v).trim() === '') throw new BadRequestError(`Field ${name} must not be empty.`);
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
