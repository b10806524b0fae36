/**
 * Redis-backed store of each job's progress state and full output log (read by `/ci jobs <id>`). Both are bounded:
 * the log keeps the last `maxLogLines` lines and every key expires `ttlSec` after its last write.
 */
import type { Redis } from 'ioredis';
import { progressViewSchema, type ProgressStore, type ProgressView } from '../core/progress-view.ts';
import { safeJson } from '../core/safe-json.ts';

export interface JobStoreOptions {
  redis: Redis;
  prefix: string;
  /** Lines kept per job log (default 5000). */
  maxLogLines?: number;
  /** Lifetime of progress state and log after the last write, in seconds (default 7 days). */
  ttlSec?: number;
}

/** Progress state and logs of jobs. */
export interface JobStore extends ProgressStore {
  readLog(jobId: string): Promise<string[]>;
}

/** Creates the Redis job store. */
export function createJobStore(opts: JobStoreOptions): JobStore {
  const { redis, prefix } = opts;
  const ttl = opts.ttlSec ?? 7 * 24 * 3600;
  const maxLines = opts.maxLogLines ?? 5000;
  const stateKey = (id: string) => `${prefix}:jobx:${id}:progress`;
  const logKey = (id: string) => `${prefix}:jobx:${id}:log`;
  return {
    async load(jobId) {
      const raw = await redis.get(stateKey(jobId));
      if (!raw) return undefined;
      // Redis content is untrusted: a state that does not parse starts a fresh message state.
      const parsed = progressViewSchema.safeParse(safeJson(raw));
      return parsed.success ? parsed.data : undefined;
    },
    async save(view: ProgressView) {
      await redis.set(stateKey(view.jobId), JSON.stringify(view), 'EX', ttl);
    },
    async appendLog(jobId, lines) {
      if (lines.length === 0) return;
      const key = logKey(jobId);
      await redis.multi().rpush(key, ...lines).ltrim(key, -maxLines, -1).expire(key, ttl).exec();
    },
    readLog: (jobId) => redis.lrange(logKey(jobId), 0, -1),
  };
}
