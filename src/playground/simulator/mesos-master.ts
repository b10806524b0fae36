/**
 * The Mesos master's side of tasks and agents: a launched task starts as TASK_STAGING without a status update
 * (Mesos sends none), then TASK_STARTING and TASK_RUNNING; kills end in TASK_KILLED; agents that stop answering
 * pings are removed as unreachable after 15 s × 5 (Mesos `src/master/constants.hpp`), their tasks reported
 * TASK_UNREACHABLE / REASON_SLAVE_REMOVED (`src/tests/partition_tests.cpp` PartitionTest.PartitionedSlave).
 * Every status goes to the framework that owns the task.
 */
import type { SimClock } from './clock.ts';
import type { SimOptions } from './options.ts';
import { addTask, agentLog, count, endTask, type SimAgent, type SimState, type SimTask } from './state.ts';
import { missingImage } from './marathon-apps-images.ts';

/** A Mesos TaskStatus as a framework receives it. */
export interface MesosStatus {
  state: string;
  reason?: string;
  message?: string;
  source?: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  healthy?: boolean;
}

export type FrameworkHandler = (task: SimTask, status: MesosStatus) => void;

/** Default `--agent_ping_timeout` 15 s × `--max_agent_ping_timeouts` 5 (Mesos `src/master/constants.hpp`). */
export const AGENT_PING_TIMEOUT_MS = 15_000 * 5;
/** Default `--agent_reregister_timeout` (10 min): recovered agents that do not come back become unreachable. */
export const AGENT_REREGISTER_TIMEOUT_MS = 600_000;
/** How long a reachable agent takes to find a new leading master and re-register (simulated). */
export const AGENT_REREGISTER_MS = 2000;
/** Executor kill → TASK_KILLED (simulated; `taskKillGracePeriodSeconds` unset). */
export const KILL_MS = 100;

export const TERMINAL = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE',
  'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
]);

export class MesosMaster {
  private readonly handlers = new Map<string, FrameworkHandler>();
  private readonly state: SimState;
  private readonly clock: SimClock;
  private readonly opts: SimOptions;
  /** Called when resources are freed or agents join, so schedulers look at offers again. */
  onOffers: () => void = () => undefined;

  constructor(state: SimState, clock: SimClock, opts: SimOptions) {
    this.state = state;
    this.clock = clock;
    this.opts = opts;
  }

  subscribe(frameworkId: string, fn: FrameworkHandler): void {
    this.handlers.set(frameworkId, fn);
  }

  /** Accepts a launch on an offer: STAGING (silently), then STARTING and RUNNING from the executor. */
  launch(task: SimTask, runAfterMs = this.opts.stageMs): void {
    task.state = 'TASK_STAGING';
    addTask(this.state, task);
    const missing = missingImage(this.state, task);
    if (missing) {
      this.clock.after(runAfterMs / 2, () => this.update(task, missing));
      return;
    }
    this.clock.after(runAfterMs / 2, () => {
      if (task.state === 'TASK_STAGING' && this.reachable(task)) this.update(task, { state: 'TASK_STARTING', source: 'SOURCE_EXECUTOR' });
      this.clock.after(runAfterMs / 2, () => {
        if (task.state === 'TASK_STARTING' && this.reachable(task)) this.update(task, { state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' });
      });
    });
  }

  /** A scheduler's kill: the executor answers TASK_KILLED shortly after (nothing while the agent is away). */
  kill(task: SimTask): void {
    this.clock.after(KILL_MS, () => {
      if (!this.state.tasks.has(task.id) || !this.reachable(task)) return;
      this.update(task, { state: 'TASK_KILLED', source: 'SOURCE_EXECUTOR', message: 'Command terminated with signal Terminated' });
    });
  }

  /** Applies a status (terminal ones free the resources) and forwards it to the task's framework. */
  update(task: SimTask, status: MesosStatus): void {
    if (!this.state.tasks.has(task.id)) return;
    if (status.healthy !== undefined) task.healthy = status.healthy;
    if (TERMINAL.has(status.state)) {
      endTask(this.state, task, status.state);
      this.clock.after(0, () => this.onOffers());
    } else {
      if (status.state === 'TASK_RUNNING' && task.startedAt === undefined) {
        task.startedAt = Date.now();
        task.stdout += 'Running\n';
      }
      task.state = status.state;
    }
    this.handlers.get(task.frameworkId)?.(task, status);
  }

  tasksOn(agent: SimAgent): SimTask[] {
    return [...this.state.tasks.values()].filter((t) => t.agentId === agent.id);
  }

  // ── agents ──────────────────────────────────────────────────────────────────────────────────────────────

  /** The agent process stops: the master sees the socket close (`active: false`), then pings time out. */
  stopAgent(agent: SimAgent): void {
    agent.reachable = false;
    agent.active = false;
    agentLog(agent, 'mesos-slave stopped');
    this.watchPings(agent);
  }

  /** A network partition: the socket stays open, so the agent stays `active: true` until pings time out. */
  partitionAgent(agent: SimAgent): void {
    agent.reachable = false;
    agentLog(agent, 'network partition: pings from the master are lost');
    this.watchPings(agent);
  }

  /** The agent answers again and re-registers with its id: unreachable tasks report TASK_RUNNING again. */
  restoreAgent(agent: SimAgent): void {
    if (agent.status === 'gone') throw new Error(`agent ${agent.id} was marked gone: the master refuses it`);
    const wasUnreachable = agent.status === 'unreachable';
    agent.reachable = true;
    agent.active = true;
    if (agent.status !== 'registered') count(this.state, 'slave_reregistrations');
    agent.status = 'registered';
    this.state.agentsByHost.set(agent.hostname, agent);
    agentLog(agent, `Re-registered with master with agent ID ${agent.id}`);
    if (wasUnreachable) {
      for (const t of this.tasksOn(agent)) if (t.state === 'TASK_UNREACHABLE') this.update(t, { state: 'TASK_RUNNING', source: 'SOURCE_AGENT' });
    }
    this.onOffers();
  }

  /** MARK_AGENT_GONE: tasks become TASK_GONE_BY_OPERATOR (Mesos `src/master/master.cpp` markGone). */
  markGone(agent: SimAgent): void {
    agent.status = 'gone';
    agent.active = false;
    agent.reachable = false;
    agentLog(agent, 'Marked gone by the operator');
    for (const t of this.tasksOn(agent)) {
      this.update(t, { state: 'TASK_GONE_BY_OPERATOR', reason: 'REASON_SLAVE_REMOVED_BY_OPERATOR', source: 'SOURCE_MASTER', message: 'Agent has been marked gone' });
    }
  }

  /** A new leading master recovers agents from the registry; reachable ones re-register shortly after. */
  failover(): void {
    for (const agent of this.state.agents.values()) {
      if (agent.status !== 'registered') continue;
      agent.status = 'recovered';
      this.clock.after(AGENT_REREGISTER_MS, () => {
        if (agent.status === 'recovered' && agent.reachable) {
          agent.status = 'registered';
          agent.active = true;
          count(this.state, 'slave_reregistrations');
          this.onOffers();
        }
      });
      this.clock.after(AGENT_REREGISTER_TIMEOUT_MS, () => {
        if (agent.status === 'recovered') this.markUnreachable(agent);
      });
    }
  }

  private watchPings(agent: SimAgent): void {
    this.clock.after(AGENT_PING_TIMEOUT_MS, () => {
      if (!agent.reachable && agent.status === 'registered') this.markUnreachable(agent);
    });
  }

  /** PartitionTest.PartitionedSlave: the agent is removed as unreachable, its tasks TASK_UNREACHABLE. */
  private markUnreachable(agent: SimAgent): void {
    agent.status = 'unreachable';
    agent.active = false;
    for (const c of ['slave_removals', 'slave_removals/reason_unhealthy', 'slave_unreachable_scheduled', 'slave_unreachable_completed']) {
      count(this.state, c);
    }
    agentLog(agent, 'Removed from the master: health check timed out');
    for (const t of this.tasksOn(agent)) {
      if (TERMINAL.has(t.state)) continue;
      this.update(t, { state: 'TASK_UNREACHABLE', reason: 'REASON_SLAVE_REMOVED', source: 'SOURCE_MASTER', message: 'health check timed out' });
    }
  }

  private reachable(task: SimTask): boolean {
    const a = this.state.agents.get(task.agentId);
    return a !== undefined && a.reachable && a.status === 'registered';
  }
}
