#!/usr/bin/env node
/**
 * The yardstick of the cached case and of the HTTP floor: a bare Fastify route (no logging,
 * no plugins) that answers every GET, and every POST (its body read and dropped), with the
 * same bytes Studio sends, so the bench compares Studio with the least a Node HTTP server
 * can do on this machine.
 *
 *   node scripts/bench/bare-fastify.mjs <file> <content-type>
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [file, contentType] = process.argv.slice(2);
if (!file || !contentType) {
  console.error('usage: bare-fastify.mjs <file> <content-type>');
  process.exit(2);
}
const bytes = readFileSync(file);
const app = Fastify({ logger: false });
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
const answer = (_req, reply) => {
  reply.header('content-type', contentType).send(bytes);
};
app.get('/*', answer);
app.post('/*', answer);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${address}`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
