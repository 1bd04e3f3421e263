// Docker HEALTHCHECK probe (the image has no curl). Exit 0 when /health says healthy or
// degraded (the app serves its local engines; an upstream outage is not fixed by a
// restart), 1 otherwise. Host/port follow the same variables the server reads.
import http from 'node:http';

const port = Number(process.env.STUDIO_PORT || 8080);
const timeoutMs = Number(process.env.STUDIO_HEALTHCHECK_TIMEOUT_MS || 4000);

const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    let status = 'unknown';
    try {
      status = JSON.parse(body).status ?? 'unknown';
    } catch {
      // not JSON: treated as unhealthy below
    }
    const ok = (res.statusCode === 200 && status === 'healthy') || status === 'degraded';
    console.log(`health ${res.statusCode} ${status}`);
    process.exit(ok ? 0 : 1);
  });
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
req.on('error', (err) => {
  console.log(`health check failed: ${err.message}`);
  process.exit(1);
});
