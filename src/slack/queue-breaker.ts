/**
 * The front door's breaker over the task queue (P1 with Redis down or stalled). Closed, every call goes to Redis
 * under its deadline. The first `queue_unavailable` — a call that hit its deadline, or the connection reporting
 * itself down — opens it: from then on every queue call is answered at once with that same error, so a command
 * costs its parse and audit, not another wait for Redis. While open, a probe (a PING under a short deadline) runs
 * every `probeEveryMs` and as soon as the connection says it is ready again; the first probe that succeeds closes
 * the breaker. One stray slow call therefore costs at most one probe interval of "unavailable" answers.
 */
import { UserFacingError } from '../core/errors.ts';
import type { QueueHealthSignal, TaskQueue } from '../core/ports.ts';

export interface QueueBreakerOptions {
  /** Probe interval while open, ms (default 1000: recovery within about a second of Redis answering again). */
  probeEveryMs?: number;
  /** Told when the breaker opens (true) or closes (false), e.g. to log it. */
  onChange?: (open: boolean, reason: string) => void;
}

export class QueueBreaker {
  readonly #signal: QueueHealthSignal;
  readonly #probeEveryMs: number;
  readonly #onChange: (open: boolean, reason: string) => void;
  #open = false;
  /** The failure that opened the breaker (or the latest probe's), answered while open. */
  #error: UserFacingError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #probing = false;
  #closed = false;

  constructor(signal: QueueHealthSignal, opts: QueueBreakerOptions = {}) {
    this.#signal = signal;
    this.#probeEveryMs = opts.probeEveryMs ?? 1000;
    this.#onChange = opts.onChange ?? (() => undefined);
    signal.onChange((up) => {
      if (up) this.#probe();
      else this.#trip(undefined, 'connection lost');
    });
  }

  /** True while queue calls are answered "unavailable" without reaching Redis. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** Runs `work` unless the breaker is open; a `queue_unavailable` from it opens the breaker. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    // Opened by the connection but no error seen yet: the call itself fails fast on a connection that is not ready.
    if (this.#open && this.#error) throw new UserFacingError(this.#error.code, this.#error.message, { cause: this.#error });
    try {
      return await work();
    } catch (err) {
      if (isUnavailable(err)) this.#trip(err, err.cause instanceof Error ? err.cause.message : 'queue call failed');
      throw err;
    }
  }

  /** Stops probing (process shutdown). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #trip(err: UserFacingError | undefined, reason: string): void {
    if (err) this.#error = err;
    if (this.#open || this.#closed) return;
    this.#open = true;
    this.#onChange(true, reason);
    this.#timer = setInterval(() => this.#probe(), this.#probeEveryMs);
    this.#timer.unref();
    this.#probe();
  }

  #probe(): void {
    if (!this.#open || this.#probing) return;
    this.#probing = true;
    this.#signal.probe().then(
      () => {
        this.#probing = false;
        if (!this.#open) return;
        this.#open = false;
        this.#error = undefined;
        clearInterval(this.#timer);
        this.#timer = undefined;
        this.#onChange(false, 'Redis answers again');
      },
      (err: unknown) => {
        this.#probing = false;
        if (isUnavailable(err)) this.#error = err;
      },
    );
  }
}

function isUnavailable(err: unknown): err is UserFacingError {
  return err instanceof UserFacingError && err.code === 'queue_unavailable';
}

/** `queue` with every front-door call (enqueue, list, cancel, log) behind `breaker`; other members as they are. */
export function guardTaskQueue<Q extends TaskQueue>(queue: Q, breaker: QueueBreaker): Q {
  return {
    ...queue,
    enqueue: (kind, data) => breaker.guard(() => queue.enqueue(kind, data)),
    enqueueMany: (requests) => breaker.guard(() => queue.enqueueMany(requests)),
    listJobs: () => breaker.guard(() => queue.listJobs()),
    cancel: (jobId, by) => breaker.guard(() => queue.cancel(jobId, by)),
    readLog: (jobId) => breaker.guard(() => queue.readLog(jobId)),
  };
}
