/**
 * The demo's web page, on loopback only: a Slack-like channel view of the transcript, a composer for `/ci …`,
 * clickable buttons, and the App Home tab. The page and its script and styles are served from here (no fonts,
 * scripts or images from elsewhere; a Content-Security-Policy of `'self'` says so to the browser), and the page
 * follows the transcript over Server-Sent Events.
 *
 *   GET  /                      the page            GET /api/state   user, entries, home view, hosts, commands
 *   GET  /app.js, /app.css      its script, styles  GET /api/events  the transcript's changes (text/event-stream)
 *   POST /api/command {text}    `/ci <text>` as the demo user (a signed slash command to the bot)
 *   POST /api/click {id, actionId}   a button of message `<channel>:<ts>` (a signed block_actions)
 *   POST /api/home              the demo user opens the Home tab (app_home_opened)
 *   POST /api/simulate/fail-jenkins  the simulator kills Jenkins' task on a full agent (Marathon moves it)
 *
 * POSTs take JSON only (a cross-site form cannot send it without the browser asking first) and a Host header of
 * this loopback address (no DNS rebinding).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Playground } from '../playground.ts';
import { DEMO_USER } from '../playground.ts';
import { DEFAULT_CHANNEL } from '../slack-emulator/index.ts';

export interface WebPage {
  url: string;
  close(): Promise<void>;
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";
const BODY_MAX = 16 * 1024;

export async function startWebPage(pg: Playground, opts: { port?: number } = {}): Promise<WebPage> {
  const files = new Map(Object.entries(STATIC).map(([path, s]) => [path, { body: readFileSync(new URL(`./static/${s.file}`, import.meta.url)), type: s.type }]));
  const streams = new Set<ServerResponse>();
  let origin = '';
  const unsubscribe = pg.transcript.subscribe((change) => {
    const frame = `data: ${JSON.stringify(change)}\n\n`;
    for (const res of streams) res.write(frame);
  });
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => send(res, 500, { error: err.message }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== new URL(origin).host && host !== `localhost:${new URL(origin).port}`) return send(res, 421, { error: 'wrong Host' });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET') {
      const file = files.get(path);
      if (file) {
        res.writeHead(200, { 'content-type': file.type, 'content-security-policy': CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        res.end(file.body);
        return;
      }
      if (path === '/api/state') return send(res, 200, state(pg));
      if (path === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      return send(res, 404, { error: 'not found' });
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'GET or POST' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, { error: 'JSON only' });
    const body = await readJson(req);
    if (path === '/api/command') {
      const text = typeof body.text === 'string' ? body.text.replace(/^\s*\/ci\b\s*/, '').trim() : '';
      const ack = await pg.command(text);
      return send(res, 200, { acked: ack.acked, status: ack.status });
    }
    if (path === '/api/click') {
      if (typeof body.id !== 'string' || typeof body.actionId !== 'string') return send(res, 400, { error: 'id and actionId' });
      const ack = await pg.click(body.id, body.actionId);
      return send(res, 200, { acked: ack.acked, status: ack.status });
    }
    if (path === '/api/home') {
      const ack = await pg.openHome();
      return send(res, 200, { acked: ack.acked, status: ack.status });
    }
    if (path === '/api/simulate/fail-jenkins') {
      try {
        return send(res, 200, { host: pg.failJenkins() });
      } catch (err) {
        return send(res, 409, { error: (err as Error).message });
      }
    }
    return send(res, 404, { error: 'not found' });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url: `${origin}/`,
    async close() {
      unsubscribe();
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function state(pg: Playground): Record<string, unknown> {
  return {
    user: DEMO_USER,
    channel: { id: DEFAULT_CHANNEL.id, name: DEFAULT_CHANNEL.name },
    entries: pg.transcript.entries(),
    home: pg.transcript.home(DEMO_USER) ?? null,
    hosts: pg.hostsNote,
    zookeeper: pg.zookeeperNote,
    commands: pg.commands,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const chunk of req) {
    raw += String(chunk);
    if (raw.length > BODY_MAX) throw new Error('body too large');
  }
  const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
