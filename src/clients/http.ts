/**
 * The one HTTP helper every upstream client uses: undici with keep-alive pooling, a per-attempt deadline,
 * retries with full jitter for idempotent reads only, a bound on body size, and zod parsing that turns
 * any failure into an {@link UpstreamError} with a stable `failure` code.
 */
import { interruptibleSleep } from '../core/sleep.ts';
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { UpstreamError, type UpstreamFailure, type UpstreamService } from '../core/errors.ts';

/** Credentials sent on every request: HTTP Basic, or a bearer-style token header (DC/OS `token=<jwt>`). */
export type HttpAuth = { username: string; password: string } | { token: string; scheme?: string };

/** Options shared by every client. */
export interface HttpOptions {
  service: UpstreamService;
  /** Per-attempt deadline in ms (default 5000). */
  timeoutMs?: number;
  /** Extra attempts for idempotent reads on transient failures (default 2). */
  retries?: number;
  /** First backoff step in ms; attempt n waits a random 0..base·2ⁿ (default 100). */
  retryBaseMs?: number;
  /** Largest body read before giving up, in bytes (default 32 MiB). */
  maxBodyBytes?: number;
  /** PEM CA bundle trusted for https URLs (default: the system store). */
  ca?: string | Buffer;
  auth?: HttpAuth;
  /** A dispatcher to use instead of the client's own keep-alive Agent (tests, shared pools). */
  dispatcher?: Dispatcher;
  /** Told about every request once it ends (after retries): for metrics and readiness. */
  onResult?: (result: UpstreamResult) => void;
}

/** What `onResult` receives: which call, how long it took, and how it failed, if it did. */
export interface UpstreamResult {
  service: UpstreamService;
  request: string;
  durationMs: number;
  failure?: UpstreamError['failure'];
}

/** One request. `path` may include a query string; `query` values that are arrays repeat the key. */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  headers?: Record<string, string>;
  body?: string;
  /** Defaults to true for GET. Only idempotent requests are retried. */
  idempotent?: boolean;
  /** Status codes returned to the caller instead of thrown (e.g. 307 for leader redirects). */
  acceptStatus?: number[];
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Describes a request for error messages: "GET /v2/apps". */
export function describe(req: HttpRequest): string {
  return `${req.method ?? 'GET'} ${req.path.split('?')[0]}`;
}

export class HttpClient {
  readonly service: UpstreamService;
  readonly timeoutMs: number;
  private readonly opts: HttpOptions;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(opts: HttpOptions) {
    this.opts = opts;
    this.service = opts.service;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher =
      opts.dispatcher ??
      new Agent({ keepAliveTimeout: 10_000, connections: 32, connect: opts.ca ? { ca: opts.ca } : {} });
  }

  /** Sends `req` to `base` (origin + optional prefix), retrying idempotent reads; 2xx or `acceptStatus` only. */
  async send(base: string, req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    try {
      const res = await this.sendWithRetries(base, req);
      this.report(req, started);
      return res;
    } catch (err) {
      this.report(req, started, err instanceof UpstreamError ? err.failure : 'network');
      throw err;
    }
  }

  private report(req: HttpRequest, started: number, failure?: UpstreamError['failure']): void {
    this.opts.onResult?.({ service: this.service, request: describe(req), durationMs: performance.now() - started, ...(failure ? { failure } : {}) });
  }

  private async sendWithRetries(base: string, req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.idempotent ?? (req.method ?? 'GET') === 'GET';
    const attempts = idempotent ? 1 + (this.opts.retries ?? 2) : 1;
    let last: UpstreamError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await backoff(attempt, this.opts.retryBaseMs ?? 100, req.signal);
      try {
        return await this.once(base, req);
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.transient) throw err;
        last = err;
      }
    }
    throw last ?? new UpstreamError(this.service, describe(req), { failure: 'network' });
  }

  /** Sends and parses the JSON body with `schema`; a mismatch is a 'bad_answer' naming the zod path. */
  async json<S extends z.ZodType>(base: string, req: HttpRequest, schema: S): Promise<z.output<S>> {
    const res = await this.send(base, req);
    try {
      return parseJson(this.service, describe(req), res.text, schema);
    } catch (err) {
      this.report(req, performance.now(), 'bad_answer');
      throw err;
    }
  }

  /** Opens a streaming response (SSE); the caller owns `body` and must consume or destroy it. */
  async stream(base: string, req: HttpRequest): Promise<Dispatcher.ResponseData> {
    const signal = req.signal;
    try {
      const res = await request(this.url(base, req), {
        method: req.method ?? 'GET',
        headers: this.headers(req),
        dispatcher: this.dispatcher,
        ...(signal ? { signal } : {}),
        headersTimeout: req.timeoutMs ?? this.timeoutMs,
        bodyTimeout: 0,
      });
      return res;
    } catch (err) {
      throw this.wrap(describe(req), err, signal?.aborted ? 'aborted' : undefined);
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async once(base: string, req: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const what = describe(req);
    try {
      const res = await request(this.url(base, req), {
        method: req.method ?? 'GET',
        headers: this.headers(req),
        body: req.body,
        dispatcher: this.dispatcher,
        signal,
      });
      const text = await readBounded(res.body, this.opts.maxBodyBytes ?? 32 * 1024 * 1024);
      if (text === undefined) {
        throw new UpstreamError(this.service, what, {
          failure: 'bad_answer',
          status: res.statusCode,
          detail: `body larger than ${this.opts.maxBodyBytes ?? 32 * 1024 * 1024} bytes`,
        });
      }
      const ok = (res.statusCode >= 200 && res.statusCode < 300) || req.acceptStatus?.includes(res.statusCode);
      if (!ok) throw statusError(this.service, what, res.statusCode, text);
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      const why = req.signal?.aborted ? 'aborted' : timeout.aborted ? 'timeout' : undefined;
      throw this.wrap(what, err, why);
    }
  }

  private url(base: string, req: HttpRequest): string {
    const url = new URL(base.replace(/\/+$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
    }
    return url.toString();
  }

  private headers(req: HttpRequest): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', ...req.headers };
    const auth = this.opts.auth;
    if (auth && 'token' in auth) h.authorization = `${auth.scheme ?? 'token='}${auth.token}`;
    else if (auth) h.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    return h;
  }

  private wrap(what: string, err: unknown, why?: UpstreamFailure): UpstreamError {
    const failure = why ?? networkFailure(err);
    const detail = failure === 'timeout' ? `no answer in ${this.timeoutMs} ms` : errorText(err);
    return new UpstreamError(this.service, what, { failure, detail }, { cause: err });
  }
}

/** Maps an HTTP status to an UpstreamError: 401/403 are 'auth', everything else 'http'. */
export function statusError(service: UpstreamService, what: string, status: number, body: string): UpstreamError {
  const failure: UpstreamFailure = status === 401 || status === 403 ? 'auth' : 'http';
  return new UpstreamError(service, what, { failure, status, detail: body.slice(0, 200).trim() });
}

/** Parses `text` as JSON and then with `schema`; failures name the first offending path. */
export function parseJson<S extends z.ZodType>(
  service: UpstreamService,
  what: string,
  text: string,
  schema: S,
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const detail = `not JSON: ${text.slice(0, 60)}`;
    throw new UpstreamError(service, what, { failure: 'bad_answer', detail }, { cause: err });
  }
  return parseValue(service, what, raw, schema);
}

/** Validates an already-decoded value with `schema` (a 'bad_answer' with the zod path on mismatch). */
export function parseValue<S extends z.ZodType>(
  service: UpstreamService,
  what: string,
  raw: unknown,
  schema: S,
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
  const detail = `unexpected answer at ${path}: ${issue?.message ?? 'invalid'}`;
  throw new UpstreamError(service, what, { failure: 'bad_answer', detail }, { cause: parsed.error });
}

/** Reads a body into a string, or returns undefined (and destroys the stream) once it passes `max` bytes. */
async function readBounded(body: Dispatcher.ResponseData['body'], max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function networkFailure(err: unknown): UpstreamFailure {
  const code = findCode(err);
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return 'timeout';
  }
  return 'network';
}

function findCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Full-jitter backoff: a random wait in 0..base·2^attempt ms; aborts with the caller's signal. */
async function backoff(attempt: number, baseMs: number, signal?: AbortSignal): Promise<void> {
  const ms = Math.random() * baseMs * 2 ** attempt;
  // An abort ends the wait early; the next attempt then fails at once as 'aborted'.
  await interruptibleSleep(ms, signal);
}
