/**
 * Delivers outbox messages to Slack. One drainer at a time owns a channel (a Redis lock), so several drainers are
 * safe and order per channel is kept. The head of a channel's FIFO is removed only after Slack confirmed it (a
 * crash mid-delivery re-sends the head: an update if its ts was stored, which is why the ts is stored first thing;
 * a post whose answer was lost is looked up by its metadata tag before it is posted again, so it is posted once).
 * Pace per channel: new posts ≤ 1 per `postIntervalMs`, updates ≤ 1 per `updateIntervalMs`; `RetryLaterError`
 * pauses the channel for its `retryAfterMs`. Cooldowns live in Redis so they survive restarts and drainer changes.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Notifier } from '../core/ports.ts';
import type { RenderedMessage } from '../core/types.ts';
import { PermanentError, RetryLaterError, UpstreamError } from '../core/errors.ts';
import { outboxKeys, outboxScripts, type OutboxKeys } from './outbox-keys.ts';
import { interruptibleSleep } from '../core/sleep.ts';
import { withDeadlineOr } from '../core/deadline.ts';

/** Minimal logger (pino-compatible). */
export interface DrainLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxDrainerOptions {
  /** A worker-style connection (waits across reconnects). */
  redis: Redis;
  prefix: string;
  notifier: Notifier;
  /** How often idle drainers look for channels with work (default 50 ms). */
  pollMs?: number;
  /** Minimum gap between two new posts on a channel (default 1000 ms; Slack allows ~1/s). */
  postIntervalMs?: number;
  /** Minimum gap between any two calls on a channel (default 250 ms). */
  updateIntervalMs?: number;
  /** Channel lock lease (default 30 000 ms), refreshed on every step. */
  lockMs?: number;
  /** Tries for errors that are neither rate limits nor permanent (default 5), then dead-lettered. */
  maxAttempts?: number;
  /** How long a posted key's ts is remembered, in seconds (default 7 days). */
  tsTtlSec?: number;
  log?: DrainLogger;
}

/** A running drainer. */
export interface OutboxDrainer {
  /** Stops taking channels, lets the current deliveries finish within `graceMs` (default 5000). */
  close(opts?: { graceMs?: number }): Promise<void>;
}

interface Ctx {
  o: Required<Omit<OutboxDrainerOptions, 'log'>> & { log?: DrainLogger };
  k: OutboxKeys;
  s: ReturnType<typeof outboxScripts>;
  token: string;
  signal: AbortSignal;
  attempts: Map<string, number>;
}

/** Starts draining; returns a handle to close it. */
export function startOutboxDrainer(options: OutboxDrainerOptions): OutboxDrainer {
  const o = {
    pollMs: 50, postIntervalMs: 1000, updateIntervalMs: 250, lockMs: 30_000, maxAttempts: 5,
    tsTtlSec: 7 * 24 * 3600, ...options,
  };
  const k = outboxKeys(o.prefix);
  const stop = new AbortController();
  const ctx: Ctx = {
    o, k, s: outboxScripts(o.redis, k), token: randomUUID(), signal: stop.signal, attempts: new Map(),
  };
  const active = new Map<string, Promise<void>>();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        for (const channel of await o.redis.smembers(k.channels)) {
          if (active.has(channel) || stop.signal.aborted) continue;
          const got = await o.redis.set(k.lock(channel), ctx.token, 'PX', o.lockMs, 'NX');
          if (got !== 'OK') continue;
          const run = drainChannel(ctx, channel)
            .catch((err: unknown) => o.log?.error({ err, channel }, 'outbox channel drain failed'))
            .finally(() => active.delete(channel));
          active.set(channel, run);
        }
      } catch (err) {
        o.log?.warn({ err }, 'outbox poll failed; retrying');
      }
      await interruptibleSleep(o.pollMs, stop.signal);
    }
  })();
  return {
    async close({ graceMs = 5000 } = {}) {
      stop.abort();
      const all = Promise.all([loop, ...active.values()]);
      await withDeadlineOr(all, graceMs, undefined);
    },
  };
}

/** Delivers a channel's FIFO in order until it is empty, the lock is lost or the drainer closes. */
async function drainChannel(ctx: Ctx, channel: string): Promise<void> {
  const { o, k, s } = ctx;
  try {
    while (!ctx.signal.aborted) {
      if (!(await s.refreshLock(channel, ctx.token, o.lockMs))) return;
      const key = await o.redis.lindex(k.queue(channel), 0);
      if (key === null) {
        if (await s.releaseChannel(channel)) return;
        continue;
      }
      const wait = await step(ctx, channel, key);
      if (wait > 0) await interruptibleSleep(Math.min(wait, 1000), ctx.signal);
    }
  } finally {
    // Releasing the channel early is an optimisation: the lock expires by itself.
    await s.refreshLock(channel, ctx.token, 0).catch(() => undefined);
  }
}

/** One delivery attempt of the head `key`; returns how long to wait before the next step (ms). */
async function step(ctx: Ctx, channel: string, key: string): Promise<number> {
  const { o, k, s } = ctx;
  const [fields, ts] = await Promise.all([o.redis.hgetall(k.msg(key)), o.redis.get(k.ts(key))]);
  if (!fields.message || fields.ver === undefined) {
    await s.ack(channel, key, '', true); // a key without content cannot be sent; nothing to keep
    return 0;
  }
  let threadTs: string | undefined;
  if (fields.threadOf) {
    const parentTs = await o.redis.get(k.ts(fields.threadOf));
    if (parentTs === null) return parentMissing(ctx, channel, key, fields.threadOf);
    threadTs = parentTs;
  }
  const cooldown = await cooldownMs(ctx, channel, ts === null);
  if (cooldown > 0) return cooldown;
  const message = parseStored(fields.message);
  if (message instanceof Error) {
    // A corrupt entry at the head would otherwise throw on every step and block its channel forever.
    await deadLetter(ctx, channel, key, fields.message, message);
    return 0;
  }
  try {
    if (ts === null) {
      const found = await postedBefore(ctx, channel, key, threadTs);
      // Found: Slack has the content of the earlier attempt; the latest content (maybe newer) goes as an update.
      if (found) await o.notifier.update(found, message);
      const ref = found ?? (await o.notifier.post(channel, message, { key, ...(threadTs ? { threadTs } : {}) }));
      await o.redis.multi().set(k.ts(key), ref.ts, 'EX', o.tsTtlSec).set(k.coolPost(channel), '1', 'PX', o.postIntervalMs).del(k.attempt(key)).exec();
    } else {
      await o.notifier.update({ channel, ts }, message);
    }
    await o.redis.set(k.coolAny(channel), '1', 'PX', o.updateIntervalMs);
    ctx.attempts.delete(key);
    await s.ack(channel, key, fields.ver);
    return 0;
  } catch (err) {
    return failed(ctx, channel, key, message, err);
  }
}

/**
 * Marks the first post attempt of `key`; when an earlier attempt exists, its answer may have been lost after Slack
 * took the message (the process died before saving the ts), so look for the message Slack has under that key.
 */
async function postedBefore(ctx: Ctx, channel: string, key: string, threadTs: string | undefined) {
  const { o, k } = ctx;
  const nowSec = Math.floor(Date.now() / 1000);
  const first = await o.redis.set(k.attempt(key), String(nowSec), 'EX', o.tsTtlSec, 'NX');
  if (first === 'OK' || !o.notifier.findPosted) return undefined;
  const since = Number(await o.redis.get(k.attempt(key))) || nowSec;
  const found = await o.notifier.findPosted(channel, key, { oldestSec: since - 5, ...(threadTs ? { threadTs } : {}) });
  if (found) o.log?.warn({ channel, key }, 'an earlier post had reached Slack; not posting it again');
  return found;
}

/** The stored content of a message, or the Error saying why it is unusable (bad JSON, no `text`). */
function parseStored(raw: string): RenderedMessage | Error {
  try {
    const m = JSON.parse(raw) as unknown;
    if (m !== null && typeof m === 'object' && typeof (m as { text?: unknown }).text === 'string') return m as RenderedMessage;
    return new Error('corrupt outbox entry: no message text');
  } catch (err) {
    return new Error(`corrupt outbox entry: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function cooldownMs(ctx: Ctx, channel: string, isPost: boolean): Promise<number> {
  const { o, k } = ctx;
  const any = await o.redis.pttl(k.coolAny(channel));
  const post = isPost ? await o.redis.pttl(k.coolPost(channel)) : 0;
  return Math.max(any, post, 0);
}

/** A reply whose parent has no ts yet: wait while the parent is pending, dead-letter it when it never will. */
async function parentMissing(ctx: Ctx, channel: string, key: string, parent: string): Promise<number> {
  const { o, k } = ctx;
  if (await o.redis.sismember(k.queued, parent)) {
    // The parent is normally ahead in the FIFO; if it is behind (its ts expired and it was put again), rotate.
    await o.redis.lmove(k.queue(channel), k.queue(channel), 'LEFT', 'RIGHT');
    return o.pollMs;
  }
  await deadLetter(ctx, channel, key, '', new Error(`parent message ${parent} was never posted`));
  return 0;
}

async function failed(ctx: Ctx, channel: string, key: string, message: RenderedMessage, err: unknown) {
  const { o, k } = ctx;
  if (err instanceof RetryLaterError) {
    const waitMs = Math.max(1, err.retryAfterMs);
    await o.redis.set(k.coolAny(channel), '1', 'PX', waitMs);
    o.log?.warn({ channel, key, retryAfterMs: waitMs }, 'slack asked to retry later');
    return waitMs;
  }
  const tries = (ctx.attempts.get(key) ?? 0) + 1;
  ctx.attempts.set(key, tries);
  if (isPermanent(err) || tries >= o.maxAttempts) {
    ctx.attempts.delete(key);
    await deadLetter(ctx, channel, key, message.text, err);
    return 0;
  }
  const backoff = Math.min(30_000, 500 * 2 ** (tries - 1));
  await o.redis.set(k.coolAny(channel), '1', 'PX', backoff);
  o.log?.warn({ err, channel, key, tries }, 'outbox delivery failed; will retry');
  return backoff;
}

async function deadLetter(ctx: Ctx, channel: string, key: string, text: string, err: unknown) {
  const { o, k, s } = ctx;
  const error = err instanceof Error ? err.message : String(err);
  o.log?.error({ channel, key, error }, 'outbox message dead-lettered');
  const record = JSON.stringify({ key, channel, error, at: Date.now(), text: text.slice(0, 500) });
  await o.redis.multi().lpush(k.dead, record).ltrim(k.dead, 0, 999).exec();
  await s.ack(channel, key, '', true);
}

/**
 * Slack said no for good: our own PermanentError, a non-transient UpstreamError (an `ok:false` answer wrapped by a
 * notifier), or a raw Slack platform error — anywhere along the `cause` chain (depth ≤ 5), so a wrapper cannot
 * hide it and turn it into 5 retries that hold up the channel.
 */
function isPermanent(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    if (e instanceof PermanentError) return true;
    if (e instanceof UpstreamError && !e.transient) return true;
    const x = e as { code?: unknown; data?: { ok?: unknown }; cause?: unknown };
    if (x.code === 'slack_webapi_platform_error' || x.data?.ok === false) return true;
    e = x.cause;
  }
  return false;
}
