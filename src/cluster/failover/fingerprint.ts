/**
 * What Jenkins looks like, for the before/after data check (JENKINS-ON-MARATHON.md §6): its job inventory
 * (`GET /api/json?tree=jobs[name]`, hashed) and its instance identity. Read while Jenkins is healthy (kept as
 * "before") and again once it is back.
 */
import { createHash } from 'node:crypto';
import type { ClusterClients } from '../cluster-reader.ts';
import type { JenkinsFingerprint } from './data-check.ts';

export async function readFingerprint(jenkins: NonNullable<ClusterClients['jenkins']>, signal: AbortSignal): Promise<JenkinsFingerprint> {
  const [root, identity] = await Promise.all([
    jenkins.root({ signal, tree: 'jobs[name]' }),
    // The identity header is a bonus (a detached plugin since 2.356): without it the jobs decide.
    jenkins.instanceIdentity({ signal }).catch(() => undefined),
  ]);
  const names = (root.jobs ?? []).map((j) => j.name).sort();
  return { jobCount: names.length, jobsHash: createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 16), identity };
}
