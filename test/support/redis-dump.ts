/**
 * Everything a Redis holds, as text, read through a real client (ioredis): every key (SCAN, no pattern unless
 * given), its TYPE, and the whole value by the read command of that type — strings, hashes, lists, sets, sorted
 * sets (with scores) and streams (every entry) — with no size cut. An unknown type is an error, never skipped.
 * For R20's canary scans.
 */
import { Redis } from 'ioredis';

export interface RedisDump {
  /** `key<TAB>type<TAB>value-as-JSON`, one per key. */
  entries: string[];
  /** Keys per type, to show the scan saw what it should. */
  types: Record<string, number>;
}

/** Reads every key matching `match` (default all) from the Redis at `url` (may carry a password). */
export async function dumpRedis(url: string, match = '*'): Promise<RedisDump> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      for (const k of batch) keys.add(k);
    } while (cursor !== '0');
    const entries: string[] = [];
    const types: Record<string, number> = {};
    for (const key of [...keys].sort()) {
      const type = await redis.type(key);
      types[type] = (types[type] ?? 0) + 1;
      entries.push(`${key}\t${type}\t${JSON.stringify(await readValue(redis, key, type))}`);
    }
    return { entries, types };
  } finally {
    redis.disconnect();
  }
}

async function readValue(redis: Redis, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string': return redis.get(key);
    case 'hash': return redis.hgetall(key);
    case 'list': return redis.lrange(key, 0, -1);
    case 'set': return redis.smembers(key);
    case 'zset': return redis.zrange(key, '0', '-1', 'WITHSCORES');
    case 'stream': return redis.xrange(key, '-', '+');
    case 'none': return null; // expired or deleted between SCAN and TYPE
    default: throw new Error(`dumpRedis: key ${key} has type ${type}, which this reader does not know how to read`);
  }
}
