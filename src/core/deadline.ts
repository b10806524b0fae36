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

/**
 * Bounded waits that share one verdict about the store behind them (the ack path's writes to one Redis): after a
 * wait overran its budget, later waits do not wait at all — the work still goes out — until a piece of work
 * completes again. A stalled store therefore costs the ack path one budget in all, not one per write (P1).
 */
export class BoundedWaits {
  #slow = false;

  /** Waits up to `budgetMs` (0 while slow) for `work`; true when it settled in time. Never rejects. */
  async within(work: Promise<unknown>, budgetMs: number): Promise<boolean> {
    let settled = false;
    const done = work.then(
      () => {
        settled = true;
        this.#slow = false;
      },
      () => {
        settled = true;
      },
    );
    if (!this.#slow) await withDeadlineOr(done, budgetMs, undefined);
    if (!settled) this.#slow = true;
    return settled;
  }
}
