/** Upstream answers (already zod-checked by the clients) → the plain views of a snapshot. Pure functions. */
import type { ComputerSet, JenkinsQueueItem, JenkinsRoot } from '../clients/jenkins/schemas.ts';
import type { App } from '../clients/marathon/schemas.ts';
import type { FrameworksResponse, MetricsSnapshot, SlavesResponse } from '../clients/mesos/schemas.ts';
import type { Srvr } from '../clients/zookeeper/schemas.ts';
import { recentBuildsView } from './build-history.ts';
import type { AgentView, FrameworkView, JenkinsAppView, JenkinsView, MesosTotals, ZooKeeperView } from './snapshot-types.ts';

const RUNNING = new Set(['TASK_RUNNING', 'TASK_STARTING', 'TASK_STAGING']);

/** Totals from `/metrics/snapshot` (a missing counter reads as 0). */
export function totalsView(m: MetricsSnapshot): MesosTotals {
  const n = (k: string) => m[k] ?? 0;
  return {
    elected: n('master/elected') === 1,
    agentsActive: n('master/slaves_active'),
    agentsInactive: n('master/slaves_inactive'),
    cpus: n('master/cpus_total'),
    cpusUsed: n('master/cpus_used'),
    memMb: n('master/mem_total'),
    memUsedMb: n('master/mem_used'),
    diskMb: n('master/disk_total'),
    diskUsedMb: n('master/disk_used'),
    tasksRunning: n('master/tasks_running'),
    tasksStaging: n('master/tasks_staging') + n('master/tasks_starting'),
    frameworksActive: n('master/frameworks_active'),
  };
}

/** Agents from `/master/slaves`; `tasksByAgent` (from frameworks) fills the task counts when known. */
export function agentsView(s: SlavesResponse, tasksByAgent?: ReadonlyMap<string, number>): AgentView[] {
  return s.slaves.map((a) => {
    const since = a.reregistered_time ?? a.registered_time;
    const view: AgentView = {
      id: a.id,
      hostname: a.hostname,
      active: a.active !== false && a.deactivated !== true,
      cpus: a.resources.cpus ?? 0,
      cpusUsed: a.used_resources?.cpus ?? 0,
      memMb: a.resources.mem ?? 0,
      memUsedMb: a.used_resources?.mem ?? 0,
      diskMb: a.resources.disk ?? 0,
      diskUsedMb: a.used_resources?.disk ?? 0,
    };
    if (since !== undefined) view.sinceMs = Math.round(since * 1000);
    if (tasksByAgent) view.tasks = tasksByAgent.get(a.id) ?? 0;
    return view;
  });
}

/** Frameworks plus running tasks per agent id, from `/master/frameworks`. */
export function frameworksView(f: FrameworksResponse): { frameworks: FrameworkView[]; tasksByAgent: Map<string, number> } {
  const tasksByAgent = new Map<string, number>();
  const frameworks = f.frameworks.map((fw) => {
    const live = (fw.tasks ?? []).filter((t) => RUNNING.has(t.state));
    for (const t of live) tasksByAgent.set(t.slave_id, (tasksByAgent.get(t.slave_id) ?? 0) + 1);
    return { name: fw.name, active: fw.active, tasks: live.length };
  });
  return { frameworks, tasksByAgent };
}

/** The Jenkins app on Marathon: instances, health and where its tasks run. */
export function jenkinsAppView(app: App): JenkinsAppView {
  const tasks = (app.tasks ?? []).map((t) => {
    const results = t.healthCheckResults ?? [];
    const task: JenkinsAppView['tasks'][number] = { host: t.host, state: t.state ?? 'TASK_RUNNING' };
    const started = t.startedAt ? Date.parse(t.startedAt) : NaN;
    if (Number.isFinite(started)) task.startedAtMs = started;
    if (results.length > 0) task.healthy = results.every((r) => r.alive);
    return task;
  });
  const view: JenkinsAppView = {
    appId: app.id,
    instances: app.instances ?? tasks.length,
    healthy: app.tasksHealthy ?? tasks.filter((t) => t.healthy === true).length,
    unhealthy: app.tasksUnhealthy ?? tasks.filter((t) => t.healthy === false).length,
    tasks,
  };
  const f = app.lastTaskFailure;
  if (f) {
    const at = f.timestamp ? Date.parse(f.timestamp) : NaN;
    view.lastFailure = { ...(f.host ? { host: f.host } : {}), ...(f.message ? { message: f.message } : {}), ...(Number.isFinite(at) ? { atMs: at } : {}) };
  }
  return view;
}

/** Jenkins executors, nodes, queue, job colours and recent builds. `label` names the Mesos plugin's build agents. */
export function jenkinsView(url: string, root: JenkinsRoot, computers: ComputerSet, queue: JenkinsQueueItem[], label: string): JenkinsView {
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
  const recent = recentBuildsView(jobs);
  if (recent) view.recentBuilds = recent;
  return view;
}

export function zooKeeperView(s: Srvr): ZooKeeperView {
  const view: ZooKeeperView = { mode: s.mode, version: s.version.split(/[-,\s]/)[0] ?? s.version, avgLatencyMs: s.latency.avg, outstanding: s.outstanding, nodeCount: s.nodeCount };
  if (s.connections !== undefined) view.connections = s.connections;
  return view;
}
