/** The last provisioning result per host, in one Redis hash (shared by every replica). */
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { ProvisionLog, ProvisionRecord } from '../core/ports.ts';
import { safeJson } from '../core/safe-json.ts';

/** Redis content is untrusted: an entry is shown only when it has this shape. */
const recordSchema = z.object({
  host: z.string(),
  recipe: z.string(),
  outcome: z.enum(['changed', 'no change', 'dry run', 'failed']),
  at: z.number(),
  jobId: z.string(),
  detail: z.string().optional(),
});

export function createRedisProvisionLog(redis: Pick<Redis, 'hset' | 'hmget'>, prefix: string): ProvisionLog {
  const key = `${prefix}:provision:last`;
  return {
    async record(entry) {
      await redis.hset(key, entry.host, JSON.stringify(entry));
    },
    async last(hosts) {
      if (hosts.length === 0) return {};
      const raw = await redis.hmget(key, ...hosts);
      const out: Record<string, ProvisionRecord> = {};
      raw.forEach((r, i) => {
        const host = hosts[i];
        if (!r || !host) return;
        // A corrupt or foreign entry shows as "never provisioned" rather than failing `/ci hosts`.
        const parsed = recordSchema.safeParse(safeJson(r));
        if (parsed.success) out[host] = parsed.data as ProvisionRecord;
      });
      return out;
    },
  };
}
