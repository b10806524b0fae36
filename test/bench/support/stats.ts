/** Percentiles and formatting shared by the benchmarks. */
export function percentiles(samples: readonly number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.at(-1) ?? NaN };
}

/** The median of `samples` (the mean of the middle two when their count is even); NaN when there are none. */
export function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmt(p: ReturnType<typeof percentiles>, unit = 'ms'): string {
  const f = (v: number) => v.toFixed(1);
  return `n=${p.n} p50 ${f(p.p50)} / p95 ${f(p.p95)} / p99 ${f(p.p99)} / max ${f(p.max)} ${unit}`;
}

/** Runs `fire` at `perSec` for `seconds` (open loop: never waits for earlier calls), then awaits them all. */
export async function openLoop<T>(perSec: number, seconds: number, fire: (i: number) => Promise<T>): Promise<T[]> {
  const total = Math.round(perSec * seconds);
  const started = performance.now();
  const pending: Array<Promise<T>> = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / perSec;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fire(i));
  }
  return Promise.all(pending);
}
