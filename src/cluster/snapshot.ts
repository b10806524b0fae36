/**
 * `takeSnapshot`: reads Mesos, Marathon, Jenkins and ZooKeeper in parallel, each under its own deadline, and
 * returns every part either read or with the reason it could not be. Never reads `/master/state`: totals come
 * from `/metrics/snapshot`, agents from `/master/slaves`, and `/master/frameworks` (which carries every task)
 * only when the metrics say the cluster is small.
 */
import type { ClusterReader, MesosFrameworks, MesosReader } from './cluster-reader.ts';
import { withChildSignal } from '../core/abort.ts';
import { notRead, readPart } from './read-part.ts';
import type { ClusterSnapshot, Part } from './snapshot-types.ts';
import { agentsView, jenkinsAppView } from './views.ts';

/** Above this many live tasks `/master/frameworks` is not read (it grows with every task; ~45 MB at 100,000). */
export const FRAMEWORKS_MAX_TASKS = 2000;

export interface SnapshotOptions {
  /** Label of the Jenkins Mesos plugin's build agents (config `jenkins.label`, default `mesos`). */
  jenkinsLabel: string;
  now?: () => number;
  signal?: AbortSignal;
}

/** One parallel read of everything configured. Resolves within the largest per-upstream timeout. */
export async function takeSnapshot(reader: ClusterReader, opts: SnapshotOptions): Promise<ClusterSnapshot> {
  const now = opts.now ?? Date.now;
  const [mesos, jenkinsApp, jenkins, zookeeper] = await Promise.all([
    readMesos(reader, opts.signal),
    readJenkinsApp(reader, opts.signal),
    readJenkins(reader, opts.jenkinsLabel, opts.signal),
    readZooKeeper(reader, opts.signal),
  ]);
  return { takenAtMs: now(), mesos, jenkinsApp, jenkins, zookeeper };
}

async function readMesos(reader: ClusterReader, parent?: AbortSignal): Promise<ClusterSnapshot['mesos']> {
  const m = reader.mesos;
  if (!m) {
    const off = notRead('not_configured', 'not configured (cluster.mesos.urls / MESOS_URL)');
    return { leader: off, version: off, totals: off, agents: off, frameworks: off };
  }
  const ms = reader.timeoutsMs.mesos;
  return withChildSignal(parent, ms, (signal) => readMesosParts(m, signal, ms));
}

async function readMesosParts(m: MesosReader, signal: AbortSignal, ms: number): Promise<ClusterSnapshot['mesos']> {
  // The leader is resolved first so the parallel reads below do not each race to resolve it.
  const leader = await readPart(() => m.leader({ signal }), signal, ms);
  if (!leader.ok) return { leader, version: leader, totals: leader, agents: leader, frameworks: leader };
  const totalsRead = readPart(() => m.totals({ signal }), signal, ms);
  const [version, totals, slaves, frameworks] = await Promise.all([
    readPart(() => m.version({ signal }), signal, ms),
    totalsRead,
    readPart(() => m.agents({ signal }), signal, ms),
    totalsRead.then((t) => readFrameworks(m, t, signal, ms)),
  ]);
  const agents = slaves.ok
    ? { ok: true as const, value: agentsView(slaves.value.agents, frameworks.ok ? frameworks.value.tasksByAgent : undefined) }
    : slaves;
  const fw = frameworks.ok ? { ok: true as const, value: frameworks.value.frameworks.map(({ name, active, tasks }) => ({ name, active, tasks })) } : frameworks;
  return { leader, version, totals, agents, frameworks: fw };
}

async function readFrameworks(
  m: MesosReader,
  totals: Part<{ tasksRunning: number; tasksStaging: number }>,
  signal: AbortSignal,
  ms: number,
): Promise<Part<MesosFrameworks>> {
  if (!totals.ok) return notRead('skipped', 'not read: task count unknown');
  const live = totals.value.tasksRunning + totals.value.tasksStaging;
  if (live > FRAMEWORKS_MAX_TASKS) return notRead('skipped', `not read: ${live.toLocaleString('en-US')} tasks is too many to list`);
  return readPart(() => m.frameworks({ signal }), signal, ms);
}

async function readJenkinsApp(reader: ClusterReader, parent?: AbortSignal): Promise<ClusterSnapshot['jenkinsApp']> {
  const m = reader.marathon;
  if (!m) return notRead('not_configured', 'not configured (cluster.marathon.urls / MARATHON_URL)');
  const ms = reader.timeoutsMs.marathon;
  return withChildSignal(parent, ms, (signal) => readPart(async () => jenkinsAppView(await m.app(m.jenkinsAppId, { signal })), signal, ms));
}

async function readJenkins(reader: ClusterReader, label: string, parent?: AbortSignal): Promise<ClusterSnapshot['jenkins']> {
  const j = reader.jenkins;
  if (!j) return notRead('not_configured', 'not configured (cluster.jenkins.url / JENKINS_URL)');
  const ms = reader.timeoutsMs.jenkins;
  return withChildSignal(parent, ms, (signal) => readPart(() => j.status({ signal, mesosLabel: label }), signal, ms));
}

async function readZooKeeper(reader: ClusterReader, parent?: AbortSignal): Promise<ClusterSnapshot['zookeeper']> {
  const ms = reader.timeoutsMs.zookeeper;
  return Promise.all(
    reader.zookeeper.map(async (z) => ({
      address: z.address,
      part: await withChildSignal(parent, ms, (signal) => readPart(() => z.srvr({ signal }), signal, ms)),
    })),
  );
}
