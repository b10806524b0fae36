/**
 * Retry policy: which failures are retried, and how long to wait. Only transient failures (network, 5xx, SSH
 * connection loss) are retried; everything else fails at once (spec §4).
 */
import { PermanentError, UpstreamError } from '../core/errors.ts';

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'EAI_AGAIN']);

/** True when retrying `err` could help. */
export function isTransient(err: unknown): boolean {
  if (err instanceof PermanentError) return false;
  if (err instanceof UpstreamError) return err.transient;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { transient?: unknown; code?: unknown };
  if (e.transient === true) return true;
  return typeof e.code === 'string' && NETWORK_CODES.has(e.code);
}

/**
 * Exponential backoff with jitter: base·2^(attempt-1), then a random factor in [0.5, 1.5), capped at `maxMs`.
 * `attemptsMade` counts failed tries so far (1 after the first failure).
 */
export function jitteredBackoffMs(attemptsMade: number, baseMs: number, maxMs = 5 * 60_000, random = Math.random) {
  const exp = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.round(Math.min(maxMs, exp * (0.5 + random())));
}
