/**
 * Jenkins JSON API client with user + API token auth. POSTs carry a CSRF crumb: fetched on the first POST,
 * reused, and fetched again once when Jenkins answers 403 (crumbs expire with the session). A 404 from the crumb
 * issuer means CSRF protection is off, and no crumb is sent.
 */
import type * as z from 'zod';
import { interruptibleSleep } from '../../core/sleep.ts';
import { UpstreamError } from '../../core/errors.ts';
import { HttpClient, parseJson, type HttpRequest, type HttpResponse, type HttpOptions, type StreamedArray } from '../http.ts';
import {
  BuildSchema,
  ComputerSchema,
  ComputerSetSchema,
  CrumbSchema,
  JobRefSchema,
  JobSchema,
  QueueItemSchema,
  QueueSchema,
  RootSchema,
  WhoAmISchema,
  CascWarningsSchema,
  type CascWarning,
  type Build,
  type ComputerSet,
  type JenkinsQueueItem,
  type JenkinsRoot,
  type Job,
} from './schemas.ts';

export interface JenkinsClientOptions extends Omit<HttpOptions, 'service' | 'auth'> {
  /** Base URL, e.g. "http://slave1:8080" (a path prefix such as "/jenkins" is kept). */
  url: string;
  username: string;
  /** API token (preferred) or password. */
  apiToken: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** "folder/job" → "/job/folder/job/job". */
export function jobPath(name: string): string {
  return name
    .split('/')
    .filter(Boolean)
    .map((part) => `/job/${encodeURIComponent(part)}`)
    .join('');
}

/** The lists that grow with the installation, streamed item by item when the body is large. */
const JOBS_ITEMS: readonly StreamedArray[] = [{ path: ['jobs'], item: JobRefSchema }];
const COMPUTER_ITEMS: readonly StreamedArray[] = [{ path: ['computer'], item: ComputerSchema }];
const QUEUE_ITEMS: readonly StreamedArray[] = [{ path: ['items'], item: QueueItemSchema }];

type Crumb = { field: string; value: string; cookie?: string } | null;

export class JenkinsClient {
  private readonly http: HttpClient;
  private readonly base: string;
  private crumb: Crumb | undefined;

  constructor(opts: JenkinsClientOptions) {
    this.http = new HttpClient({ ...opts, service: 'jenkins', auth: { username: opts.username, password: opts.apiToken } });
    this.base = opts.url.replace(/\/+$/, '');
  }

  /**
   * `GET /api/json`, optionally with `tree` (e.g. "jobs[name,color,url]"). Status and digests pass
   * `STATUS_ROOT_TREE` (schemas.ts): every job with its newest RECENT_BUILDS_PER_JOB builds, so memory stays bounded.
   */
  root(opts: CallOptions & { tree?: string } = {}): Promise<JenkinsRoot> {
    return this.get('/api/json', RootSchema, opts, { tree: opts.tree }, JOBS_ITEMS);
  }

  job(name: string, opts: CallOptions = {}): Promise<Job> {
    return this.get(`${jobPath(name)}/api/json`, JobSchema, opts);
  }

  build(name: string, number: number | 'lastBuild', opts: CallOptions = {}): Promise<Build> {
    return this.get(`${jobPath(name)}/${number}/api/json`, BuildSchema, opts);
  }

  computers(opts: CallOptions = {}): Promise<ComputerSet> {
    return this.get('/computer/api/json', ComputerSetSchema, opts, {}, COMPUTER_ITEMS);
  }

  /**
   * The `X-Instance-Identity` header (a base64 public key kept in JENKINS_HOME, so a fresh home gets a new one), read
   * from the always-readable `/login`; undefined when the instance-identity plugin is not installed.
   */
  async instanceIdentity(opts: CallOptions = {}): Promise<string | undefined> {
    const res = await this.http.send(this.base, { path: '/login', ...pick(opts) });
    const v = res.headers['x-instance-identity'];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  async queue(opts: CallOptions = {}): Promise<JenkinsQueueItem[]> {
    return (await this.get('/queue/api/json', QueueSchema, opts, {}, QUEUE_ITEMS)).items;
  }

  queueItem(id: number, opts: CallOptions = {}): Promise<JenkinsQueueItem> {
    return this.get(`/queue/item/${id}/api/json`, QueueItemSchema, opts);
  }

  /** `POST /createItem?name=` with a config.xml body. */
  async createJob(name: string, configXml: string, opts: CallOptions = {}): Promise<void> {
    await this.post('/createItem', { ...opts, query: { name }, body: configXml, contentType: 'application/xml' });
  }

  /** `POST /job/<n>/config.xml`: replaces an existing job's configuration. */
  async updateJobConfig(name: string, configXml: string, opts: CallOptions = {}): Promise<void> {
    await this.post(`${jobPath(name)}/config.xml`, { ...opts, body: configXml, contentType: 'application/xml' });
  }

  /**
   * Triggers a build (`buildWithParameters` when `params` are given) and returns the queue item id from the
   * `Location: …/queue/item/<id>/` header.
   */
  async triggerBuild(name: string, params?: Record<string, string>, opts: CallOptions = {}): Promise<number> {
    const path = `${jobPath(name)}/${params ? 'buildWithParameters' : 'build'}`;
    const body = params ? new URLSearchParams(params).toString() : '';
    const res = await this.post(path, { ...opts, body, contentType: 'application/x-www-form-urlencoded' });
    const location = String(res.headers.location ?? '');
    const id = /\/queue\/item\/(\d+)\/?$/.exec(location)?.[1];
    if (!id) {
      const detail = `no queue item in Location "${location}"`;
      throw new UpstreamError('jenkins', `POST ${path}`, { failure: 'bad_answer', status: res.status, detail });
    }
    return Number(id);
  }

  /** Polls the queue item until the build started; returns its number. Throws if the item was cancelled. */
  async waitForBuildNumber(
    queueId: number,
    opts: CallOptions & { deadlineMs?: number; intervalMs?: number } = {},
  ): Promise<number> {
    const until = Date.now() + (opts.deadlineMs ?? 60_000);
    const what = `queue item ${queueId}`;
    for (;;) {
      const item = await this.queueItem(queueId, opts);
      if (item.executable) return item.executable.number;
      if (item.cancelled) throw new UpstreamError('jenkins', what, { failure: 'http', detail: 'cancelled' });
      if (Date.now() > until || opts.signal?.aborted) {
        throw new UpstreamError('jenkins', what, { failure: opts.signal?.aborted ? 'aborted' : 'timeout', detail: item.why ?? '' });
      }
      await interruptibleSleep(opts.intervalMs ?? 500, opts.signal);
    }
  }

  /** `POST /scriptText` (Groovy, needs Overall/Administer); returns the script's output. */
  async scriptText(script: string, opts: CallOptions = {}): Promise<string> {
    const body = new URLSearchParams({ script }).toString();
    const res = await this.post('/scriptText', { ...opts, body, contentType: 'application/x-www-form-urlencoded' });
    return res.text;
  }

  /**
   * Whether Jenkins accepts `username` + `password` (HTTP Basic on the always-readable `/whoAmI/api/json`): false on
   * 401. Checks a first-start password without the bot's own credentials; the password is sent only to Jenkins.
   */
  async acceptsLogin(username: string, password: string, opts: CallOptions = {}): Promise<boolean> {
    try {
      const who = await this.http.json(this.base, { path: '/whoAmI/api/json', auth: { username, password }, ...pick(opts) }, WhoAmISchema);
      return who.authenticated !== false && who.name === username;
    } catch (err) {
      if (err instanceof UpstreamError && err.status === 401) return false;
      throw err;
    }
  }

  /** `POST /configuration-as-code/export` (Overall/Administer): the live configuration as YAML. */
  async cascExport(opts: CallOptions = {}): Promise<string> {
    return (await this.post('/configuration-as-code/export', { ...opts, body: '', contentType: 'application/x-www-form-urlencoded' })).text;
  }

  /** `POST /configuration-as-code/check` with a YAML body: the plugin's warnings (empty when it would apply cleanly). */
  async cascCheck(yaml: string, opts: CallOptions = {}): Promise<CascWarning[]> {
    const res = await this.post('/configuration-as-code/check', { ...opts, body: yaml, contentType: 'application/x-yaml' });
    return parseJson('jenkins', 'POST /configuration-as-code/check', res.text, CascWarningsSchema);
  }

  /** `POST /configuration-as-code/apply` with a YAML body (Overall/Administer): configures Jenkins with it. */
  async cascApply(yaml: string, opts: CallOptions = {}): Promise<void> {
    await this.post('/configuration-as-code/apply', { ...opts, body: yaml, contentType: 'application/x-yaml' });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private get<S extends z.ZodType>(
    path: string,
    schema: S,
    opts: CallOptions,
    query: HttpRequest['query'] = {},
    items?: readonly StreamedArray[],
  ): Promise<z.output<S>> {
    return this.http.json(this.base, { path, query, ...pick(opts) }, schema, items);
  }

  /** A POST with the crumb; a 403 refreshes the crumb and tries once more. Never retried otherwise. */
  private async post(
    path: string,
    opts: CallOptions & { body: string; contentType: string; query?: HttpRequest['query'] },
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const crumb = await this.getCrumb(opts, attempt > 0);
      const headers: Record<string, string> = { 'content-type': opts.contentType };
      if (crumb) headers[crumb.field] = crumb.value;
      if (crumb?.cookie) headers.cookie = crumb.cookie;
      const req: HttpRequest = { method: 'POST', path, headers, body: opts.body, ...pick(opts) };
      if (opts.query) req.query = opts.query;
      try {
        return await this.http.send(this.base, req);
      } catch (err) {
        if (attempt > 0 || !(err instanceof UpstreamError) || err.status !== 403) throw err;
      }
    }
  }

  private async getCrumb(opts: CallOptions, refresh: boolean): Promise<Crumb> {
    if (this.crumb !== undefined && !refresh) return this.crumb;
    try {
      const req = { path: '/crumbIssuer/api/json', ...pick(opts) };
      const res = await this.http.send(this.base, req);
      const parsed = parseJson('jenkins', 'GET /crumbIssuer/api/json', res.text, CrumbSchema);
      const cookie = sessionCookie(res.headers['set-cookie']);
      this.crumb = { field: parsed.crumbRequestField, value: parsed.crumb, ...(cookie ? { cookie } : {}) };
    } catch (err) {
      // 404: CSRF protection is off, so there is no crumb to send.
      if (!(err instanceof UpstreamError) || err.status !== 404) throw err;
      this.crumb = null;
    }
    return this.crumb;
  }
}

/** The `JSESSIONID.*` cookie a password-authenticated crumb is bound to. */
function sessionCookie(setCookie: string | string[] | undefined): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const session = all.find((c) => c.startsWith('JSESSIONID'));
  return session?.split(';')[0];
}

function pick(o: CallOptions): CallOptions {
  const out: CallOptions = {};
  if (o.signal) out.signal = o.signal;
  if (o.timeoutMs !== undefined) out.timeoutMs = o.timeoutMs;
  return out;
}
