import type { Redis } from 'ioredis';
import { BoundedWaits } from '../core/deadline.ts';

/**
 * Remembers the signatures of accepted Slack requests for Slack's 5-minute window, so a captured request cannot be
 * replayed (S1). Checked in this process first, then in Redis (SET NX) so every replica sees it. Redis gets
 * `budgetMs` on the ack path; when it does not answer in time the request is judged on the local memory alone, and
 * later requests do not wait for Redis at all (the SET still goes out) until a write completes again. `waits` is
 * shared with the command audit on the same connection: a stalled Redis costs the ack path one budget, not one per
 * write or per request (P1).
 */
export class ReplayGuard {
  private readonly local = new Map<string, number>();
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly windowMs: number;
  private readonly budgetMs: number;
  private readonly waits: BoundedWaits;
  constructor(redis: Redis, prefix: string, { windowMs = 300_000, budgetMs = 30, waits = new BoundedWaits() } = {}) {
    this.redis = redis;
    this.prefix = `${prefix}:slack-sig:`;
    this.windowMs = windowMs;
    this.budgetMs = budgetMs;
    this.waits = waits;
  }

  /** True the first time a signature is seen within the window. */
  async firstSeen(signature: string, now = Date.now()): Promise<boolean> {
    this.forgetExpired(now);
    if (this.local.has(signature)) return false;
    this.local.set(signature, now + this.windowMs);
    let first = true;
    const set = this.redis.set(this.prefix + signature, '1', 'PX', this.windowMs, 'NX').then((r) => {
      first = r === 'OK';
    });
    // Over budget (or Redis already known slow): trust the local memory (this process saw it first) rather than
    // hold up the request. A failed SET is judged the same way.
    return (await this.waits.within(set, this.budgetMs)) ? first : true;
  }

  private forgetExpired(now: number): void {
    for (const [sig, until] of this.local) {
      if (until > now) break; // insertion order is expiry order
      this.local.delete(sig);
    }
  }
}
