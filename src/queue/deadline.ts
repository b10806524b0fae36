/** Producer calls must never hold up a Slack ack: a stalled or absent Redis becomes a clear user-facing error. */
import { UserFacingError } from '../core/errors.ts';
import { withDeadline } from '../core/deadline.ts';

/** The error a user sees when Redis cannot take a task (R6). */
export function queueUnavailable(cause?: unknown): UserFacingError {
  return new UserFacingError(
    'queue_unavailable',
    'The task queue is unavailable right now (Redis is not answering); nothing was queued. Try again in a minute.',
    { cause },
  );
}

/** The error a user sees when Redis refuses writes because it is out of memory (R7). */
export function queueFull(cause?: unknown): UserFacingError {
  return new UserFacingError(
    'queue_full',
    'The task queue is full (Redis is out of memory); nothing was queued. An admin needs to give Redis more `maxmemory` or clear old data.',
    { cause },
  );
}

/** True for Redis' "OOM command not allowed when used memory > 'maxmemory'" reply (noeviction at its limit). */
export function isOutOfMemory(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('OOM ');
}

/**
 * Runs `work` with a deadline of `ms`; Redis out of memory becomes `queue_full`, a timeout or any other
 * Redis/connection failure `queue_unavailable`.
 * The losing promise is observed so its later rejection is never unhandled.
 */
export async function withQueueDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(work(), ms, () => queueUnavailable(new Error(`no answer in ${ms} ms`)));
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw isOutOfMemory(err) ? queueFull(err) : queueUnavailable(err);
  }
}
