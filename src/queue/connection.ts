/**
 * ioredis connection factories. Producers (the Slack front door) must fail fast so an ack never waits on Redis;
 * workers must wait forever so a Redis restart never fails a running job (BullMQ requires
 * `maxRetriesPerRequest: null` for them).
 *
 * Redis is one server (a URL), a Sentinel-managed primary (ioredis asks the sentinels for the current primary on
 * every (re)connect, so a failover is followed by reconnecting), or a Redis Cluster (see {@link RedisTopology}).
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { QueueHealthSignal } from '../core/ports.ts';
import { queueUnavailable, withQueueDeadline } from './deadline.ts';

/** A `host:port` of a sentinel or cluster node. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: one URL, a primary found through Sentinel, or a Redis Cluster. Passwords come from the environment. */
export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; nodes: readonly RedisNode[]; masterName: string; db?: number; password?: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: readonly RedisNode[]; password?: string };

/** Options shared by every connection. */
export interface ConnectionOptions {
  /** redis:// URL (loopback in tests); ignored when `topology` is given. */
  url: string;
  /** Sentinel or Cluster (default: the single server at `url`). */
  topology?: RedisTopology;
  /** Name shown in `CLIENT LIST`, for operators. */
  name?: string;
}

/**
 * One client for `opts` with `options`: the single server, the Sentinel-managed primary (a replica is never used:
 * after each connect ioredis checks the node's role), or a Cluster client whose every node gets `options`.
 * Cluster clients are typed as `Redis` for the stores and BullMQ, which use only commands both have.
 */
function connect(opts: ConnectionOptions, options: RedisOptions): Redis {
  const t = opts.topology ?? { kind: 'single', url: opts.url };
  if (t.kind === 'single') return new Redis(t.url, options);
  if (t.kind === 'sentinel') {
    return watchRole(new Redis({
      ...options, sentinels: t.nodes.map((n) => ({ ...n })), name: t.masterName, db: t.db ?? 0, role: 'master',
      password: t.password, sentinelPassword: t.sentinelPassword,
      // Sentinels are asked again quickly while a failover is under way (the old primary refuses connections).
      sentinelRetryStrategy: (times) => Math.min(times * 100, 1000),
      // A failover is followed by reconnecting: a dead primary's sockets break, and the sentinels close every
      // client of a demoted one (CLIENT KILL after REPLICAOF). Should a write still reach a replica, its READONLY
      // makes the connection ask the sentinels again and resend. Not ioredis's `failoverDetector`: its disconnect
      // on +switch-master can land while a reconnect is resolving the primary, and that ends the connection for
      // good ("Connection is closed.", seen in the H1 test).
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    }));
  }
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...options, password: t.password },
    enableOfflineQueue: options.enableOfflineQueue,
    maxRedirections: 16,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
  };
  return new Cluster(t.nodes.map((n) => ({ ...n })), clusterOptions) as unknown as Redis;
}

/** How often a Sentinel connection checks that its node is still the primary. */
const ROLE_CHECK_MS = 2000;

/**
 * Keeps a Sentinel connection on the primary: every {@link ROLE_CHECK_MS} it asks its node's `ROLE` (answered by
 * replicas too), and a node that is no longer the primary makes it reconnect, so ioredis asks the sentinels again.
 * Without it, a connection that only reads (a PING for /readyz) was seen staying on a demoted node for 45 s after a
 * failover with more than one election, reporting ready (the H1 test).
 */
function watchRole(redis: Redis): Redis {
  const timer = setInterval(() => {
    if (redis.status !== 'ready') return;
    redis.call('ROLE').then((role) => {
      if (Array.isArray(role) && role[0] !== 'master') redis.disconnect(true);
    }, () => undefined); // no answer: the connection's own retry handles a dead node
  }, ROLE_CHECK_MS);
  timer.unref();
  redis.once('end', () => clearInterval(timer));
  return redis;
}

/** The Cluster client behind a connection typed as `Redis` (see {@link connect}), if it is one. */
function asCluster(redis: Redis): Cluster | undefined {
  const r: unknown = redis;
  return r instanceof Cluster ? r : undefined;
}

/** What /readyz shows about Redis: the topology and the primary (or primaries) this process is connected to now. */
export function describeRedis(redis: Redis, topology: RedisTopology | undefined): { topology: RedisTopology['kind']; primary?: string; primaries?: string[]; masterName?: string } {
  const kind = topology?.kind ?? 'single';
  const cluster = asCluster(redis);
  if (cluster) {
    const primaries = cluster.nodes('master').map((n) => `${n.options.host}:${n.options.port}`).sort();
    return { topology: 'cluster', primaries };
  }
  const s = redis.stream as { remoteAddress?: string; remotePort?: number } | undefined;
  const primary = redis.status === 'ready' && s?.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : undefined;
  return { topology: kind, ...(primary ? { primary } : {}), ...(topology?.kind === 'sentinel' ? { masterName: topology.masterName } : {}) };
}

/**
 * A connection for producers and API calls: one retry, no offline queue, and a command timeout so a stalled
 * Redis (SIGSTOP) fails a call within `commandTimeoutMs` (default 500 ms) instead of hanging.
 */
export function createProducerConnection(opts: ConnectionOptions & { commandTimeoutMs?: number }): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    connectionName: opts.name ?? 'ci-bot-producer',
  };
  const redis = connect(opts, options);
  // Errors are surfaced per command; without a listener ioredis would print every reconnect attempt.
  redis.on('error', () => undefined);
  return redis;
}

/** A connection for BullMQ workers, drainers and subscribers: commands wait across reconnects. */
export function createWorkerConnection(opts: ConnectionOptions): Redis {
  const redis = connect(opts, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    connectionName: opts.name ?? 'ci-bot-worker',
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Thrown at start when Redis could evict keys (R7): evicted job or outbox keys are silent data loss. */
export class EvictionPolicyError extends Error {
  readonly policy: string;
  constructor(policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}"; ci-bot needs "noeviction" so queued tasks and messages are never ` +
        'silently evicted. Set `maxmemory-policy noeviction` in redis.conf (or CONFIG SET) and start again.',
    );
    this.name = 'EvictionPolicyError';
    this.policy = policy;
  }
}

/**
 * Throws {@link EvictionPolicyError} unless Redis runs with `maxmemory-policy noeviction` (R7). Waits up to
 * `readyTimeoutMs` (default 5000) for the connection first: it is called once, at start.
 */
export async function assertNoEviction(redis: Redis, readyTimeoutMs = 5000): Promise<void> {
  await waitReady(redis, readyTimeoutMs);
  // In a cluster every primary holds part of the keys, so every one must refuse to evict.
  const nodes: Redis[] = asCluster(redis)?.nodes('master') ?? [redis];
  for (const node of nodes) {
    const reply = (await node.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? 'unknown';
    if (policy !== 'noeviction') throw new EvictionPolicyError(policy);
  }
}

/** Resolves when `redis` is ready; rejects after `timeoutMs` with a message naming the problem. */
export function waitReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not reachable within ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/**
 * The producer connection's health for the front door's breaker (P1): ioredis' `close`/`reconnecting`/`end` say
 * it is down, `ready` that it is back; the probe is a PING under `probeDeadlineMs` (default 300), which also sees a
 * stalled Redis (SIGSTOP), whose connection stays `ready`.
 */
export function queueHealthSignal(redis: Redis, probeDeadlineMs = 300): QueueHealthSignal {
  return {
    onChange(listener) {
      for (const down of ['close', 'reconnecting', 'end']) redis.on(down, () => listener(false));
      redis.on('ready', () => listener(true));
    },
    probe: () =>
      redis.status === 'ready'
        ? withQueueDeadline(probeDeadlineMs, async () => void (await redis.ping()))
        : Promise.reject(queueUnavailable(new Error(`redis ${redis.status}`))),
  };
}
