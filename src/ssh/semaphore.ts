/** A counting semaphore; used to cap concurrent SSH handshakes (OpenSSH drops beyond MaxStartups 10). */
export class Semaphore {
  readonly #max: number;
  #held = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`semaphore size must be ≥ 1, got ${max}`);
    this.#max = max;
  }

  /** Slots in use right now. */
  get held(): number {
    return this.#held;
  }

  /** Waits for a slot; the returned function releases it (idempotent). Rejects if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#held < this.#max) {
      this.#held++;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(wake);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      this.#waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiters.shift();
      // The slot passes straight to the next waiter, so `held` stays the same.
      if (next) next();
      else this.#held--;
    };
  }
}
