/** How a handler failure is shown and what BullMQ should do with it. */
import { UnrecoverableError } from 'bullmq';
import { isUserFacing } from '../core/errors.ts';
import { correlationId } from '../core/ids.ts';
import { isTransient } from './backoff.ts';

/** Minimal logger (pino-compatible). */
export interface FailureLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Failure {
  outcome: 'cancelled' | 'failed' | 'retrying' | 'released';
  /** Safe to post in chat. */
  message: string;
  /** What the processor throws (ignored for `released`). */
  error: Error;
}

/** Maps a handler error to an outcome; internal errors are logged with a correlation id shown to the user. */
export function classifyFailure(
  err: unknown,
  ctx: { signal: AbortSignal; shuttingDown: boolean; attempt: number; attempts: number; jobId: string; log?: FailureLogger },
): Failure {
  if (ctx.signal.aborted) {
    const reason: unknown = ctx.signal.reason;
    const by = typeof reason === 'string' && reason.startsWith('cancelled by ') ? reason.slice(13) : undefined;
    if (ctx.shuttingDown && !by) {
      return { outcome: 'released', message: 'worker shutting down; the task goes back to the queue', error: new Error('released') };
    }
    const message = by ? `by <@${by}>` : 'cancelled';
    return { outcome: 'cancelled', message, error: new UnrecoverableError(`cancelled${by ? ` by ${by}` : ''}`) };
  }
  const message = userMessage(err, ctx);
  if (!isTransient(err)) return { outcome: 'failed', message, error: new UnrecoverableError(message) };
  if (ctx.attempt >= ctx.attempts) return { outcome: 'failed', message, error: asError(err) };
  return { outcome: 'retrying', message, error: asError(err) };
}

function userMessage(err: unknown, ctx: { jobId: string; log?: FailureLogger }): string {
  if (isUserFacing(err)) return err.message;
  const ref = correlationId();
  ctx.log?.error({ err, jobId: ctx.jobId, ref }, 'task failed');
  const name = err instanceof Error ? err.name : 'error';
  return `internal error (${name}); ref ${ref}`;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
