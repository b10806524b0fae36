/**
 * Did JENKINS_HOME come along? Compares what Jenkins looked like before an incident with what it looks like after
 * (shared/reference/JENKINS-ON-MARATHON.md §6): the job inventory (count and a hash of the names), and
 * the `X-Instance-Identity` key where the instance-identity plugin is installed (a fresh home makes a new key).
 * `X-Jenkins-Session` proves only a restart, so it is not used.
 */
import type { StorageMode } from '../storage-mode.ts';

export interface JenkinsFingerprint {
  jobCount: number;
  /** Hash over the sorted job names; undefined when they could not be read. */
  jobsHash?: string | undefined;
  /** `X-Instance-Identity`, when the plugin is installed. */
  identity?: string | undefined;
}

export type DataVerdict =
  | { cameAlong: true; text: string }
  | { cameAlong: false; text: string }
  | { cameAlong: undefined; text: string };

export function compareFingerprints(
  before: JenkinsFingerprint | undefined,
  after: JenkinsFingerprint | undefined,
  storage?: StorageMode,
  oldHost?: string,
  /** Jenkins came back on another host: a different job list there is another home, not later edits. */
  moved = false,
): DataVerdict {
  if (!before || !after) return { cameAlong: undefined, text: `JENKINS_HOME: not checked (${!before ? 'no reading from before the incident' : 'Jenkins could not be read after it'})` };
  const jobs = `${after.jobCount} of ${before.jobCount} job${before.jobCount === 1 ? '' : 's'}`;
  const identityChanged = before.identity !== undefined && after.identity !== undefined && before.identity !== after.identity;
  const jobsChanged = before.jobsHash !== undefined && after.jobsHash !== undefined && before.jobsHash !== after.jobsHash;
  const lost = identityChanged || after.jobCount < before.jobCount || (moved && jobsChanged);
  if (lost) {
    const why = storage?.kind === 'host-path' ? ` — it is a host path${oldHost ? ` on ${oldHost}` : ''}` : storage?.kind === 'container' ? ' — it has no volume' : '';
    return { cameAlong: false, text: `JENKINS_HOME did NOT come along: ${jobs}${identityChanged ? ', new instance identity' : ''}${why}` };
  }
  return { cameAlong: true, text: `JENKINS_HOME came along: ${jobs}${jobsChanged ? ' (the job list changed since)' : ''}` };
}
