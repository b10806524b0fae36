/** Producer calls must never hold up a Slack ack: a stalled or absent Redis becomes a clear user-facing error. */
import { UserFacingError } from '../core/errors.ts';

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
  let timer: NodeJS.Timeout | undefined;
  const running = work();
  running.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(queueUnavailable(new Error(`no answer in ${ms} ms`))), ms);
  });
  try {
    return await Promise.race([running, timeout]);
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw queueUnavailable(err);
  } finally {
    clearTimeout(timer);
  }
}
