/**
 * `/api/stack`: the local Kroki stack over HTTP (status, up, down, logs, events), a thin
 * layer over the StackController (server/stack/). Progress and status reach a client as
 * server-sent events; a client that cannot send headers with EventSource (a secret is
 * set) reads the same stream with fetch. Behind the server's secret like the rest of /api/.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StackDownRequest, StackUpRequest } from '../../../shared/stack.js';
import { BadRequestError, StudioError } from '../../errors.js';
import type { StackController } from '../../stack/controller.js';

interface Deps {
  stack: StackController;
  /** Whether up and down may be called here (STUDIO_STACK_CONTROL); status, logs and events always answer. */
  control: boolean;
}

const logsQuery = {
  type: 'object',
  properties: {
    service: { type: 'string', pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$' },
    tail: { type: 'integer', minimum: 0, maximum: 100000 },
    follow: { type: 'string', enum: ['0', '1', 'true', 'false'] },
  },
  additionalProperties: false,
} as const;

export default async function stackRoutes(app: FastifyInstance, { stack, control }: Deps): Promise<void> {
  // Open event streams end when the server closes, or close() would wait for them.
  const streams = new Set<AbortController>();
  app.addHook('preClose', async () => streams.forEach((s) => s.abort()));
  const events = (request: FastifyRequest, reply: FastifyReply) => {
    const abort = openEvents(request, reply);
    streams.add(abort);
    abort.signal.addEventListener('abort', () => streams.delete(abort), { once: true });
    return abort;
  };
  const allowed = () => {
    if (!control)
      throw new StudioError(
        403,
        'Starting and stopping the stack is off on this server: it listens beyond loopback without a secret. Set STUDIO_SECRET, or STUDIO_STACK_CONTROL=true.',
      );
  };
  app.get('/api/stack', async (_request, reply) => reply.header('cache-control', 'no-store').send(await stack.status()));

  app.post('/api/stack/up', async (request) => {
    allowed();
    const body = jsonBody(request.body);
    const req: StackUpRequest = {};
    for (const key of Object.keys(body))
      if (!['file', 'profiles', 'project', 'keepOnError'].includes(key))
        throw new BadRequestError(`unknown field "${key}" (expected file, profiles, project, keepOnError)`);
    if (body.file !== undefined) req.file = field(body.file, 'file', 'string');
    if (body.project !== undefined) req.project = field(body.project, 'project', 'string');
    if (body.keepOnError !== undefined) req.keepOnError = field(body.keepOnError, 'keepOnError', 'boolean');
    if (body.profiles !== undefined) {
      if (!Array.isArray(body.profiles) || !body.profiles.every((p) => typeof p === 'string'))
        throw new BadRequestError('"profiles" must be a list of strings');
      req.profiles = body.profiles as string[];
    }
    return stack.up(req);
  });

  app.post('/api/stack/down', async (request) => {
    allowed();
    const body = jsonBody(request.body);
    const req: StackDownRequest = {};
    for (const key of Object.keys(body)) if (key !== 'removeVolumes') throw new BadRequestError(`unknown field "${key}" (expected removeVolumes)`);
    if (body.removeVolumes !== undefined) req.removeVolumes = field(body.removeVolumes, 'removeVolumes', 'boolean');
    return stack.down(req);
  });

  app.get<{ Querystring: { service?: string; tail?: number; follow?: string } }>(
    '/api/stack/logs',
    { schema: { querystring: logsQuery } },
    async (request, reply) => {
      const { service, tail, follow } = request.query;
      if (follow === '1' || follow === 'true') {
        const abort = events(request, reply);
        stack
          .followLogs({ ...(service && { service }), ...(tail !== undefined && { tail }) }, (line) => send(reply, 'log', line), abort.signal)
          .catch((err: Error) => send(reply, 'error', { message: err.message }))
          .finally(() => reply.raw.end());
        return reply;
      }
      const lines = await stack.logs({ ...(service && { service }), ...(tail !== undefined && { tail }) });
      const width = Math.max(0, ...lines.map((l) => l.service.length));
      const text = lines.map((l) => (service ? l.line : `${l.service.padEnd(width)} | ${l.line}`)).join('\n');
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(text ? `${text}\n` : '');
    },
  );

  app.get('/api/stack/events', async (request, reply) => {
    const abort = events(request, reply);
    const onProgress = (p: unknown) => send(reply, 'progress', p);
    const onStatus = (s: unknown) => send(reply, 'status', s);
    const onError = (e: unknown) => send(reply, 'error', e);
    stack.on('progress', onProgress);
    stack.on('status', onStatus);
    stack.on('failure', onError);
    abort.signal.addEventListener('abort', () => {
      stack.off('progress', onProgress);
      stack.off('status', onStatus);
      stack.off('failure', onError);
      reply.raw.end();
    });
    // The state as it is now, so a client needs no separate GET to start drawing.
    send(reply, 'status', await stack.status());
    return reply;
  });
}

/** Starts a server-sent event stream; the returned controller aborts when the client goes or the server closes. */
function openEvents(request: FastifyRequest, reply: FastifyReply): AbortController {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-content-type-options': 'nosniff',
    'x-accel-buffering': 'no',
  });
  reply.raw.write(': kroki-studio stack\n\n');
  const abort = new AbortController();
  const keepAlive = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
  keepAlive.unref();
  const stop = () => {
    clearInterval(keepAlive);
    abort.abort();
  };
  request.raw.once('close', stop);
  reply.raw.once('close', stop);
  abort.signal.addEventListener('abort', () => clearInterval(keepAlive), { once: true });
  return abort;
}

function send(reply: FastifyReply, event: string, data: unknown): void {
  if (reply.raw.writableEnded || reply.raw.destroyed) return;
  reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function jsonBody(raw: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`the body is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('the body must be a JSON object');
  return value as Record<string, unknown>;
}

function field<T extends 'string' | 'boolean'>(value: unknown, name: string, kind: T): T extends 'string' ? string : boolean {
  if (typeof value !== kind) throw new StudioError(400, `"${name}" must be a ${kind}`);
  return value as T extends 'string' ? string : boolean;
}
