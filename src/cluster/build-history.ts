/**
 * Jenkins build history for digests: the builds each job lists in the root read (newest
 * {@link RECENT_BUILDS_PER_JOB} per job) → the builds that finished in a digest period, counted by result.
 * Pure functions. A build "finished" at `timestamp + duration` (Jenkins' clock, epoch ms).
 */
import type { BuildView, RecentBuilds } from './snapshot-types.ts';
import { compareText } from '../core/text.ts';

/**
 * Builds per job the status/digest root read asks for (`{0,N}`): bounds the answer on big installations
 * (jobs × N builds, ~80 bytes each). A job with more builds than this in a digest period is counted as cut.
 */
export const RECENT_BUILDS_PER_JOB = 50;

/** Results a digest names one by one (with job and build number). */
const NAMED = new Set(['FAILURE', 'UNSTABLE']);

/** What a digest says about the builds of its period. */
export interface BuildsInPeriod {
  /** The period is (fromMs, toMs], epoch ms. */
  fromMs: number;
  toMs: number;
  total: number;
  /** Builds per result, e.g. `{ SUCCESS: 9, FAILURE: 2 }`. */
  byResult: Record<string, number>;
  /** FAILURE and UNSTABLE builds, the latest to finish first. */
  failed: Array<{ job: string; number: number; result: string; finishedMs: number }>;
  longest?: BuildView;
  /** Builds per job, most first (then by name). */
  perJob: Array<{ job: string; total: number; failed: number }>;
  /** Builds still running at the read (not in the counts). */
  running: number;
  /** Jobs that may have had more builds in the period than were read: the counts are lower bounds. */
  cutJobs: string[];
}

export const finishedMs = (b: BuildView): number => b.startedMs + b.durationMs;

/** The builds that finished in (fromMs, toMs]. */
export function buildsInPeriod(recent: RecentBuilds, fromMs: number, toMs: number): BuildsInPeriod {
  const inPeriod = recent.finished.filter((b) => finishedMs(b) > fromMs && finishedMs(b) <= toMs);
  const byResult: Record<string, number> = {};
  const jobs = new Map<string, { job: string; total: number; failed: number }>();
  let longest: BuildView | undefined;
  for (const b of inPeriod) {
    byResult[b.result] = (byResult[b.result] ?? 0) + 1;
    const j = jobs.get(b.job) ?? { job: b.job, total: 0, failed: 0 };
    j.total++;
    if (NAMED.has(b.result)) j.failed++;
    jobs.set(b.job, j);
    if (!longest || b.durationMs > longest.durationMs) longest = b;
  }
  const failed = inPeriod
    .filter((b) => NAMED.has(b.result))
    .map((b) => ({ job: b.job, number: b.number, result: b.result, finishedMs: finishedMs(b) }))
    .sort((a, b) => b.finishedMs - a.finishedMs || compareText(a.job, b.job));
  const out: BuildsInPeriod = {
    fromMs, toMs, total: inPeriod.length, byResult, failed,
    perJob: [...jobs.values()].sort((a, b) => b.total - a.total || compareText(a.job, b.job)),
    running: recent.running,
    // Builds older than the oldest one listed were not read; they may have finished in the period.
    cutJobs: recent.cut.filter((c) => c.oldestStartMs > fromMs).map((c) => c.job).sort(),
  };
  if (longest) out.longest = longest;
  return out;
}
