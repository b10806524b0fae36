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

/**
 * Runs `work` with a deadline of `ms`; a timeout or any Redis/connection failure becomes `queue_unavailable`.
 * The losing promise is observed so its later rejection is never unhandled.
 */
export async function withQueueDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(work(), ms, () => queueUnavailable(new Error(`no answer in ${ms} ms`)));
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw queueUnavailable(err);
  }
}
