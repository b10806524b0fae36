/**
 * ioredis connection factories. Producers (the Slack front door) must fail fast so an ack never waits on Redis;
 * workers must wait forever so a Redis restart never fails a running job (BullMQ requires
 * `maxRetriesPerRequest: null` for them).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { QueueHealthSignal } from '../core/ports.ts';
import { queueUnavailable, withQueueDeadline } from './deadline.ts';

/** Options shared by every connection. */
export interface ConnectionOptions {
  /** redis:// URL (loopback in tests). */
  url: string;
  /** Name shown in `CLIENT LIST`, for operators. */
  name?: string;
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
  const redis = new Redis(opts.url, options);
  // Errors are surfaced per command; without a listener ioredis would print every reconnect attempt.
  redis.on('error', () => undefined);
  return redis;
}

/** A connection for BullMQ workers, drainers and subscribers: commands wait across reconnects. */
export function createWorkerConnection(opts: ConnectionOptions): Redis {
  const redis = new Redis(opts.url, {
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
  const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
  const policy = reply[1] ?? 'unknown';
  if (policy !== 'noeviction') throw new EvictionPolicyError(policy);
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
