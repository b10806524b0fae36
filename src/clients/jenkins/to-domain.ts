/** Jenkins answers (already zod-checked) → the cluster domain's types. Pure functions. */
import { RECENT_BUILDS_PER_JOB } from '../../cluster/build-history.ts';
import type { JenkinsView, RecentBuilds } from '../../cluster/snapshot-types.ts';
import type { JenkinsBuildState, JenkinsNode, JenkinsQueueEntry } from '../../cluster/cluster-reader.ts';
import type { Build, ComputerSet, JenkinsQueueItem, JenkinsRoot, JobRef } from './schemas.ts';

/** Jenkins executors, nodes, queue, job colours and recent builds. `label` names the Mesos plugin's build agents. */
export function toJenkinsView(url: string, root: JenkinsRoot, computers: ComputerSet, queue: JenkinsQueueItem[], label: string): JenkinsView {
  const jobs = root.jobs ?? [];
  const colour = (j: { color?: string }) => (j.color ?? 'notbuilt').replace(/_anime$/, '');
  const isMesos = (c: ComputerSet['computer'][number]) =>
    /mesos/i.test(c._class ?? '') || (c.assignedLabels ?? []).some((l) => l.name === label && c.jnlpAgent === true);
  const since = queue.map((q) => q.inQueueSince).filter((t): t is number => typeof t === 'number');
  const view: JenkinsView = {
    url,
    executorsTotal: computers.totalExecutors,
    executorsBusy: computers.busyExecutors,
    nodes: computers.computer.length,
    nodesOffline: computers.computer.filter((c) => c.offline).length,
    mesosAgents: computers.computer.filter(isMesos).length,
    queue: queue.length,
    stuck: queue.filter((q) => q.stuck === true).length,
    jobs: {
      total: jobs.length,
      passing: jobs.filter((j) => colour(j) === 'blue').length,
      notBuilt: jobs.filter((j) => ['notbuilt', 'disabled', 'grey'].includes(colour(j))).length,
      failing: jobs.filter((j) => ['red', 'yellow', 'aborted'].includes(colour(j))).map((j) => j.name).sort(),
      building: jobs.filter((j) => (j.color ?? '').endsWith('_anime')).map((j) => j.name).sort(),
    },
  };
  if (since.length > 0) view.oldestQueuedMs = Math.min(...since);
  const recent = toRecentBuilds(jobs);
  if (recent) view.recentBuilds = recent;
  return view;
}

/**
 * The recent builds of the root read's jobs, or undefined when no job carried a `builds` list (the read did
 * not ask for them, or only folders): then nothing is known, which is not the same as "no builds". A job that
 * lists `perJob` builds (default {@link RECENT_BUILDS_PER_JOB}) is cut: older builds were not read.
 */
export function toRecentBuilds(jobs: readonly JobRef[], perJob = RECENT_BUILDS_PER_JOB): RecentBuilds | undefined {
  if (!jobs.some((j) => Array.isArray(j.builds))) return undefined;
  const out: RecentBuilds = { finished: [], running: 0, cut: [] };
  for (const j of jobs) {
    const builds = j.builds ?? [];
    for (const b of builds) {
      if (b.building === true || b.result === null) out.running++;
      else if (typeof b.result === 'string' && b.timestamp !== undefined && b.duration !== undefined) {
        out.finished.push({ job: j.name, number: b.number, result: b.result, startedMs: b.timestamp, durationMs: b.duration });
      }
    }
    const oldest = builds.at(-1)?.timestamp;
    if (builds.length >= perJob && oldest !== undefined) out.cut.push({ job: j.name, oldestStartMs: oldest });
  }
  return out;
}

/** A queue item: the build it became (`executable.number`), or that it was cancelled, or why it waits. */
export function toQueueEntry(item: JenkinsQueueItem): JenkinsQueueEntry {
  return { buildNumber: item.executable?.number, cancelled: item.cancelled === true, why: item.why ?? undefined };
}

export function toBuildState(b: Build): JenkinsBuildState {
  return { building: b.building, result: b.result ?? null, builtOn: b.builtOn ?? '', startedMs: b.timestamp, durationMs: b.duration };
}

export function toJenkinsNodes(c: ComputerSet): JenkinsNode[] {
  return c.computer.map((n) => ({
    name: n.displayName, offline: n.offline, idle: n.idle, labels: (n.assignedLabels ?? []).flatMap((l) => (l.name ? [l.name] : [])),
  }));
}
