/**
 * The {@link AlertLog} in Redis: a hash of records by key and a sorted set of keys by opening time, trimmed to the
 * newest 1,000 and to 30 days. Records are validated when read: Redis content is untrusted.
 */
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { AlertLog, AlertRecord } from '../core/ports.ts';
import { safeJson } from '../core/safe-json.ts';

const recordSchema = z.object({
  key: z.string(), kind: z.enum(['jenkins', 'agent', 'tasks']), severity: z.enum(['critical', 'warning', 'info']), title: z.string(),
  state: z.enum(['open', 'resolved', 'info']), openedAt: z.number(), resolvedAt: z.number().optional(), downtimeMs: z.number().optional(),
  moved: z.boolean().optional(), planned: z.boolean().optional(),
});

const KEEP = 1000;
const KEEP_MS = 30 * 24 * 3600_000;

export function createRedisAlertLog(redis: Redis, prefix: string): AlertLog {
  const records = `${prefix}:alerts:records`;
  const byTime = `${prefix}:alerts:by-time`;
  return {
    async record(r) {
      const cutoff = Date.now() - KEEP_MS;
      const old = await redis.zrangebyscore(byTime, '-inf', `(${cutoff}`);
      const tx = redis.multi().hset(records, r.key, JSON.stringify(r)).zadd(byTime, r.openedAt, r.key).zremrangebyscore(byTime, '-inf', `(${cutoff}`);
      if (old.length > 0) tx.hdel(records, ...old);
      await tx.zremrangebyrank(byTime, 0, -KEEP - 1).exec();
    },
    async since(sinceMs, limit = 50) {
      const keys = await redis.zrevrangebyscore(byTime, '+inf', sinceMs, 'LIMIT', 0, limit);
      if (keys.length === 0) return [];
      const raw = await redis.hmget(records, ...keys);
      return raw.flatMap((r) => {
        const parsed = r ? recordSchema.safeParse(safeJson(r)) : undefined;
        return parsed?.success ? [parsed.data as AlertRecord] : []; // a corrupt entry is left out, not fatal
      });
    },
  };
}
