/** Mesos answers (already zod-checked) → the cluster domain's types. Pure functions. */
import type { MesosAgent, MesosAgents, MesosFrameworks, MesosTaskView, SandboxEntry } from '../../cluster/cluster-reader.ts';
import type { MesosTotals } from '../../cluster/snapshot-types.ts';
import type { Agent, FileBrowse, FrameworksResponse, MetricsSnapshot, SlavesResponse } from './schemas.ts';

const RUNNING = new Set(['TASK_RUNNING', 'TASK_STARTING', 'TASK_STAGING']);

/** Totals from `/metrics/snapshot` (a missing counter reads as 0). */
export function toMesosTotals(m: MetricsSnapshot): MesosTotals {
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

/** One `/master/slaves` agent; a missing resource reads as 0. */
export function toMesosAgent(a: Agent): MesosAgent {
  const since = a.reregistered_time ?? a.registered_time;
  const agent: MesosAgent = {
    id: a.id,
    hostname: a.hostname,
    connected: a.active !== false,
    deactivated: a.deactivated === true,
    cpus: a.resources.cpus ?? 0,
    cpusUsed: a.used_resources?.cpus ?? 0,
    memMb: a.resources.mem ?? 0,
    memUsedMb: a.used_resources?.mem ?? 0,
    diskMb: a.resources.disk ?? 0,
    diskUsedMb: a.used_resources?.disk ?? 0,
  };
  if (since !== undefined) agent.sinceMs = Math.round(since * 1000);
  return agent;
}

/** `/master/slaves`: the registered agents, and the hostnames in `recovered_slaves` (after a master failover). */
export function toMesosAgents(s: SlavesResponse): MesosAgents {
  return {
    agents: s.slaves.map(toMesosAgent),
    recovering: recoveringHostnames(s),
  };
}

/** The hostnames in `recovered_slaves` (known from the registry after a master failover, not re-registered yet). */
export function recoveringHostnames(s: Pick<SlavesResponse, 'recovered_slaves'>): string[] {
  return (s.recovered_slaves ?? []).flatMap((a) => {
    const hostname = (a as { hostname?: unknown }).hostname;
    return typeof hostname === 'string' ? [hostname] : [];
  });
}

/** Frameworks plus running tasks per agent id, from `/master/frameworks`. */
export function toMesosFrameworks(f: FrameworksResponse): MesosFrameworks {
  const tasksByAgent = new Map<string, number>();
  const frameworks = f.frameworks.map((fw) => {
    const live = (fw.tasks ?? []).filter((t) => RUNNING.has(t.state));
    for (const t of live) tasksByAgent.set(t.slave_id, (tasksByAgent.get(t.slave_id) ?? 0) + 1);
    return { id: fw.id, name: fw.name, active: fw.active, tasks: live.length };
  });
  return { frameworks, tasksByAgent };
}

/**
 * Where an agent's HTTP API is: the `ip:port` of its `pid` (`slave(1)@10.0.0.2:5051`), as the Mesos web UI's
 * `agentURLPrefix` builds it; the hostname and `port` fields when the pid is missing or unreadable.
 */
export function agentEndpoint(a: Agent): { host: string; port?: number } | undefined {
  const m = /@([^@:\s]+):(\d+)$/.exec(a.pid ?? '');
  if (m?.[1] && m[2]) return { host: m[1], port: Number(m[2]) };
  return a.hostname ? { host: a.hostname, ...(a.port ? { port: a.port } : {}) } : undefined;
}

/** `/files/browse` entries: path and size. */
export function toSandboxEntries(entries: FileBrowse): SandboxEntry[] {
  return entries.map((e) => ({ path: e.path, size: e.size }));
}

/** Every live (non-terminal) task of every framework, with its framework's name. */
export function toMesosTasks(f: FrameworksResponse): MesosTaskView[] {
  return f.frameworks.flatMap((fw) => (fw.tasks ?? []).map((t) => ({ id: t.id, name: t.name, state: t.state, framework: fw.name })));
}
