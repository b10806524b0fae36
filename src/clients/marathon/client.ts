/**
 * Marathon REST v2 client. Several URLs may be configured; the leader (`/v2/leader`) is resolved once, cached,
 * and resolved again when it stops answering. Non-leaders would proxy REST anyway, but `/v2/events` must reach
 * the leader (non-leaders answer 302), so the event stream always goes there.
 */
import * as z from 'zod';
import { UpstreamError } from '../../core/errors.ts';
import { parseJson } from '../json-body.ts';
import { HttpClient, describe, type HttpRequest, type HttpOptions, type StreamedArray } from '../http.ts';
import { openEventStream, type EventStreamOptions } from './event-stream.ts';
import type { MarathonEvent } from './event-schemas.ts';
import { QueueOffersResponseSchema, WriteErrorSchema } from './deploy-schemas.ts';
import {
  AppResponseSchema,
  AppsResponseSchema,
  CreatedAppSchema,
  DeploymentResultSchema,
  DeploymentsResponseSchema,
  AppSchema,
  InfoSchema,
  LeaderSchema,
  MarathonTaskSchema,
  QueueItemSchema,
  QueueResponseSchema,
  TaskResponseSchema,
  type App,
  type Deployment,
  type DeploymentResult,
  type MarathonInfo,
  type MarathonTask,
  type QueueItem,
} from './schemas.ts';

export interface MarathonClientOptions extends Omit<HttpOptions, 'service'> {
  /** Marathon base URLs, e.g. ["http://master:8080"]; any instance can name the leader. */
  urls: string[];
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What a task kill answers: the killed task, or (with `scale`) the deployment that shrinks the app. */
export type KillResult = { task: MarathonTask; deployment?: undefined } | { task?: undefined; deployment: DeploymentResult };

export interface WriteOptions extends CallOptions {
  /** Override a deployment that holds the app (Marathon's `?force=true`). */
  force?: boolean;
}

/** The lists that grow with the cluster, streamed item by item when the body is large. */
const APPS_ITEMS: readonly StreamedArray[] = [{ path: ['apps'], item: AppSchema }];
const APP_TASKS_ITEMS: readonly StreamedArray[] = [{ path: ['app', 'tasks'], item: MarathonTaskSchema }];
const QUEUE_ITEMS: readonly StreamedArray[] = [{ path: ['queue'], item: QueueItemSchema }];

/** Path segment of an app id: "/group/app" → "group/app". */
function appPath(id: string): string {
  return id.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
}

export class MarathonClient {
  private readonly http: HttpClient;
  private readonly urls: string[];
  private leaderUrl: string | undefined;

  constructor(opts: MarathonClientOptions) {
    if (opts.urls.length === 0) throw new Error('MarathonClient needs at least one URL');
    this.http = new HttpClient({ ...opts, service: 'marathon' });
    this.urls = opts.urls;
  }

  /** Base URL of the leading Marathon ("http://host:8080"), resolved once and cached. */
  async leader(opts: CallOptions = {}): Promise<string> {
    this.leaderUrl ??= await this.resolveLeader(opts);
    return this.leaderUrl;
  }

  forgetLeader(): void {
    this.leaderUrl = undefined;
  }

  info(opts: CallOptions = {}): Promise<MarathonInfo> {
    return this.call({ path: '/v2/info', ...opts }, InfoSchema);
  }

  /** `GET /v2/apps`; `embed` e.g. ["apps.tasks", "apps.lastTaskFailure"]. */
  async apps(opts: CallOptions & { embed?: string[]; id?: string; label?: string } = {}): Promise<App[]> {
    const query = { embed: opts.embed, id: opts.id, label: opts.label };
    return (await this.call({ path: '/v2/apps', query, ...pick(opts) }, AppsResponseSchema, APPS_ITEMS)).apps;
  }

  /** `GET /v2/apps/{id}` (default `embed=app.tasks`), unwrapped from `{"app":…}`. */
  async app(id: string, opts: CallOptions & { embed?: string[] } = {}): Promise<App> {
    const query = { embed: opts.embed ?? ['app.tasks'] };
    return (await this.call({ path: `/v2/apps/${appPath(id)}`, query, ...pick(opts) }, AppResponseSchema, APP_TASKS_ITEMS)).app;
  }

  /** `POST /v2/apps` → 201 with the normalized app. Not retried. */
  createApp(definition: { id: string } & Record<string, unknown>, opts: WriteOptions = {}): Promise<App> {
    const req = write('POST', '/v2/apps', definition, opts);
    return this.call(req, CreatedAppSchema);
  }

  /** `PUT /v2/apps/{id}` (partial update by default, as Marathon does). Not retried. */
  updateApp(
    id: string,
    definition: Record<string, unknown>,
    opts: WriteOptions & { partialUpdate?: boolean } = {},
  ): Promise<DeploymentResult> {
    const req = write('PUT', `/v2/apps/${appPath(id)}`, definition, opts);
    req.query = { ...req.query, partialUpdate: opts.partialUpdate };
    return this.call(req, DeploymentResultSchema);
  }

  /**
   * `DELETE /v2/apps/{app}/tasks/{task}`. With `scale` the app shrinks and Marathon answers a DeploymentResult;
   * otherwise the killed task (and Marathon starts a replacement). `wipe` also forgets a resident task.
   */
  async killTask(
    appId: string,
    taskId: string,
    opts: WriteOptions & { scale?: boolean; wipe?: boolean } = {},
  ): Promise<KillResult> {
    const req: HttpRequest = {
      method: 'DELETE',
      path: `/v2/apps/${appPath(appId)}/tasks/${encodeURIComponent(taskId)}`,
      query: { scale: opts.scale, wipe: opts.wipe, force: opts.force },
      ...pick(opts),
    };
    const res = await this.call(req, z.union([TaskResponseSchema, DeploymentResultSchema]));
    return 'deploymentId' in res && typeof res.deploymentId === 'string'
      ? { deployment: res as DeploymentResult }
      : { task: (res as { task: MarathonTask }).task };
  }

  /**
   * `POST /v2/apps` (`create`) or `PUT /v2/apps/{id}?partialUpdate=false` (a full replace), optionally `force`d.
   * 400/409/422 come back as values (the caller explains them field by field); anything else throws. Not retried.
   */
  async writeApp(
    definition: { id: string } & Record<string, unknown>,
    opts: WriteOptions & { create: boolean },
  ): Promise<{ status: number; deploymentId?: string; version?: string; error?: z.output<typeof WriteErrorSchema> }> {
    const req = opts.create
      ? write('POST', '/v2/apps', definition, opts)
      : { ...write('PUT', `/v2/apps/${appPath(definition.id)}`, definition, opts), query: { force: opts.force, partialUpdate: false } };
    const base = await this.leader(pick(opts));
    const res = await this.http.sendJson(base, { ...req, acceptStatus: [400, 409, 422] }, { schema: z.looseObject({ version: z.string().optional(), deploymentId: z.string().optional() }) });
    const header = res.headers['marathon-deployment-id'];
    const deploymentId = (Array.isArray(header) ? header[0] : header) ?? res.value?.deploymentId;
    if (res.text !== undefined) return { status: res.status, error: parseJson('marathon', describe(req), res.text, WriteErrorSchema) };
    return { status: res.status, ...(deploymentId ? { deploymentId } : {}), ...(res.value.version ? { version: res.value.version } : {}) };
  }

  /** `GET /v2/queue?embed=lastUnusedOffers`: waiting apps with why each agent's last offer did not fit. */
  async queueOffers(opts: CallOptions = {}): Promise<z.output<typeof QueueOffersResponseSchema>['queue']> {
    return (await this.call({ path: '/v2/queue', query: { embed: ['lastUnusedOffers'] }, ...pick(opts) }, QueueOffersResponseSchema)).queue;
  }

  deployments(opts: CallOptions = {}): Promise<Deployment[]> {
    return this.call({ path: '/v2/deployments', ...opts }, DeploymentsResponseSchema);
  }

  async queue(opts: CallOptions = {}): Promise<QueueItem[]> {
    return (await this.call({ path: '/v2/queue', ...opts }, QueueResponseSchema, QUEUE_ITEMS)).queue;
  }

  /**
   * The event bus on the leader as typed events. Ends when the server closes the stream; throws an UpstreamError
   * on connect failure or when nothing (not even a heartbeat) arrives within `idleTimeoutMs`.
   */
  async *events(opts: Omit<EventStreamOptions, 'base'> = {}): AsyncGenerator<MarathonEvent> {
    // Every (re)connect asks `/v2/leader` afresh: a stream that just ended may mean the leader abdicated.
    this.forgetLeader();
    const base = await this.leader(pick(opts));
    try {
      yield* openEventStream(this.http, { ...opts, base });
    } catch (err) {
      if (err instanceof UpstreamError && (err.failure === 'refused' || err.failure === 'network')) {
        this.forgetLeader();
      }
      throw err;
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Runs a call on the leader; when it refuses, resolves the leader again and retries once. */
  private async call<S extends z.ZodType>(req: HttpRequest, schema: S, items?: readonly StreamedArray[]): Promise<z.output<S>> {
    for (let attempt = 0; ; attempt++) {
      const base = await this.leader(pick(req));
      try {
        return await this.http.json(base, req, schema, items);
      } catch (err) {
        const gone = err instanceof UpstreamError && (err.failure === 'refused' || err.failure === 'network');
        if (!gone || attempt > 0) throw err;
        this.forgetLeader();
      }
    }
  }

  private async resolveLeader(opts: CallOptions): Promise<string> {
    let last: unknown;
    for (const url of this.urls) {
      try {
        const req: HttpRequest = { path: '/v2/leader', idempotent: false, ...pick(opts) };
        const { leader } = await this.http.json(url, req, LeaderSchema);
        return `${new URL(url).protocol}//${leader}`;
      } catch (err) {
        if (err instanceof UpstreamError && err.failure === 'aborted') throw err;
        last = err;
      }
    }
    if (last instanceof UpstreamError) throw last;
    throw new UpstreamError('marathon', describe({ path: '/v2/leader' }), { failure: 'bad_answer' }, { cause: last });
  }
}

function write(method: 'POST' | 'PUT', path: string, body: unknown, opts: WriteOptions): HttpRequest {
  return {
    method,
    path,
    query: { force: opts.force },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...pick(opts),
  };
}

function pick(o: CallOptions): CallOptions {
  const out: CallOptions = {};
  if (o.signal) out.signal = o.signal;
  if (o.timeoutMs !== undefined) out.timeoutMs = o.timeoutMs;
  return out;
}
