/**
 * The digest model: what a digest remembers of the cluster (a {@link DigestRecord}) and what changed since the
 * previous digest of the same schedule. Anything that could not be read is `undefined` and is not shown — a
 * digest says nothing rather than a wrong zero.
 */
import { buildsInPeriod, type BuildsInPeriod } from './build-history.ts';
import type { DigestRecord, UtilSample } from '../core/digest-store.ts';
import type { ClusterSnapshot } from './snapshot-types.ts';

/** An incident in the period (from the watchers, once they exist). */
export interface IncidentNote {
  atMs: number;
  text: string;
  /** Time Jenkins was down in this incident (resolved ones). */
  downtimeMs?: number | undefined;
  /** Jenkins came back on another host. */
  moved?: boolean | undefined;
}

export interface DigestChanges {
  /** When the previous digest of this schedule ran (undefined: this is the first one). */
  sinceMs?: number;
  joined?: string[];
  left?: string[];
  /** The highest utilisation sampled in the period. */
  peak?: UtilSample & { utilisation: number };
  newlyFailing?: string[];
  fixed?: string[];
  queueBefore?: number;
  /** Undefined until an incident source is wired in: then nothing is said about incidents. */
  incidents?: IncidentNote[];
  /** Jenkins builds that finished in the period; undefined when Jenkins (or its build lists) could not be read now. */
  builds?: BuildsInPeriod;
}

export function digestRecord(s: ClusterSnapshot): DigestRecord {
  const rec: DigestRecord = { atMs: s.takenAtMs };
  if (s.mesos.agents.ok) rec.agents = s.mesos.agents.value.filter((a) => a.active).map((a) => a.hostname).sort();
  if (s.jenkins.ok) {
    rec.failingJobs = [...s.jenkins.value.jobs.failing].sort();
    rec.jenkinsQueue = s.jenkins.value.queue;
  }
  return rec;
}

/** The Jenkins builds that finished in (fromMs, snapshot time]; undefined when they could not be read now. */
export function periodBuilds(s: ClusterSnapshot, fromMs: number): BuildsInPeriod | undefined {
  const recent = s.jenkins.ok ? s.jenkins.value.recentBuilds : undefined;
  return recent ? buildsInPeriod(recent, fromMs, s.takenAtMs) : undefined;
}

/** The cluster's utilisation in a snapshot, from `/metrics/snapshot` totals (undefined if not read). */
export function utilSample(s: ClusterSnapshot): UtilSample | undefined {
  if (!s.mesos.totals.ok) return undefined;
  const t = s.mesos.totals.value;
  return { atMs: s.takenAtMs, cpu: t.cpus > 0 ? t.cpusUsed / t.cpus : 0, mem: t.memMb > 0 ? t.memUsedMb / t.memMb : 0 };
}

/**
 * What changed between `prev` and `cur`. `samples` are utilisation samples (any range; only those in the period
 * (prev.atMs, cur.atMs] count). `incidents` stays undefined while no incident source exists.
 */
export function diffDigest(
  prev: DigestRecord | undefined,
  cur: DigestRecord,
  samples: readonly UtilSample[],
  incidents?: readonly IncidentNote[],
): DigestChanges {
  const changes: DigestChanges = {};
  const from = prev?.atMs ?? -Infinity;
  if (prev) changes.sinceMs = prev.atMs;
  if (prev?.agents && cur.agents) {
    const before = new Set(prev.agents), now = new Set(cur.agents);
    changes.joined = cur.agents.filter((h) => !before.has(h));
    changes.left = prev.agents.filter((h) => !now.has(h));
  }
  if (prev?.failingJobs && cur.failingJobs) {
    const before = new Set(prev.failingJobs), now = new Set(cur.failingJobs);
    changes.newlyFailing = cur.failingJobs.filter((j) => !before.has(j));
    changes.fixed = prev.failingJobs.filter((j) => !now.has(j));
  }
  if (prev?.jenkinsQueue !== undefined) changes.queueBefore = prev.jenkinsQueue;
  const peak = peakOf(samples.filter((s) => s.atMs > from && s.atMs <= cur.atMs));
  if (peak) changes.peak = peak;
  if (incidents) changes.incidents = incidents.filter((i) => i.atMs > from && i.atMs <= cur.atMs);
  return changes;
}

function peakOf(samples: readonly UtilSample[]): (UtilSample & { utilisation: number }) | undefined {
  let best: (UtilSample & { utilisation: number }) | undefined;
  for (const s of samples) {
    const utilisation = Math.max(s.cpu, s.mem);
    if (!best || utilisation > best.utilisation) best = { ...s, utilisation };
  }
  return best;
}
