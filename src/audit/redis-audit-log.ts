/**
 * The audit trail as a Redis stream: XADD with an approximate MAXLEN (bounded, configurable) and XREVRANGE for
 * `/ci history`. Entries read back are validated (Redis content is untrusted); malformed ones are skipped.
 */
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { AuditEntry, AuditLog, AuditRecord, Clock } from '../core/ports.ts';
import { systemClock } from '../core/ports.ts';

const FIELDS = ['kind', 'user', 'command', 'args', 'channel', 'jobId', 'outcome', 'detail'] as const;

const recordSchema = z.object({
  kind: z.enum([
    'command', 'denied', 'confirm_requested', 'confirmed', 'cancelled', 'task_started', 'task_finished', 'alert',
    'rejected_request', 'secret_read',
  ]),
  at: z.coerce.number().int().nonnegative(),
  user: z.string().optional(),
  command: z.string().optional(),
  args: z.string().optional(),
  channel: z.string().optional(),
  jobId: z.string().optional(),
  outcome: z.string().optional(),
  detail: z.string().optional(),
});

export interface RedisAuditLogOptions {
  redis: Redis;
  prefix: string;
  /** Approximate number of entries kept (default 10 000). */
  maxLen?: number;
  /** Longest stored value of a field, in chars (default 500); longer values are cut. */
  maxFieldChars?: number;
  clock?: Clock;
}

/** KEYS: marker, stream. ARGV: marker value, ttl s, maxlen, field, value, … → 1 written, 0 marker already set. */
const APPEND_ONCE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) == false then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
return 1`;

/** Creates the Redis-stream audit log at key `<prefix>:audit`. */
export function createRedisAuditLog(opts: RedisAuditLogOptions): AuditLog {
  const { redis } = opts;
  const key = `${opts.prefix}:audit`;
  const maxLen = opts.maxLen ?? 10_000;
  const maxChars = opts.maxFieldChars ?? 500;
  const clock = opts.clock ?? systemClock;
  const fields = (entry: AuditEntry): string[] => {
    const args: string[] = ['at', String(clock.now())];
    for (const f of FIELDS) {
      const v = entry[f];
      if (v !== undefined) args.push(f, v.slice(0, maxChars));
    }
    return args;
  };
  return {
    async append(entry: AuditEntry) {
      await redis.xadd(key, 'MAXLEN', '~', String(maxLen), '*', ...fields(entry));
    },
    async appendOnce(entry, once) {
      const args = fields(entry);
      return Number(await redis.eval(APPEND_ONCE, 2, once.key, key, once.value, String(once.ttlSec), String(maxLen), ...args)) === 1;
    },
    async recent(count: number): Promise<AuditRecord[]> {
      const rows = await redis.xrevrange(key, '+', '-', 'COUNT', Math.max(1, Math.min(count, 1000)));
      const out: AuditRecord[] = [];
      for (const [id, flat] of rows) {
        const obj: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) obj[flat[i] as string] = flat[i + 1] as string;
        const parsed = recordSchema.safeParse(obj);
        if (parsed.success) out.push({ id, ...parsed.data });
      }
      return out;
    },
  };
}
