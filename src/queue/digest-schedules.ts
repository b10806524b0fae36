/**
 * Redis side of digests that `schedulers.ts` does not cover: per schedule, the record of its latest digest (plus
 * the baseline that digest used, so a slot that runs again after a crash compares with the same baseline, R17),
 * and cluster utilisation samples for "peak utilisation in the period". Content read back is zod-checked.
 */
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { DigestRecord, DigestStore, UtilSample } from '../core/digest-store.ts';
import { safeJson } from '../core/safe-json.ts';

const recordSchema = z.object({
  atMs: z.number(),
  agents: z.array(z.string()).optional(),
  failingJobs: z.array(z.string()).optional(),
  jenkinsQueue: z.number().optional(),
});
const sampleSchema = z.object({ atMs: z.number(), cpu: z.number(), mem: z.number() });

/** Samples are kept this long (8 days: a weekly digest still sees its whole period). */
export const SAMPLE_RETENTION_MS = 8 * 86_400_000;
/** …and at most this many (a status read every few seconds for a week stays bounded). */
export const SAMPLE_MAX = 50_000;

export function createDigestStore({ redis, prefix }: { redis: Redis; prefix: string }): DigestStore {
  const stateKey = (id: string) => `${prefix}:digest:state:${id}`;
  const samplesKey = `${prefix}:digest:samples`;
  return {
    async baseline(id, slot) {
      const h = await redis.hgetall(stateKey(id));
      return h.slot === slot ? parse(h.prev) : parse(h.record);
    },
    async commit(id, slot, record, baseline) {
      await redis.hset(stateKey(id), { slot, record: JSON.stringify(record), prev: baseline ? JSON.stringify(baseline) : '' });
    },
    async forget(id) {
      await redis.del(stateKey(id));
    },
    async addSample(s: UtilSample) {
      const member = JSON.stringify(sampleSchema.parse(s));
      await redis.multi()
        .zadd(samplesKey, s.atMs, member)
        .zremrangebyscore(samplesKey, '-inf', s.atMs - SAMPLE_RETENTION_MS)
        .zremrangebyrank(samplesKey, 0, -SAMPLE_MAX - 1)
        .exec();
    },
    async samples(fromMs, toMs) {
      const raw = await redis.zrangebyscore(samplesKey, Number.isFinite(fromMs) ? `(${fromMs}` : '-inf', toMs);
      return raw.flatMap((r) => {
        const p = sampleSchema.safeParse(safeJson(r));
        return p.success ? [p.data] : [];
      });
    },
  };
}

function parse(raw: string | undefined): DigestRecord | undefined {
  if (!raw) return undefined;
  const p = recordSchema.safeParse(safeJson(raw));
  return p.success ? (p.data as DigestRecord) : undefined;
}
