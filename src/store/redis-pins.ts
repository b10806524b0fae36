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

  /**
   * Makes `fingerprint` the host's only run-time pin: after a host's key changed, the key pinned before must stop
   * being trusted. Returns the pins it replaced.
   */
  async replace(host: string, fingerprint: string): Promise<string[]> {
    const key = this.prefix + host;
    const [[, before]] = (await this.redis.multi().smembers(key).del(key).sadd(key, fingerprint).exec()) as [[unknown, string[]]];
    return before.filter((f) => f !== fingerprint).sort();
  }
}
