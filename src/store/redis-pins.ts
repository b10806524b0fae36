import type { Redis } from 'ioredis';

/**
 * Host-key pins added by `/ci trust-host`, in a Redis set per host (shared by every replica). Structurally the
 * ssh layer's PinStore; only an admin's confirmed command ever calls `add`.
 */
export class RedisPinStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = `${prefix}:pins:`;
  }

  async get(host: string): Promise<readonly string[]> {
    return (await this.redis.smembers(this.prefix + host)).sort();
  }

  async add(host: string, fingerprint: string): Promise<void> {
    await this.redis.sadd(this.prefix + host, fingerprint);
  }
}
