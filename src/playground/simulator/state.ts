/**
 * The simulator's world: agents, frameworks, tasks, Marathon apps and deployments, Jenkins homes. Resource use
 * per agent is kept incrementally so that 10,000 agents / 100,000 tasks still answer `/master/slaves` fast.
 */
import { randomUUID } from 'node:crypto';

export interface SimAgent {
  id: string;
  hostname: string;
  ip: string;
  cpus: number;
  memMb: number;
  diskMb: number;
  attributes: Record<string, string>;
  /** `active` as `/master/slaves` shows it: false once the agent process is gone, until it re-registers. */
  active: boolean;
  /**
   * The master's view: `registered` (listed in `slaves`), `recovered` (after a master failover, listed in
   * `recovered_slaves` until it re-registers), `unreachable` (ping timeout: listed nowhere), `gone` (MARK_AGENT_GONE).
   */
  status: 'registered' | 'recovered' | 'unreachable' | 'gone';
  /** Its process answers the master's pings (false while stopped or partitioned). */
  reachable: boolean;
  /** Control API: the agent declines every offer, so placement skips it (steering a test). */
  full: boolean;
  registeredAt: number;
  used: { cpus: number; mem: number; disk: number };
  /** Lines of the simulated agent log (bounded). */
  log: string[];
  /**
   * Docker images on the agent, when known: agents set up through the SSH test hosts report what their `docker`
   * shim pulled (marathon-apps-images.ts). Undefined: not tracked, every image counts as present.
   */
  images?: Set<string>;
}

export interface SimFramework {
  id: string;
  name: string;
  hostname: string;
  webuiUrl: string;
  registeredAt: number;
  active: boolean;
}

export interface HealthResult {
  alive: boolean;
  consecutiveFailures: number;
  firstSuccess: string | null;
  lastSuccess: string | null;
  lastFailure: string | null;
  lastFailureCause: string | null;
}

export interface SimTask {
  id: string;
  instanceId: string;
  name: string;
  frameworkId: string;
  /** Marathon app id ("/jenkins"), absent for Jenkins-plugin and generated tasks. */
  appId?: string;
  agentId: string;
  state: string;
  cpus: number;
  mem: number;
  disk: number;
  ports: number[];
  stagedAt: number;
  startedAt?: number;
  version: string;
  /** Marathon's health-check result for this task (Marathon-level probes, or MESOS_* results it was sent). */
  health?: HealthResult;
  /** `healthy` of the latest Mesos status (MESOS_* checks only; undefined: no health information). */
  healthy?: boolean;
  /** Consecutive failures the executor's MESOS_* health checker has counted. */
  mesosHealthFailures?: number;
  /** Tests make a task's health check fail with the control API. */
  failHealth?: boolean;
  stdout: string;
  stderr: string;
  /** The Docker image of a Docker-container task (checked against the agent's images at launch). */
  image?: string;
}

export interface SimApp {
  id: string;
  definition: Record<string, unknown>;
  version: string;
  lastScalingAt: string;
  lastConfigChangeAt: string;
  lastTaskFailure?: Record<string, unknown>;
}

export interface SimDeployment {
  id: string;
  version: string;
  affectedApps: string[];
  actions: Array<{ action: string; app: string }>;
}

export interface SimService {
  name: string;
  files: Record<string, string>;
  startedAt: string;
  ok: boolean;
  reason?: string;
}

export interface SimState {
  clusterId: string;
  agents: Map<string, SimAgent>;
  agentsByHost: Map<string, SimAgent>;
  frameworks: Map<string, SimFramework>;
  tasks: Map<string, SimTask>;
  /** Tasks that ended, newest last (bounded), for Mesos `completed_tasks`. */
  completed: SimTask[];
  apps: Map<string, SimApp>;
  deployments: Map<string, SimDeployment>;
  services: Map<string, SimService>;
  startedAt: number;
  /** Mesos master counters (`master/tasks_<state>`, `master/slave_*`), by lower-case suffix. */
  counters: Record<string, number>;
}

export function createState(): SimState {
  return {
    clusterId: randomUUID(),
    agents: new Map(),
    agentsByHost: new Map(),
    frameworks: new Map(),
    tasks: new Map(),
    completed: [],
    apps: new Map(),
    deployments: new Map(),
    services: new Map(),
    startedAt: Date.now(),
    counters: {},
  };
}

let agentSeq = 0;

export function addAgent(
  state: SimState,
  a: { hostname: string; ip: string; cpus: number; memMb: number; diskMb: number; attributes?: Record<string, string> },
): SimAgent {
  const agent: SimAgent = {
    id: `${state.clusterId}-S${agentSeq++}`,
    hostname: a.hostname,
    ip: a.ip,
    cpus: a.cpus,
    memMb: a.memMb,
    diskMb: a.diskMb,
    attributes: a.attributes ?? {},
    active: true,
    status: 'registered',
    reachable: true,
    full: false,
    registeredAt: Date.now() / 1000,
    used: { cpus: 0, mem: 0, disk: 0 },
    log: [],
  };
  state.agents.set(agent.id, agent);
  state.agentsByHost.set(agent.hostname, agent);
  return agent;
}

export function addFramework(state: SimState, name: string, hostname: string, webuiUrl: string): SimFramework {
  const fw: SimFramework = {
    id: `${state.clusterId}-${String(state.frameworks.size).padStart(4, '0')}`,
    name,
    hostname,
    webuiUrl,
    registeredAt: Date.now() / 1000,
    active: true,
  };
  state.frameworks.set(fw.id, fw);
  return fw;
}

export function frameworkByName(state: SimState, name: string): SimFramework {
  for (const fw of state.frameworks.values()) if (fw.name === name) return fw;
  throw new Error(`no framework ${name}`);
}

/** Adds a task and books its resources on the agent. */
export function addTask(state: SimState, task: SimTask): SimTask {
  state.tasks.set(task.id, task);
  const agent = state.agents.get(task.agentId);
  if (agent) {
    agent.used.cpus += task.cpus;
    agent.used.mem += task.mem;
    agent.used.disk += task.disk;
  }
  return task;
}

/** Removes a task in a terminal state, frees its resources and keeps it in `completed`. */
export function endTask(state: SimState, task: SimTask, finalState: string): void {
  if (!state.tasks.delete(task.id)) return;
  task.state = finalState;
  freeResources(state, task);
  count(state, `tasks_${finalState.replace(/^TASK_/, '').toLowerCase()}`);
  state.completed.push(task);
  if (state.completed.length > 200) state.completed.shift();
}

export function count(state: SimState, name: string, by = 1): void {
  state.counters[name] = (state.counters[name] ?? 0) + by;
}

/** Frees a task's resources on its agent (terminal task, or its agent left the cluster). */
export function freeResources(state: SimState, task: SimTask): void {
  const agent = state.agents.get(task.agentId);
  if (!agent) return;
  agent.used.cpus = Math.max(0, agent.used.cpus - task.cpus);
  agent.used.mem = Math.max(0, agent.used.mem - task.mem);
  agent.used.disk = Math.max(0, agent.used.disk - task.disk);
}

export function agentLog(agent: SimAgent, line: string): void {
  agent.log.push(`${new Date().toISOString()} ${line}`);
  if (agent.log.length > 200) agent.log.shift();
}

/** Marathon's safe id: "/group/app" → "group_app". */
export function safeAppId(appId: string): string {
  return appId.replace(/^\//, '').replaceAll('/', '_');
}

export function isoNow(): string {
  return new Date().toISOString();
}
