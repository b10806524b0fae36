/**
 * A leader lease in Redis: exactly one of several replicas runs the work under it (the watchers, SPEC §7). The
 * holder renews it every `ttlMs / 3`; when the holder dies the key expires and another replica takes over within
 * `ttlMs`. Work is stopped (its signal aborted) as soon as a renewal says the lease is gone, or when renewals have
 * failed for longer than the lease could still be ours, so two replicas never both believe they hold it for long.
 * Built on the per-key exclusive lock (exclusive-lock.ts): same Lua, same semantics.
 */
import type { Redis } from 'ioredis';
import { interruptibleSleep } from '../core/sleep.ts';
import { acquireExclusive, releaseExclusive, renewExclusive } from './exclusive-lock.ts';

export interface LeaseOptions {
  redis: Redis;
  /** The lease key (one per kind of work), e.g. `<prefix>:lease:watch`. */
  key: string;
  /** This replica's id (unique per process). */
  holder: string;
  /** Lease time to live in ms (default 15 000). */
  ttlMs?: number;
  /** Runs while the lease is held; must end soon after `signal` aborts. Restarted when the lease is taken again. */
  work: (signal: AbortSignal) => Promise<void>;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export interface Lease {
  /** True while this replica holds the lease and its work runs. */
  held(): boolean;
  /** Stops the work and gives the lease up at once (so another replica need not wait for the TTL). */
  close(): Promise<void>;
}

/** Competes for the lease until closed. */
export function runUnderLease(opts: LeaseOptions): Lease {
  const ttlMs = opts.ttlMs ?? 15_000;
  const everyMs = Math.max(50, Math.floor(ttlMs / 3));
  const stop = new AbortController();
  let held = false;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      const got = await acquireExclusive(opts.redis, opts.key, opts.holder, ttlMs).catch(() => false);
      if (!got) {
        await interruptibleSleep(everyMs, stop.signal);
        continue;
      }
      held = true;
      opts.log?.info({ lease: opts.key, holder: opts.holder }, 'lease taken');
      await holdWhileRenewed(opts, ttlMs, everyMs, stop.signal);
      held = false;
      await interruptibleSleep(everyMs, stop.signal); // no hot loop when the work keeps failing at once
    }
    await releaseExclusive(opts.redis, opts.key, opts.holder).catch(() => false); // expires by itself if Redis is gone
  })();
  return {
    held: () => held,
    async close() {
      stop.abort();
      await loop;
    },
  };
}

async function holdWhileRenewed(opts: LeaseOptions, ttlMs: number, everyMs: number, stop: AbortSignal): Promise<void> {
  const work = new AbortController();
  const onStop = () => work.abort();
  stop.addEventListener('abort', onStop, { once: true });
  // Work that ends by itself (a bug, or an error it could not handle) is started again by the outer loop.
  const running = opts.work(work.signal)
    .catch((err: unknown) => opts.log?.warn({ err, lease: opts.key }, 'work under the lease failed'))
    .finally(() => work.abort());
  let renewedAt = Date.now();
  try {
    while (!work.signal.aborted) {
      await interruptibleSleep(everyMs, work.signal);
      if (work.signal.aborted) break;
      try {
        if (!(await renewExclusive(opts.redis, opts.key, opts.holder, ttlMs))) {
          opts.log?.warn({ lease: opts.key }, 'lease lost to another replica');
          break;
        }
        renewedAt = Date.now();
      } catch (err) {
        // Unsure whether we still hold it: keep working only while the last renewal is surely still valid.
        if (Date.now() - renewedAt >= ttlMs - everyMs) {
          opts.log?.warn({ err, lease: opts.key }, 'lease could not be renewed in time; stopping its work');
          break;
        }
      }
    }
  } finally {
    work.abort();
    stop.removeEventListener('abort', onStop);
    await running;
  }
}
