/**
 * The single error handler: maps domain errors and Fastify's own errors to Kroki's status
 * classes and writes the body in the shape the client negotiated (text, JSON, HTML, SVG or
 * PNG error image). 5xx details stay in the logs unless KROKI_DISPLAY_EXCEPTION_DETAILS.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SvgConverter } from '../convert/svg-converter.js';
import { StudioError } from '../errors.js';
import { errorHtml, errorJson, errorSvg, errorText } from './error-body.js';
import { errorMediaFor } from './negotiate.js';

interface Resolved {
  status: number;
  message: string;
  line?: number;
  headers: Record<string, string>;
}

function resolve(err: FastifyError | StudioError | Error, showDetails: boolean, bodyLimit: number): Resolved {
  if (err instanceof StudioError) {
    const hidden = !err.expose && !showDetails;
    const r: Resolved = { status: err.status, message: hidden ? 'Internal Server Error' : err.message, headers: err.headers };
    if (err.line !== undefined) r.line = err.line;
    return r;
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, message: `Request body is larger than the limit of ${bodyLimit} bytes (KROKI_BODY_LIMIT).`, headers: {} };
  if (fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return { status: 400, message: 'Invalid Content-Length.', headers: {} };
  const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode <= 599 ? fe.statusCode : 500;
  if (status < 500) return { status, message: fe.message, headers: {} };
  return { status, message: showDetails ? fe.message : 'Internal Server Error', headers: {} };
}

export async function sendError(request: FastifyRequest, reply: FastifyReply, r: Resolved, converter: SvgConverter | null): Promise<FastifyReply> {
  reply.code(r.status).headers(r.headers);
  switch (errorMediaFor(request.headers.accept)) {
    case 'json':
      return reply.type('application/json').send(errorJson(r.status, r.message, r.line));
    case 'html':
      return reply.type('text/html; charset=utf-8').send(errorHtml(r.status, r.message));
    case 'svg':
      return reply.type('image/svg+xml').send(errorSvg(r.status, r.message));
    case 'png':
      if (converter) {
        try {
          return reply.type('image/png').send(await converter.toPng(errorSvg(r.status, r.message)));
        } catch (err) {
          request.log.warn({ err }, 'could not rasterise the error image; sending SVG');
        }
      }
      return reply.type('image/svg+xml').send(errorSvg(r.status, r.message));
    default:
      return reply.type('text/plain; charset=utf-8').send(errorText(r.status, r.message));
  }
}

export default fp(
  async (app: FastifyInstance, opts: { displayExceptionDetails: boolean; bodyLimit: number; converter: SvgConverter | null }) => {
    app.setErrorHandler(async (err: FastifyError | StudioError, request, reply) => {
      const r = resolve(err, opts.displayExceptionDetails, opts.bodyLimit);
      // Expected 5xx (busy, unavailable, upstream down) are warnings; the rest are bugs.
      if (r.status >= 500 && !(err instanceof StudioError && err.expose)) request.log.error({ err }, 'request failed');
      else if (r.status >= 500) request.log.warn({ status: r.status, msg: r.message }, 'request failed');
      else request.log.info({ status: r.status, msg: r.message }, 'request rejected');
      return sendError(request, reply, r, opts.converter);
    });
    app.setNotFoundHandler(async (request, reply) => sendError(request, reply, { status: 404, message: STATUS_CODES[404]!, headers: {} }, opts.converter));
  },
  { name: 'studio-errors' },
);
