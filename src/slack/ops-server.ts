/**
 * The one HTTP server of `ci-bot serve`: `/slack/events` (HTTP mode: the signature, its timestamp and replays are
 * checked here, once, and every rejection audited; then handed to Bolt's app through our receiver), `/healthz`,
 * `/readyz`, `/metrics`. Bodies are bounded; nothing thrown
 * here reaches the process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureProblem } from './signature.ts';

export interface OpsRoute {
  (): Promise<{ status: number; contentType: string; body: string }>;
}

export interface OpsServerOptions {
  port: number;
  host?: string;
  routes: Readonly<Record<string, OpsRoute>>;
  slack?: {
    signingSecret: string;
    /** Gets each request that passed the checks, with the exact body that was verified. */
    listener: (req: IncomingMessage, rawBody: Buffer, res: ServerResponse) => Promise<void>;
    onRejected: (reason: string, req: IncomingMessage) => void;
    /** False when this signature was already accepted (a replayed request). */
    firstSeen: (signature: string) => Promise<boolean>;
  };
  /** Largest accepted Slack request body, in bytes. Default 1 MiB. */
  bodyLimitBytes?: number;
}

export async function startOpsServer(opts: OpsServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(opts, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(opts: OpsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] as string;
  if (path === '/slack/events' && opts.slack) {
    if (req.method !== 'POST') return end(res, 405);
    const body = await readBody(req, opts.bodyLimitBytes ?? 1_048_576);
    if (body === undefined) return end(res, 413);
    const problem = signatureProblem(
      opts.slack.signingSecret,
      { timestamp: header(req, 'x-slack-request-timestamp'), signature: header(req, 'x-slack-signature') },
      body,
    );
    // Slack's SSL check may come unsigned; it is answered here and never reaches Bolt, so nothing rides on it.
    if (problem && isSslCheck(req, body)) return end(res, 200);
    if (problem) {
      opts.slack.onRejected(problem, req);
      return end(res, 401);
    }
    if (!(await opts.slack.firstSeen(header(req, 'x-slack-signature') as string))) {
      opts.slack.onRejected('replayed request', req);
      return end(res, 401);
    }
    await opts.slack.listener(req, body, res);
    return;
  }
  const route = req.method === 'GET' ? opts.routes[path] : undefined;
  if (!route) return end(res, 404);
  const out = await route();
  res.writeHead(out.status, { 'content-type': out.contentType });
  res.end(out.body);
}

function isSslCheck(req: IncomingMessage, body: Buffer): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') && new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? undefined : v;
}

function end(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
