import type { Fault } from './types.ts';

/** A rate limit on one method: at most `perSec` calls per rolling second, per channel or for the whole method. */
export interface RateLimit {
  method: string;
  perSec: number;
  /** `channel` (default): counted per `channel` argument, like chat.postMessage's 1 msg/s/channel. */
  scope?: 'channel' | 'method';
  /** Retry-After sent with the 429, seconds; default 1. */
  retryAfterSec?: number;
}

/** The canned answer for a faulted call. */
export interface FaultAnswer {
  status: number;
  body: Record<string, unknown> | string;
  headers: Record<string, string>;
  /** Run the method first, then answer with this (Slack did the work; the caller never learns it). */
  afterRun?: boolean;
}

/** Slack's 429 answer (body as Slack's own SDK mocks use it). */
export function rateLimited(retryAfterSec: number): FaultAnswer {
  return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(retryAfterSec) } };
}

function answerFor(fault: Fault): FaultAnswer {
  if ('ok' in fault) return { status: 200, body: { ok: false, error: fault.error }, headers: {} };
  if (fault.status === 429) return rateLimited(fault.retryAfterSec ?? 1);
  return { status: fault.status, body: '<html><body>Internal Server Error</body></html>', headers: {}, ...('afterRun' in fault && fault.afterRun ? { afterRun: true } : {}) };
}

/** Faults queued on demand plus configured rate limits. */
export class FaultInjector {
  readonly #queued = new Map<string, Array<{ fault: Fault; left: number }>>();
  readonly #limits: RateLimit[] = [];
  readonly #hits = new Map<string, number[]>();

  /** Fails the next `count` (default 1) calls of `method` with `fault`. Queued faults run in order. */
  failNext(method: string, fault: Fault, count = 1): void {
    const list = this.#queued.get(method) ?? [];
    list.push({ fault, left: count });
    this.#queued.set(method, list);
  }

  /** Adds a rate limit (they accumulate; the first one exceeded answers). */
  addRateLimit(limit: RateLimit): void {
    this.#limits.push(limit);
  }

  clear(): void {
    this.#queued.clear();
    this.#limits.length = 0;
    this.#hits.clear();
  }

  /** The fault answer for this call, if any; consumes a queued fault or counts the call against rate limits. */
  check(method: string, args: Record<string, unknown>, nowMs = Date.now()): FaultAnswer | undefined {
    const list = this.#queued.get(method);
    const head = list?.[0];
    if (list && head) {
      head.left -= 1;
      if (head.left <= 0) list.shift();
      return answerFor(head.fault);
    }
    for (const limit of this.#limits.filter((l) => l.method === method)) {
      const key = `${method}|${limit.scope === 'method' ? '' : String(args.channel ?? '')}`;
      const recent = (this.#hits.get(key) ?? []).filter((t) => nowMs - t < 1000);
      if (recent.length >= limit.perSec) {
        this.#hits.set(key, recent);
        return rateLimited(limit.retryAfterSec ?? 1);
      }
      recent.push(nowMs);
      this.#hits.set(key, recent);
    }
    return undefined;
  }
}
