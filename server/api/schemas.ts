/**
 * Route schemas (JSON Schema, compiled by Fastify): what each route accepts and, where
 * the shape is fixed, what it answers (serialised from the schema, which also keeps
 * undeclared fields out). Diagram types and formats stay plain strings here: their checks
 * need Kroki's own error messages, which the render core gives.
 */
const str = { type: 'string' } as const;

export const typeParams = { type: 'object', properties: { type: str }, required: ['type'] } as const;
export const typeFormatParams = { type: 'object', properties: { type: str, format: str }, required: ['type', 'format'] } as const;
export const getRenderParams = { type: 'object', properties: { type: str, format: str, encoded: str }, required: ['type', 'format', 'encoded'] } as const;

export const configResponse = {
  200: {
    type: 'object',
    properties: {
      version: str,
      maxUriLength: { type: 'integer' },
      bodyLimit: { type: 'integer' },
      renderTimeoutMs: { type: 'integer' },
      safeMode: { type: 'string', enum: ['unsafe', 'safe', 'secure'] },
      upstream: { type: ['string', 'null'] },
    },
    required: ['version', 'maxUriLength', 'bodyLimit', 'renderTimeoutMs', 'safeMode', 'upstream'],
  },
} as const;

export const warmResponse = {
  '2xx': {
    type: 'object',
    properties: {
      type: str,
      placement: { type: 'string', enum: ['local', 'upstream', 'unavailable'] },
      engine: { type: 'object', properties: { id: str, runtime: str, state: str }, required: ['id', 'runtime', 'state'] },
    },
    required: ['type', 'placement'],
  },
} as const;
