/**
 * A sleep that ends early (without throwing) when `signal` aborts, so close() is never held up by a wait. Its abort
 * listener is removed when the timer fires, so many waits on one long-lived signal do not pile up listeners.
 */
export function interruptibleSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
