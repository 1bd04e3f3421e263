#!/usr/bin/env node
/**
 * Two running servers compared in one run: the same diagram POSTed to each in turn
 * (alternating which goes first), over one keep-alive connection each, after a warm-up.
 * Both servers share the machine's load, so the ratio of their medians is what a change
 * cost, even on a noisy machine.
 *
 *   node scripts/bench/ab-servers.mjs <portA> <portB> [graphviz|plantuml] [rounds]
 */
import http from 'node:http';

const [portA, portB] = [Number(process.argv[2]), Number(process.argv[3])];
const type = process.argv[4] ?? 'graphviz';
const rounds = Number(process.argv[5] ?? 400);
if (!portA || !portB || !['graphviz', 'plantuml'].includes(type)) {
  console.error('usage: ab-servers.mjs <portA> <portB> [graphviz|plantuml] [rounds]');
  process.exit(2);
}
const SOURCES = {
  graphviz: `digraph G {\n${Array.from({ length: 20 }, (_, i) => `  node${i} -> node${(i + 1) % 20};\n  node${i} -> node${(i * 7 + 3) % 20};`).join('\n')}\n}`,
  plantuml:
    '@startuml\nparticipant Browser\nparticipant Gateway\nparticipant Auth\nparticipant Cart\nBrowser -> Gateway : GET /checkout\nGateway -> Auth : verify\nAuth --> Gateway : ok\nalt ok\n  Gateway -> Cart : items\nelse no\n  Gateway --> Browser : 401\nend\nnote right of Cart : append-only\n@enduml',
};
const agents = { [portA]: new http.Agent({ keepAlive: true, maxSockets: 1 }), [portB]: new http.Agent({ keepAlive: true, maxSockets: 1 }) };

function render(port) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, path: `/${type}/svg`, method: 'POST', agent: agents[port], headers: { 'content-type': 'text/plain' } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200 || !body.includes('<svg')) reject(new Error(`port ${port}: ${res.statusCode} ${body.slice(0, 200)}`));
          else resolve(performance.now() - started);
        });
      },
    );
    req.on('error', reject);
    req.end(SOURCES[type]);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (let i = 0; i < 60; i++) await Promise.all([render(portA), render(portB)].map((p) => p.catch((e) => Promise.reject(e))));
const a = [];
const b = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    a.push(await render(portA));
    b.push(await render(portB));
  } else {
    b.push(await render(portB));
    a.push(await render(portA));
  }
}
console.log(
  `${type}, ${rounds} renders each: A (:${portA}) median ${median(a).toFixed(3)} ms, B (:${portB}) median ${median(b).toFixed(3)} ms, B / A = ${(median(b) / median(a)).toFixed(3)}`,
);
process.exit(0);
