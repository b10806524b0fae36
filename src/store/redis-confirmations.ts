import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { ConfirmationStore, PendingConfirmation } from '../core/ports.ts';

const pendingSchema = z.object({
  id: z.string(),
  command: z.string(),
  text: z.string().max(10_240),
  args: z.record(z.string(), z.unknown()),
  requester: z.object({ userId: z.string(), userName: z.string().optional(), teamId: z.string().optional(), channelId: z.string() }),
  createdAt: z.number(),
});

/** Confirmations in Redis with a TTL, so any replica can handle the click; GETDEL makes a second click harmless. */
export class RedisConfirmationStore implements ConfirmationStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = `${prefix}:confirm:`;
  }

  async create(pending: Omit<PendingConfirmation, 'id' | 'createdAt'>, ttlMs: number): Promise<PendingConfirmation> {
    const value: PendingConfirmation = { ...pending, id: randomUUID(), createdAt: Date.now() };
    await this.redis.set(this.prefix + value.id, JSON.stringify(value), 'PX', ttlMs);
    return value;
  }

  async get(id: string): Promise<PendingConfirmation | undefined> {
    return parse(await this.redis.get(this.prefix + id));
  }

  async take(id: string): Promise<PendingConfirmation | undefined> {
    return parse(await this.redis.getdel(this.prefix + id));
  }
}

function parse(raw: string | null): PendingConfirmation | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = pendingSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: treated like an expired confirmation
  }
}
