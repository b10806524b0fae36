/**
 * Mesos master (v0 JSON endpoints) and agent sandbox client. The leading master is found with
 * `/master/redirect` (307, `Location: //host:port`) and cached; a refused connection or a 307 from a
 * master that lost leadership makes the client resolve the leader again and retry once.
 */
import { interruptibleSleep } from '../../core/sleep.ts';
import * as z from 'zod';
import { UpstreamError } from '../../core/errors.ts';
import { HttpClient, describe, type HttpRequest, type HttpOptions, type StreamedArray } from '../http.ts';
import type { MesosAgents } from '../../cluster/cluster-reader.ts';
import { recoveringHostnames, toMesosAgent } from './to-domain.ts';
import {
  AgentSchema,
  FileBrowseSchema,
  FileReadSchema,
  FrameworksResponseSchema,
  MetricsSnapshotSchema,
  SlavesResponseSchema,
  VersionSchema,
  type Agent,
  type FileBrowse,
  type FileRead,
  type FrameworksResponse,
  type MesosVersion,
  type MetricsSnapshot,
  type SlavesResponse,
} from './schemas.ts';

/**
 * `/master/slaves` is streamed agent by agent (tens of MB at 50,000 agents). Each agent keeps only the fields the
 * schema names: real agents also carry `*_resources_full`, `domain`, `capabilities` …, which nothing here reads.
 */
const SLAVES_ITEMS: readonly StreamedArray[] = [{ path: ['slaves'], item: z.object(AgentSchema.shape) }];

/**
 * `/master/slaves` for `/ci status` and digests: each agent is mapped to its compact domain form as soon as it is
 * parsed, so only that is held (P4: 50,000 agents kept as wire objects were about 40 MB of heap; this ~10 MB).
 */
const AgentItemSchema = z.object(AgentSchema.shape).transform(toMesosAgent);
const AGENT_ITEMS: readonly StreamedArray[] = [{ path: ['slaves'], item: AgentItemSchema }];
/** A small body is parsed whole: the same mapping then runs in the root schema. */
const AgentsReadSchema = SlavesResponseSchema.extend({ slaves: z.array(AgentItemSchema) });

export interface MesosClientOptions extends Omit<HttpOptions, 'service'> {
  /** Master base URLs, e.g. ["http://master:5050"]; any of them can name the leader. */
  masters: string[];
  /** Agent HTTP port for sandbox reads (default 5051). */
  agentPort?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface WaitForAgentOptions {
  /** How long to wait for the agent to register and be active, in ms (default 120000). */
  timeoutMs?: number;
  /** Poll period in ms (default 1000). */
  intervalMs?: number;
  signal?: AbortSignal;
}

export class MesosClient {
  private readonly http: HttpClient;
  private readonly masters: string[];
  private readonly agentPort: number;
  private leaderUrl: string | undefined;
  private agentsInFlight: Promise<MesosAgents> | undefined;

  constructor(opts: MesosClientOptions) {
    if (opts.masters.length === 0) throw new Error('MesosClient needs at least one master URL');
    this.http = new HttpClient({ ...opts, service: 'mesos' });
    this.masters = opts.masters;
    this.agentPort = opts.agentPort ?? 5051;
  }

  /** Base URL of the leading master ("http://10.0.0.1:5050"), resolved once and cached. */
  async leader(opts: CallOptions = {}): Promise<string> {
    this.leaderUrl ??= await this.resolveLeader(opts);
    return this.leaderUrl;
  }

  /** Forgets the cached leader so the next call asks `/master/redirect` again. */
  forgetLeader(): void {
    this.leaderUrl = undefined;
  }

  metricsSnapshot(opts: CallOptions = {}): Promise<MetricsSnapshot> {
    return this.onLeader({ path: '/metrics/snapshot', ...opts }, MetricsSnapshotSchema);
  }

  slaves(opts: CallOptions = {}): Promise<SlavesResponse> {
    return this.onLeader({ path: '/master/slaves', ...opts }, SlavesResponseSchema, SLAVES_ITEMS);
  }

  /**
   * The registered agents in their domain form (streamed; see {@link AGENT_ITEMS}) and the recovering hostnames.
   * Callers at the same moment (a status, a digest, the agents watcher) share one read: at 50,000 agents each is
   * a 32 MB body, and two at once doubled the peak memory (P4). The shared read runs under the client's timeout;
   * each caller stops waiting when its own signal aborts.
   */
  agents(opts: CallOptions = {}): Promise<MesosAgents> {
    this.agentsInFlight ??= this.onLeader({ path: '/master/slaves', ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) }, AgentsReadSchema, AGENT_ITEMS)
      .then((read) => ({ agents: read.slaves, recovering: recoveringHostnames(read) }))
      .finally(() => (this.agentsInFlight = undefined));
    return untilAborted(this.agentsInFlight, opts.signal);
  }

  frameworks(opts: CallOptions = {}): Promise<FrameworksResponse> {
    return this.onLeader({ path: '/master/frameworks', ...opts }, FrameworksResponseSchema);
  }

  version(opts: CallOptions = {}): Promise<MesosVersion> {
    return this.onLeader({ path: '/version', ...opts }, VersionSchema);
  }

  /**
   * Reads part of a sandbox file on an agent (`/files/read` on port 5051). `offset: -1` asks for the size only;
   * without `length` the agent returns up to 64 KiB.
   */
  readFile(
    agent: { host: string; port?: number; scheme?: 'http' | 'https' },
    path: string,
    opts: CallOptions & { offset?: number; length?: number } = {},
  ): Promise<FileRead> {
    const base = `${agent.scheme ?? 'http'}://${agent.host}:${agent.port ?? this.agentPort}`;
    const query = { path, offset: opts.offset ?? 0, length: opts.length };
    return this.http.json(base, { path: '/files/read', query, ...pick(opts) }, FileReadSchema);
  }

  /** Lists a sandbox directory on an agent (`/files/browse`): each entry's path, mode, size and mtime. */
  browse(agent: { host: string; port?: number; scheme?: 'http' | 'https' }, path: string, opts: CallOptions = {}): Promise<FileBrowse> {
    const base = `${agent.scheme ?? 'http'}://${agent.host}:${agent.port ?? this.agentPort}`;
    return this.http.json(base, { path: '/files/browse', query: { path }, ...pick(opts) }, FileBrowseSchema);
  }

  /** Polls `/master/slaves` until `hostname` is registered and active; returns that agent (with resources). */
  async waitForAgent(hostname: string, opts: WaitForAgentOptions = {}): Promise<Agent> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const until = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const { slaves } = await this.slaves(pick(opts));
        const found = slaves.find((s) => s.hostname === hostname && s.active !== false);
        if (found) return found;
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.transient) throw err;
        last = err;
      }
      if (opts.signal?.aborted) throw abortError('wait for agent', opts.signal);
      if (Date.now() + (opts.intervalMs ?? 1000) > until) break;
      await interruptibleSleep(opts.intervalMs ?? 1000, opts.signal);
    }
    const detail = `agent ${hostname} did not register within ${Math.round(timeoutMs / 1000)} s`;
    throw new UpstreamError('mesos', `wait for agent ${hostname}`, { failure: 'timeout', detail }, { cause: last });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Runs a read on the leader; follows a leader change (307 or refused connection) once. */
  private async onLeader<S extends z.ZodType>(req: HttpRequest, schema: S, items?: readonly StreamedArray[]): Promise<z.output<S>> {
    for (let attempt = 0; ; attempt++) {
      const base = await this.leader(pick(req));
      try {
        const res = await this.http.sendJson(base, { ...req, acceptStatus: [307] }, { schema, ...(items ? { items } : {}) });
        if (res.status !== 307 && res.text === undefined) return res.value;
        if (attempt > 0) throw new UpstreamError('mesos', describe(req), { failure: 'http', status: 307 });
      } catch (err) {
        const moved = err instanceof UpstreamError && (err.failure === 'refused' || err.failure === 'network');
        if (!moved || attempt > 0) throw err;
      }
      this.forgetLeader();
    }
  }

  private async resolveLeader(opts: CallOptions): Promise<string> {
    let last: unknown;
    for (const master of this.masters) {
      try {
        const res = await this.http.send(master, {
          path: '/master/redirect',
          acceptStatus: [307],
          idempotent: false,
          ...pick(opts),
        });
        const location = header(res.headers.location);
        if (res.status === 307 && location) return absolute(location, master);
      } catch (err) {
        if (err instanceof UpstreamError && err.failure === 'aborted') throw err;
        last = err;
      }
    }
    if (last instanceof UpstreamError) throw last;
    throw new UpstreamError('mesos', 'GET /master/redirect', { failure: 'bad_answer', detail: 'no leader named' });
  }
}

/** `//host:port` (scheme-less, as Mesos sends it) → `http://host:port` with the scheme of the asking master. */
function absolute(location: string, master: string): string {
  const url = new URL(location, master);
  return `${url.protocol}//${url.host}`;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function pick(o: CallOptions): CallOptions {
  const out: CallOptions = {};
  if (o.signal) out.signal = o.signal;
  if (o.timeoutMs !== undefined) out.timeoutMs = o.timeoutMs;
  return out;
}

function abortError(what: string, signal: AbortSignal): UpstreamError {
  return new UpstreamError('mesos', what, { failure: 'aborted' }, { cause: signal.reason });
}

/** Settles as `work` does, or rejects with the signal's reason once it aborts (`work` goes on for others). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
