/**
 * The shared HTTP helper against real local servers: auth headers, the caller's AbortSignal, keep-alive pooling,
 * retries for reads only, and a custom CA for https.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { HttpClient } from '../../../src/clients/http.ts';
import { UpstreamError } from '../../../src/core/errors.ts';

type H = (req: IncomingMessage, res: ServerResponse) => void;
let handler: H = (_q, r) => r.end('{}');
let server: Server;
let base = '';
const sockets = new Set<unknown>();

before(async () => {
  server = createServer((q, r) => handler(q, r));
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('basic and token auth headers', async () => {
  const seen: Array<string | undefined> = [];
  handler = (q, r) => (seen.push(q.headers.authorization), r.end('{}'));
  const basic = new HttpClient({ service: 'mesos', auth: { username: 'u', password: 'p' } });
  const token = new HttpClient({ service: 'marathon', auth: { token: 'jwt' } });
  await basic.send(base, { path: '/' });
  await token.send(base, { path: '/' });
  assert.deepEqual(seen, [`Basic ${Buffer.from('u:p').toString('base64')}`, 'token=jwt']);
  await basic.close();
  await token.close();
});

test('keep-alive: sequential requests reuse pooled connections', async () => {
  handler = (_q, r) => r.end('{"ok":true}');
  const client = new HttpClient({ service: 'mesos' });
  const before = sockets.size;
  for (let i = 0; i < 20; i++) await client.json(base, { path: '/x' }, z.object({ ok: z.boolean() }));
  // undici may open a second socket while the first is being released; never one per request.
  assert.ok(sockets.size - before <= 2, `${sockets.size - before} connections for 20 requests`);
  await client.close();
});

test("the caller's AbortSignal aborts at once and is not retried", async () => {
  let hits = 0;
  handler = () => void hits++;
  const client = new HttpClient({ service: 'jenkins', timeoutMs: 5000, retryBaseMs: 1 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  // Aborted, not timed out after 5 s (the server never answers), and not retried.
  await assert.rejects(client.send(base, { path: '/slow', signal: ac.signal }), (e: unknown) => e instanceof UpstreamError && e.failure === 'aborted');
  assert.equal(hits, 1);
  await client.close();
});

test('reads are retried on 503 with jitter; POSTs are not; 4xx are not', async () => {
  let hits = 0;
  handler = (_q, r) => {
    hits++;
    r.statusCode = hits < 3 ? 503 : 200;
    r.end('{}');
  };
  const client = new HttpClient({ service: 'marathon', retries: 2, retryBaseMs: 1 });
  assert.equal((await client.send(base, { path: '/r' })).status, 200);
  assert.equal(hits, 3);
  hits = 0;
  await assert.rejects(client.send(base, { path: '/w', method: 'POST', body: '{}' }), (e: unknown) => e instanceof UpstreamError && e.status === 503);
  assert.equal(hits, 1);
  hits = 0;
  handler = (_q, r) => (hits++, (r.statusCode = 404), r.end('{"message":"nope"}'));
  await assert.rejects(client.send(base, { path: '/gone' }), (e: unknown) => e instanceof UpstreamError && e.status === 404 && !e.transient);
  assert.equal(hits, 1);
  await client.close();
});

test('https with a custom CA: trusted with `ca`, refused without', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-ca-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_q, r) => r.end('{"tls":true}'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    try {
      const trusted = new HttpClient({ service: 'mesos', ca: cert });
      assert.deepEqual(await trusted.json(url, { path: '/' }, z.object({ tls: z.boolean() })), { tls: true });
      const untrusted = new HttpClient({ service: 'mesos', retries: 0 });
      await assert.rejects(untrusted.send(url, { path: '/' }), (e: unknown) => e instanceof UpstreamError && e.failure === 'network');
      await trusted.close();
      await untrusted.close();
    } finally {
      tls.closeAllConnections();
      tls.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('onResult reports each request once it ends: duration, and the failure if any', async () => {
  const results: Array<{ request: string; failure?: string; durationMs: number }> = [];
  const client = new HttpClient({ service: 'jenkins', retries: 1, retryBaseMs: 1, onResult: (r) => results.push(r) });
  handler = (q, r) => {
    if (q.url === '/fail') r.writeHead(503).end();
    else r.end(q.url === '/garbage' ? '{"x":' : '{"a":1}');
  };
  await client.json(base, { path: '/ok' }, z.object({ a: z.number() }));
  await assert.rejects(client.send(base, { path: '/fail' }));
  await assert.rejects(client.json(base, { path: '/garbage' }, z.object({ a: z.number() })));
  await client.close();
  assert.deepEqual(results.map((r) => [r.request, r.failure]), [
    ['GET /ok', undefined], ['GET /fail', 'http'], ['GET /garbage', 'bad_answer'],
  ]);
  assert.ok(results.every((r) => r.durationMs >= 0));
});

test('retry backoffs on one long-lived signal leave no abort listeners behind', async () => {
  handler = (_q, r) => r.writeHead(503).end();
  // Full-jitter backoff doubles per attempt: 6 retries with a 1 ms base wait ≤ 126 ms per request.
  const client = new HttpClient({ service: 'mesos', retries: 6, retryBaseMs: 1 });
  const signal = new AbortController().signal;
  for (let i = 0; i < 5; i++) await assert.rejects(client.send(base, { path: '/busy', signal }));
  await client.close();
  const left = getEventListeners(signal, 'abort').length;
  assert.ok(left <= 1, `${left} abort listeners left after 30 backoff waits`);
});
