/** The {@link StateStore} in Redis: one JSON string per key under `<prefix>:state:` (no expiry). */
import type { Redis } from 'ioredis';
import type { StateStore } from '../core/ports.ts';
import { safeJson } from '../core/safe-json.ts';

export function createRedisStateStore(redis: Redis, prefix: string): StateStore {
  return {
    async get(key) {
      const raw = await redis.get(`${prefix}:state:${key}`);
      return raw === null ? undefined : safeJson(raw);
    },
    async set(key, value) {
      await redis.set(`${prefix}:state:${key}`, JSON.stringify(value));
    },
  };
}
