import type { Redis } from 'ioredis';
import { withDeadlineOr } from '../core/deadline.ts';

/**
 * Remembers the signatures of accepted Slack requests for Slack's 5-minute window, so a captured request cannot be
 * replayed (S1). Checked in this process first, then in Redis (SET NX) so every replica sees it. Redis gets
 * `budgetMs` on the ack path; when it does not answer in time the request is judged on the local memory alone, and
 * later requests do not wait for Redis at all (the SET still goes out) until one SET completes again: a stalled
 * Redis costs one budget, not one per request (P1).
 */
export class ReplayGuard {
  private readonly local = new Map<string, number>();
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly windowMs: number;
  private readonly budgetMs: number;
  private slow = false;
  constructor(redis: Redis, prefix: string, { windowMs = 300_000, budgetMs = 50 } = {}) {
    this.redis = redis;
    this.prefix = `${prefix}:slack-sig:`;
    this.windowMs = windowMs;
    this.budgetMs = budgetMs;
  }

  /** True the first time a signature is seen within the window. */
  async firstSeen(signature: string, now = Date.now()): Promise<boolean> {
    this.forgetExpired(now);
    if (this.local.has(signature)) return false;
    this.local.set(signature, now + this.windowMs);
    const set = this.redis.set(this.prefix + signature, '1', 'PX', this.windowMs, 'NX').then((r) => {
      this.slow = false;
      return r === 'OK';
    }, () => true);
    if (this.slow) return true;
    // Over budget: trust the local memory (this process saw it first) rather than hold up the request.
    const first = await withDeadlineOr(set, this.budgetMs, undefined);
    if (first !== undefined) return first;
    this.slow = true;
    return true;
  }

  private forgetExpired(now: number): void {
    for (const [sig, until] of this.local) {
      if (until > now) break; // insertion order is expiry order
      this.local.delete(sig);
    }
  }
}
