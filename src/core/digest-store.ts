/**
 * What digests keep between runs (the port; the Redis implementation is src/queue/digest-schedules.ts).
 * A slot may run twice (the process died mid-digest, R17): `baseline` then returns the same baseline as the
 * first run, so the re-run computes the same changes and updates the same message.
 */
/** What one digest stores for the next one to compare with. */
export interface DigestRecord {
  atMs: number;
  /** Active agents' host names, sorted; undefined when `/master/slaves` could not be read. */
  agents?: string[];
  /** Jenkins jobs whose last build failed, sorted; undefined when Jenkins could not be read. */
  failingJobs?: string[];
  jenkinsQueue?: number;
}

/** Cluster-wide utilisation at one moment (shares 0..1), recorded by every status read and digest. */
export interface UtilSample {
  atMs: number;
  cpu: number;
  mem: number;
}


export interface DigestStore {
  /** The record to compare slot `slot` of schedule `id` with (undefined: first digest of the schedule). */
  baseline(id: string, slot: string): Promise<DigestRecord | undefined>;
  /** Stores `record` as the latest of schedule `id`, remembering `baseline` for a re-run of the same slot. */
  commit(id: string, slot: string, record: DigestRecord, baseline: DigestRecord | undefined): Promise<void>;
  /** Forgets a removed schedule's records. */
  forget(id: string): Promise<void>;
  /** Records cluster utilisation (kept 8 days, bounded in count). */
  addSample(sample: UtilSample): Promise<void>;
  /** Samples with fromMs < atMs ≤ toMs, oldest first. */
  samples(fromMs: number, toMs: number): Promise<UtilSample[]>;
}

/** The schedules port (implemented by src/queue/schedulers.ts over BullMQ job schedulers). */
export interface DigestSchedules {
  add(s: { id: string; cron: string; tz?: string; channel: string; userId: string }): Promise<void>;
  list(): Promise<Array<{ id: string; cron: string; tz?: string; channel: string; userId: string; next?: number }>>;
  remove(id: string): Promise<boolean>;
}
