/**
 * Deadlines for promises that take no AbortSignal. The timer is cleared as soon as `work` settles and never keeps
 * the process alive; a rejection of `work` after the deadline is observed, so it is never unhandled.
 */

/** Settles as `work` does, or rejects with `timeoutError()` after `ms` milliseconds. */
export function withDeadline<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  return race(work, ms, () => Promise.reject(timeoutError()));
}

/** Settles as `work` does, or resolves with `fallback` after `ms` milliseconds (a bounded wait, not a failure). */
export function withDeadlineOr<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return race<T | F>(work, ms, () => Promise.resolve(fallback));
}

function race<T>(work: Promise<T>, ms: number, onTimeout: () => Promise<T>): Promise<T> {
  work.catch(() => undefined); // a late rejection is the caller's to see through the race, never unhandled
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => onTimeout().then(resolve, reject), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
