#!/usr/bin/env node
/**
 * A tiny webhook receiver for Grafana alert notifications (docker compose service `webhook`).
 *
 *   POST /alerts   Grafana's webhook payload: one line per alert is printed to stdout
 *                  (`docker compose logs -f webhook`), and the notification is kept
 *   GET  /         the last 100 notifications, newest first, as JSON
 *   GET  /health   ok
 *
 * No dependencies: `node server.mjs` (PORT, default 9099; HOST, default 0.0.0.0).
 */
import { createServer } from 'node:http';

const PORT = Number(process.env.PORT ?? 9099);
const HOST = process.env.HOST ?? '0.0.0.0';
const KEEP = 100;
const MAX_BODY = 1 << 20;
const received = [];

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body, null, 2) + '\n');
}

/** One line per alert: status, rule, labels that tell instances apart, the values. */
function describe(payload) {
  const alerts = Array.isArray(payload.alerts) ? payload.alerts : [];
  if (alerts.length === 0) {
    return [`${payload.status ?? '?'} ${payload.title ?? '(no alerts)'}`];
  }
  return alerts.map((alert) => {
    const labels = alert.labels ?? {};
    const who = Object.entries(labels)
      .filter(([k]) => k !== 'alertname' && k !== 'grafana_folder' && !k.startsWith('__'))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const values = alert.values ? ` values=${JSON.stringify(alert.values)}` : '';
    const summary = alert.annotations?.summary ? ` | ${alert.annotations.summary}` : '';
    return `${String(alert.status ?? payload.status).toUpperCase()} ${labels.alertname ?? '?'} ${who}${values}${summary}`;
  });
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') {
    return send(res, 200, { status: 'ok', received: received.length });
  }
  if (req.method === 'GET' && path === '/') {
    return send(res, 200, received);
  }
  if (req.method !== 'POST') {
    return send(res, 404, { message: 'POST a Grafana webhook notification to /alerts; GET / lists them' });
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      send(res, 413, { message: 'body too large' });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.writableEnded) {
      return;
    }
    let payload;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { message: 'not JSON' });
    }
    const at = new Date().toISOString();
    for (const line of describe(payload)) {
      process.stdout.write(`${at} ${line}\n`);
    }
    received.unshift({ receivedAt: at, path, payload });
    received.length = Math.min(received.length, KEEP);
    send(res, 200, { status: 'received' });
  });
});

server.listen(PORT, HOST, () =>
  process.stdout.write(`webhook receiver listening on http://${HOST}:${server.address().port}\n`)
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
