/** Domain readings (mapped from the wire by the clients) → the plain views of a snapshot. Pure functions. */
import type { MarathonApp, MesosAgent } from './cluster-reader.ts';
import { storageModeOf } from './storage-mode.ts';
import type { AgentView, JenkinsAppView } from './snapshot-types.ts';

/** Agents as `/ci agents` shows them: active = connected and not deactivated; `tasksByAgent` fills the task counts when known. */
export function agentsView(agents: readonly MesosAgent[], tasksByAgent?: ReadonlyMap<string, number>): AgentView[] {
  return agents.map((a) => {
    const view: AgentView = {
      id: a.id,
      hostname: a.hostname,
      active: a.connected && !a.deactivated,
      cpus: a.cpus,
      cpusUsed: a.cpusUsed,
      memMb: a.memMb,
      memUsedMb: a.memUsedMb,
      diskMb: a.diskMb,
      diskUsedMb: a.diskUsedMb,
    };
    if (a.sinceMs !== undefined) view.sinceMs = a.sinceMs;
    if (tasksByAgent) view.tasks = tasksByAgent.get(a.id) ?? 0;
    return view;
  });
}

/** The Jenkins app on Marathon: instances, health, where its tasks run and where JENKINS_HOME lives. */
export function jenkinsAppView(app: MarathonApp): JenkinsAppView {
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
    storage: storageModeOf({ ...app, container: app.container ?? undefined }),
  };
  const f = app.lastTaskFailure;
  if (f) {
    const at = f.timestamp ? Date.parse(f.timestamp) : NaN;
    view.lastFailure = { ...(f.host ? { host: f.host } : {}), ...(f.message ? { message: f.message } : {}), ...(Number.isFinite(at) ? { atMs: at } : {}) };
  }
  return view;
}
