/**
 * The one HTTP helper every upstream client uses: undici with keep-alive pooling, a per-attempt deadline,
 * retries with full jitter for idempotent reads only, a bound on body size, and zod parsing that turns
 * any failure into an {@link UpstreamError} with a stable `failure` code. JSON bodies are read by
 * {@link readJsonBody}: large ones are stream-parsed (and their big arrays validated item by item), so a body's
 * size is limited only by a sanity bound, not by what one `JSON.parse` can take.
 */
import { interruptibleSleep } from '../core/sleep.ts';
import { childSignal } from '../core/abort.ts';
import { Agent, request, type Dispatcher } from 'undici';
import type * as z from 'zod';
import { UpstreamError, type UpstreamFailure, type UpstreamService } from '../core/errors.ts';
import { parseJson, parseValue, readJsonBody, type StreamedArray } from './json-body.ts';

export { parseJson, parseValue, type StreamedArray };

/** Default sanity bound on a response body: 512 MiB (far above a 100,000-agent `/master/slaves`). */
export const DEFAULT_MAX_BODY_BYTES = 512 * 1024 * 1024;
/** Non-2xx bodies are only read for the error message: at most this many bytes. */
const ERROR_BODY_BYTES = 64 * 1024;

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
  /**
   * Sanity bound on a body, in bytes (default {@link DEFAULT_MAX_BODY_BYTES}): JSON bodies are stream-parsed, so
   * this guards against an endless body, not against memory use by the parse.
   */
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
  /** Credentials for this request instead of the client's own (e.g. checking a user's password). */
  auth?: HttpAuth;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** What {@link HttpClient.sendJson} returns: a 2xx answer's validated value, or an accepted status' text. */
export type JsonResponse<T> =
  | { status: number; headers: HttpResponse['headers']; value: T; text?: undefined }
  | { status: number; headers: HttpResponse['headers']; value?: undefined; text: string };

/** How a JSON answer is read: its schema, and the arrays in it to stream item by item. */
export interface JsonRead<S extends z.ZodType> {
  schema: S;
  items?: readonly StreamedArray[];
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
    const what = describe(req);
    return this.observed(req, () =>
      this.sendWithRetries(base, req, async (body) => ({ text: await readText(body, this.maxBodyBytes(), this.service, what) })),
    );
  }

  /**
   * Sends and reads a JSON answer: a 2xx body is stream-parsed and validated with `read.schema` (a mismatch is a
   * 'bad_answer' naming the zod path, an item's path included); an `acceptStatus` answer comes back as text.
   * A body cut off mid-way is a transient failure, so idempotent reads are retried.
   */
  async sendJson<S extends z.ZodType>(base: string, req: HttpRequest, read: JsonRead<S>): Promise<JsonResponse<z.output<S>>> {
    const what = describe(req);
    const maxBytes = this.maxBodyBytes();
    return this.observed(req, () =>
      this.sendWithRetries(base, req, async (body, status) => {
        if (status < 200 || status >= 300) return { text: await readText(body, maxBytes, this.service, what) };
        const items = read.items ? { items: read.items } : {};
        return { value: await readJsonBody(body, { service: this.service, what, schema: read.schema, maxBytes, ...items }) };
      }),
    );
  }

  /** Sends and parses the JSON body with `schema`; see {@link sendJson}. */
  async json<S extends z.ZodType>(base: string, req: HttpRequest, schema: S, items?: readonly StreamedArray[]): Promise<z.output<S>> {
    const res = await this.sendJson(base, req, { schema, ...(items ? { items } : {}) });
    return res.text === undefined ? res.value : parseJson(this.service, describe(req), res.text, schema);
  }

  private maxBodyBytes(): number {
    return this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Runs one logical request (all its attempts) and tells `onResult` how it ended. */
  private async observed<T>(req: HttpRequest, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const res = await run();
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

  private async sendWithRetries<B>(base: string, req: HttpRequest, readBody: BodyReader<B>): Promise<Answer<B>> {
    const idempotent = req.idempotent ?? (req.method ?? 'GET') === 'GET';
    const attempts = idempotent ? 1 + (this.opts.retries ?? 2) : 1;
    let last: UpstreamError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await backoff(attempt, this.opts.retryBaseMs ?? 100, req.signal);
      try {
        return await this.once(base, req, readBody);
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.transient) throw err;
        last = err;
      }
    }
    throw last ?? new UpstreamError(this.service, describe(req), { failure: 'network' });
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

  /** One attempt: the deadline covers the headers and the whole body read. */
  private async once<B>(base: string, req: HttpRequest, readBody: BodyReader<B>): Promise<Answer<B>> {
    const child = childSignal(req.signal, req.timeoutMs ?? this.timeoutMs);
    const { signal } = child;
    const what = describe(req);
    try {
      const res = await request(this.url(base, req), {
        method: req.method ?? 'GET',
        headers: this.headers(req),
        body: req.body,
        dispatcher: this.dispatcher,
        signal,
      });
      const ok = (res.statusCode >= 200 && res.statusCode < 300) || req.acceptStatus?.includes(res.statusCode);
      if (!ok) throw statusError(this.service, what, res.statusCode, await readText(res.body, ERROR_BODY_BYTES, this.service, what, true));
      return { status: res.statusCode, headers: res.headers, ...(await readBody(res.body, res.statusCode)) };
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      const why = req.signal?.aborted ? 'aborted' : signal.aborted ? 'timeout' : undefined;
      throw this.wrap(what, err, why);
    } finally {
      child.dispose();
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
    const auth = req.auth ?? this.opts.auth;
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

type BodyReader<B> = (body: Dispatcher.ResponseData['body'], status: number) => Promise<B>;
type Answer<B> = B & { status: number; headers: HttpResponse['headers'] };

/**
 * Reads a body as text up to `max` bytes. Past it: a 'bad_answer', or with `clip` (error bodies, only shown in a
 * message) the text so far, the rest discarded.
 */
async function readText(body: Dispatcher.ResponseData['body'], max: number, service: UpstreamService, what: string, clip = false): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      if (clip) break;
      throw new UpstreamError(service, what, { failure: 'bad_answer', detail: `body larger than ${max} bytes` });
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
