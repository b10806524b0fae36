/**
 * JSON views of the Mesos master as v0 endpoints serve them (`/master/slaves`, `/master/frameworks`,
 * `/master/state`, `/metrics/snapshot`, `/version`), in Mesos 1.x field names.
 */
import type { SimAgent, SimFramework, SimState, SimTask } from './state.ts';

export const MESOS_VERSION = '1.11.0';

export interface MasterInfo {
  /** "127.0.0.1:5050" of this master and of the leader (undefined: no leader elected). */
  self: string;
  leader: string | undefined;
  hostname: string;
  /** Port every agent's HTTP (files) is served on. */
  agentPort: number;
  startedAt: number;
  electedAt: number;
}

const res = (cpus: number, mem: number, disk: number, ports?: string) =>
  ports === undefined ? { cpus, mem, disk, gpus: 0 } : { cpus, mem, disk, gpus: 0, ports };

/** Mesos range notation for a list of ports: [8080, 50000] → "[8080-8080, 50000-50000]". */
export function portRanges(ports: number[]): string {
  return `[${[...ports].sort((x, y) => x - y).map((p) => `${p}-${p}`).join(', ')}]`;
}

/** Ports held on each agent, in one pass over the tasks. */
export function portsByAgent(state: SimState): Map<string, number[]> {
  const by = new Map<string, number[]>();
  for (const t of state.tasks.values()) {
    if (t.ports.length === 0) continue;
    const list = by.get(t.agentId) ?? [];
    list.push(...t.ports);
    by.set(t.agentId, list);
  }
  return by;
}

export function slaveView(a: SimAgent, agentPort: number, usedPorts: number[] = []): Record<string, unknown> {
  return {
    id: a.id,
    pid: `slave(1)@${a.ip}:${agentPort}`,
    hostname: a.hostname,
    port: agentPort,
    registered_time: a.registeredAt,
    resources: res(a.cpus, a.memMb, a.diskMb, '[31000-32000]'),
    used_resources: res(a.used.cpus, a.used.mem, a.used.disk, portRanges(usedPorts)),
    offered_resources: res(0, 0, 0),
    reserved_resources: {},
    unreserved_resources: res(a.cpus, a.memMb, a.diskMb, '[31000-32000]'),
    attributes: a.attributes,
    active: a.active,
    deactivated: !a.active,
    version: MESOS_VERSION,
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
  };
}

export function mesosTaskView(t: SimTask, agent: SimAgent | undefined): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    framework_id: t.frameworkId,
    executor_id: '',
    slave_id: t.agentId,
    state: t.state,
    resources: res(t.cpus, t.mem, t.disk, portRanges(t.ports)),
    role: '*',
    statuses: [
      {
        state: t.state,
        timestamp: (t.startedAt ?? t.stagedAt) / 1000,
        ...(t.healthy !== undefined ? { healthy: t.healthy } : {}),
        container_status: {
          network_infos: [{ ip_address: agent?.ip ?? '127.0.0.1', ip_addresses: [{ ip_address: agent?.ip ?? '127.0.0.1' }] }],
        },
      },
    ],
  };
}

export function frameworkView(state: SimState, fw: SimFramework, tasks: SimTask[]): Record<string, unknown> {
  const used = tasks.reduce((u, t) => ((u.cpus += t.cpus), (u.mem += t.mem), (u.disk += t.disk), u), {
    cpus: 0,
    mem: 0,
    disk: 0,
  });
  const ports = portRanges(tasks.flatMap((t) => t.ports));
  return {
    id: fw.id,
    name: fw.name,
    pid: `scheduler-${fw.id}@${fw.hostname}`,
    hostname: fw.hostname,
    webui_url: fw.webuiUrl,
    user: 'root',
    role: '*',
    principal: fw.name,
    active: fw.active,
    connected: fw.active,
    recovered: false,
    checkpoint: true,
    failover_timeout: 604800,
    capabilities: ['PARTITION_AWARE'],
    registered_time: fw.registeredAt,
    reregistered_time: fw.registeredAt,
    unregistered_time: 0,
    resources: res(used.cpus, used.mem, used.disk, ports),
    used_resources: res(used.cpus, used.mem, used.disk, ports),
    offered_resources: res(0, 0, 0),
    tasks: tasks.filter((t) => t.state !== 'TASK_UNREACHABLE').map((t) => mesosTaskView(t, state.agents.get(t.agentId))),
    completed_tasks: state.completed
      .filter((t) => t.frameworkId === fw.id)
      .map((t) => mesosTaskView(t, state.agents.get(t.agentId))),
    // PartitionTest.PartitionedSlave: tasks of an unreachable agent move from `tasks` to `unreachable_tasks`.
    unreachable_tasks: tasks.filter((t) => t.state === 'TASK_UNREACHABLE').map((t) => mesosTaskView(t, state.agents.get(t.agentId))),
    offers: [],
    executors: [],
  };
}

/** Tasks grouped by framework in one pass (100,000 tasks must stay cheap). */
export function tasksByFramework(state: SimState): Map<string, SimTask[]> {
  const by = new Map<string, SimTask[]>();
  for (const t of state.tasks.values()) {
    let list = by.get(t.frameworkId);
    if (!list) by.set(t.frameworkId, (list = []));
    list.push(t);
  }
  return by;
}

export function frameworksView(state: SimState): Record<string, unknown> {
  const by = tasksByFramework(state);
  return {
    frameworks: [...state.frameworks.values()].map((fw) => frameworkView(state, fw, by.get(fw.id) ?? [])),
    completed_frameworks: [],
    unregistered_frameworks: [],
  };
}

export function versionView(): Record<string, unknown> {
  return {
    version: MESOS_VERSION,
    build_date: '2020-11-19 15:31:00',
    build_time: 1605799860,
    build_user: 'sim',
    git_sha: '0000000000000000000000000000000000000000',
    git_tag: MESOS_VERSION,
  };
}

/** A recovered agent as `recovered_slaves` lists it (its SlaveInfo, no `active`). */
export function recoveredView(a: SimAgent, agentPort: number): Record<string, unknown> {
  return { id: a.id, hostname: a.hostname, port: agentPort, resources: res(a.cpus, a.memMb, a.diskMb, '[31000-32000]'), attributes: a.attributes };
}

export function stateView(state: SimState, m: MasterInfo): Record<string, unknown> {
  const all = [...state.agents.values()];
  const agents = all.filter((a) => a.status === 'registered');
  const held = portsByAgent(state);
  return {
    ...versionView(),
    start_time: m.startedAt / 1000,
    elected_time: m.electedAt / 1000,
    id: `${state.clusterId}-master`,
    pid: `master@${m.self}`,
    hostname: m.hostname,
    activated_slaves: agents.filter((a) => a.active).length,
    deactivated_slaves: agents.filter((a) => !a.active).length,
    unreachable_slaves: all.filter((a) => a.status === 'unreachable').length,
    leader: m.leader ? `master@${m.leader}` : undefined,
    cluster: 'ci',
    log_dir: '/var/log/mesos',
    flags: { cluster: 'ci', hostname: m.hostname, port: m.self.split(':')[1], quorum: '1', work_dir: '/var/lib/mesos', zk: '' },
    slaves: agents.map((a) => slaveView(a, m.agentPort, held.get(a.id))),
    ...frameworksView(state),
    orphan_tasks: [],
  };
}
