/**
 * Simulated time: every delay is divided by `timeScale`, and every timer is tracked so `stop()` leaves nothing
 * running behind a test.
 */
export class SimClock {
  timeScale: number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(timeScale: number) {
    this.timeScale = timeScale;
  }

  /** Real milliseconds for `simMs` simulated ones. */
  real(simMs: number): number {
    return Math.max(0, simMs / this.timeScale);
  }

  /** Runs `fn` after `simMs` simulated milliseconds. */
  after(simMs: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.real(simMs));
    this.timers.add(t);
    return t;
  }

  /** Runs `fn` every `simMs` simulated milliseconds (the period follows later time-scale changes). */
  every(simMs: number, fn: () => void): { cancel(): void } {
    let current: NodeJS.Timeout | undefined;
    let cancelled = false;
    const tick = () => {
      current = this.after(simMs, () => {
        if (cancelled) return;
        fn();
        tick();
      });
    };
    tick();
    return {
      cancel: () => {
        cancelled = true;
        if (current) this.cancel(current);
      },
    };
  }

  cancel(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** Resolves after `ms` real milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
