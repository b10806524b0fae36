/**
 * The emulator's HTTP front: `POST /api/<method>` (form or JSON, Bearer or `token=`), `POST /response/<id>`
 * (response_url), and the WebSocket upgrade for Socket Mode. Every call is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as chat from './chat-methods.ts';
import type { ApiAnswer, ApiContext, Args } from './chat-methods.ts';
import * as dir from './directory-methods.ts';
import * as history from './history-methods.ts';
import type { FaultAnswer, FaultInjector } from './faults.ts';
import type { HomeViews } from './home-views.ts';
import type { ResponseUrls } from './response-urls.ts';
import type { SocketModeServer } from './socket-server.ts';
import type { RecordedCall } from './types.ts';
import type { Triggers } from './workspace-state.ts';

export interface WebApiDeps {
  ctx: ApiContext;
  botToken: string;
  appToken: string;
  faults: FaultInjector;
  socket: SocketModeServer;
  responseUrls: ResponseUrls;
  triggers: Triggers;
  views: unknown[];
  homes: HomeViews;
  calls: RecordedCall[];
  /** `ws://127.0.0.1:<port>`, known once the server listens. */
  wsBase: () => string;
}

type Handler = (args: Args, deps: WebApiDeps) => ApiAnswer;

const METHODS: Record<string, Handler> = {
  'auth.test': (a, d) => dir.authTest(a, d.ctx),
  'chat.postMessage': (a, d) => chat.postMessage(a, d.ctx),
  'chat.update': (a, d) => chat.update(a, d.ctx),
  'chat.postEphemeral': (a, d) => chat.postEphemeral(a, d.ctx),
  'chat.delete': (a, d) => chat.deleteMessage(a, d.ctx),
  'views.open': (a, d) => dir.viewsOpen(a, d.ctx, d.triggers, d.views),
  'views.publish': (a, d) => d.homes.publish(a, d.ctx),
  'conversations.info': (a, d) => dir.conversationsInfo(a, d.ctx),
  'conversations.history': (a, d) => history.conversationsHistory(a, d.ctx),
  'conversations.replies': (a, d) => history.conversationsReplies(a, d.ctx),
  'users.info': (a, d) => dir.usersInfo(a, d.ctx),
  'usergroups.users.list': (a, d) => dir.usergroupsUsersList(a, d.ctx),
  'apps.connections.open': (_a, d) => ({ ok: true, url: d.socket.issueUrl(d.wsBase()) }),
};

/** Form fields Slack's clients send as JSON text (WebClient stringifies every non-scalar argument). */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

/** Arguments from the query string and a form or JSON body; JSON-valued form fields decoded. */
export function parseArgs(contentType: string, raw: string, query: URLSearchParams): Args {
  const args: Args = Object.fromEntries(query);
  if (contentType.startsWith('application/json')) {
    const body: unknown = raw === '' ? {} : JSON.parse(raw);
    return { ...args, ...(typeof body === 'object' && body !== null ? body : {}) };
  }
  for (const [k, v] of new URLSearchParams(raw)) {
    args[k] = JSON_FIELDS.has(k) ? decodeJsonField(v) : v;
  }
  return args;
}

function decodeJsonField(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v; // left as a string: the method answers invalid_blocks_format
  }
}

/** The auth error for this call, if any: the app token only in the header for apps.connections.open. */
function authError(
  method: string,
  bearer: string | undefined,
  formToken: string | undefined,
  deps: WebApiDeps,
): string | undefined {
  if (method === 'apps.connections.open') {
    if (!bearer) return 'not_authed';
    return bearer === deps.appToken ? undefined : 'invalid_auth';
  }
  const token = bearer ?? formToken;
  if (!token) return 'not_authed';
  return token === deps.botToken ? undefined : 'invalid_auth';
}

function callApi(method: string, req: IncomingMessage, raw: string, deps: WebApiDeps): FaultAnswer {
  const contentType = req.headers['content-type'] ?? '';
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  let args: Args;
  try {
    args = parseArgs(contentType, raw, new URL(req.url ?? '/', 'http://x').searchParams);
  } catch {
    return { status: 200, body: { ok: false, error: 'invalid_json' }, headers: {} };
  }
  const formToken = typeof args.token === 'string' ? args.token : undefined;
  delete args.token; // secrets stay out of the call record
  const answer = (): FaultAnswer => {
    if (contentType.startsWith('application/json') && !bearer) return ok200({ ok: false, error: 'not_authed' });
    const denied = authError(method, bearer, formToken, deps);
    if (denied) return ok200({ ok: false, error: denied });
    const fault = deps.faults.check(method, args);
    if (fault && !fault.afterRun) return fault;
    const handler = METHODS[method];
    const done = ok200(handler ? handler(args, deps) : { ok: false, error: 'unknown_method' });
    return fault ?? done;
  };
  const result = answer();
  deps.calls.push({ method, args, atMs: Date.now(), status: result.status, response: result.body, body: raw });
  return result;
}

const ok200 = (body: Record<string, unknown>): FaultAnswer => ({ status: 200, body, headers: {} });

function send(res: ServerResponse, a: FaultAnswer): void {
  const isJson = typeof a.body !== 'string';
  res.writeHead(a.status, {
    'content-type': isJson ? 'application/json; charset=utf-8' : 'text/html',
    ...a.headers,
  });
  res.end(isJson ? JSON.stringify(a.body) : a.body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function route(req: IncomingMessage, res: ServerResponse, deps: WebApiDeps): Promise<void> {
  const raw = await readBody(req);
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path.startsWith('/api/')) return send(res, callApi(path.slice('/api/'.length), req, raw, deps));
  if (path.startsWith('/response/') && req.method === 'POST') {
    const a = deps.responseUrls.handle(path.slice('/response/'.length), req.headers['content-type'] ?? '', raw, deps.ctx);
    deps.calls.push({ method: 'response_url', args: safeParse(raw), atMs: Date.now(), status: a.status, response: a.body, body: raw });
    return send(res, { ...a, headers: {} });
  }
  send(res, { status: 404, body: { ok: false, error: 'not_found' }, headers: {} });
}

function safeParse(raw: string): Args {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null ? (v as Args) : { raw };
  } catch {
    return { raw };
  }
}

/** The emulator's HTTP server (not yet listening). */
export function createWebApiServer(deps: WebApiDeps): Server {
  const server = createServer((req, res) => {
    route(req, res, deps).catch((err: unknown) => {
      console.error('slack-emulator: request failed', err);
      if (!res.headersSent) send(res, { status: 500, body: 'emulator error', headers: {} });
    });
  });
  server.on('upgrade', (req, socket, head: Buffer) => {
    if (!deps.socket.handleUpgrade(req, socket, head)) socket.destroy();
  });
  return server;
}
