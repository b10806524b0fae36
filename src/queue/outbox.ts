/**
 * The Redis-backed {@link Outbox}: `put` stores the latest content of a message key and queues the key on its
 * channel's FIFO once (coalescing: several puts before delivery send only the latest). Nothing lives in memory,
 * so a restart drops nothing (R16). Delivery is done by `startOutboxDrainer` (outbox-drainer.ts).
 */
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { Outbox, OutboxEntry } from '../core/ports.ts';
import { outboxKeys, outboxScripts } from './outbox-keys.ts';

const entrySchema = z.object({
  key: z.string().min(1).max(300),
  channel: z.string().min(1).max(64),
  message: z.object({ text: z.string(), blocks: z.array(z.looseObject({ type: z.string() })).optional() }),
  threadOf: z.string().min(1).max(300).optional(),
});

/** A dead-lettered message: Slack refused it for good (visible to operators, never silently dropped). */
export interface DeadLetter {
  key: string;
  channel: string;
  error: string;
  at: number;
  text: string;
}

/** The outbox writer plus operator views. */
export interface RedisOutbox extends Outbox {
  /** Messages waiting for delivery, over all channels (the outbox backlog metric). */
  backlog(): Promise<number>;
  /** The most recent dead letters, newest first (default 20). */
  deadLetters(count?: number): Promise<DeadLetter[]>;
}

/** Creates the outbox writer over `redis` with keys under `prefix`. */
export function createRedisOutbox({ redis, prefix }: { redis: Redis; prefix: string }): RedisOutbox {
  const keys = outboxKeys(prefix);
  const scripts = outboxScripts(redis, keys);
  return {
    async put(entry: OutboxEntry) {
      const e = entrySchema.parse(entry);
      await scripts.put(e.key, e.channel, JSON.stringify(e.message), e.threadOf ?? '');
    },
    async backlog() {
      const channels = await redis.smembers(keys.channels);
      if (channels.length === 0) return 0;
      const pipe = redis.pipeline();
      for (const c of channels) pipe.llen(keys.queue(c));
      const replies = (await pipe.exec()) ?? [];
      return replies.reduce((sum, [, n]) => sum + (typeof n === 'number' ? n : 0), 0);
    },
    async deadLetters(count = 20) {
      const raw = await redis.lrange(keys.dead, 0, count - 1);
      return raw.map((r) => JSON.parse(r) as DeadLetter);
    },
  };
}
