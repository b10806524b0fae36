/**
 * The Jenkins incident state machine (SPEC §7): fed the watched app's signals in any order, it says when Jenkins
 * went down and when it came back, once per transition. Written against what real Marathon 1.8–1.10 emits
 * (shared/reference/MARATHON-FAILOVER.md):
 * - a failed, killed or health-killed task is relaunched as the same instance with incarnation N+1, often on the
 *   same host (no same-host preference either way), so "restarted in place" is as normal as "moved";
 * - agent loss gives TASK_UNREACHABLE and, with the default unreachableStrategy, a brand-new instance;
 * - MESOS_HTTP health arrives as a second TASK_RUNNING with `healthy` set; Marathon-level health as separate events;
 * - a restart deployment kills old tasks on purpose: planned, not an outage.
 * Duplicate, stale (older incarnation, older timestamp) and out-of-order signals change nothing. The state is plain
 * data, so a watcher can keep it in Redis and another replica can carry on from it.
 */
import { isTerminal, parseTaskId, type JenkinsSignal, type TaskStatusSignal } from './signals.ts';

/** How Jenkins' health is known, from the app definition's health checks. */
export type HealthMode = 'marathon' | 'mesos' | 'none';

export interface TrackerOptions {
  health: HealthMode;
  /** A new failure this soon after an incident opened joins it (a flapping Jenkins is one incident). Default 10 min. */
  flapWindowMs?: number;
  /** The app's maxConsecutiveFailures, for the cause of a Marathon health kill (default 3). */
  maxConsecutiveFailures?: number;
}

interface TaskView {
  taskId: string;
  instanceId: string;
  incarnation: number;
  state: string;
  atMs: number;
  host?: string | undefined;
  healthy: boolean | null;
}

export interface Incident {
  /** Dedup key: the first task that went down. Stays the same while the incident is updated in place. */
  id: string;
  state: 'open' | 'resolved';
  planned: boolean;
  /** Times Jenkins went down within this incident (more than 1: flapping). */
  downCount: number;
  firstDownAtMs: number;
  lastDownAtMs: number;
  downHost?: string | undefined;
  cause: string;
  downTaskId: string;
  backHost?: string | undefined;
  backTaskId?: string | undefined;
  resolvedAtMs?: number | undefined;
  /** Sum of the down periods, in ms. */
  downtimeMs: number;
  /** What happened, for the thread. */
  timeline: Array<{ atMs: number; text: string }>;
}

export interface TrackerState {
  tasks: Record<string, TaskView>;
  healthKills: Record<string, string>;
  plannedDeployments: string[];
  incident?: Incident | undefined;
}

export type Transition = { type: 'opened' | 'down-again' | 'resolved'; incident: Incident };

const DEFAULT_FLAP_WINDOW_MS = 10 * 60_000;

export class JenkinsIncidentTracker {
  private readonly opts: Required<TrackerOptions>;
  private s: TrackerState;

  constructor(opts: TrackerOptions, state?: TrackerState) {
    this.opts = { flapWindowMs: DEFAULT_FLAP_WINDOW_MS, maxConsecutiveFailures: 3, ...opts };
    this.s = state ? structuredClone(state) : { tasks: {}, healthKills: {}, plannedDeployments: [] };
  }

  /** A copy of the state, to persist. */
  state(): TrackerState {
    return structuredClone(this.s);
  }

  incident(): Incident | undefined {
    return this.s.incident ? structuredClone(this.s.incident) : undefined;
  }

  /** True when some task of the app runs and (where Jenkins has health checks) is healthy. */
  up(): boolean {
    return Object.values(this.s.tasks).some((t) => this.isUp(t));
  }

  /** Applies one signal; returns the incident transitions it caused (usually none). */
  apply(signal: JenkinsSignal): Transition[] {
    switch (signal.kind) {
      case 'task':
        return this.onTask(signal);
      case 'health':
        return this.onHealth(signal.instanceId, signal.healthy, signal.atMs);
      case 'health-kill':
        this.s.healthKills[signal.taskId] = `killed by Marathon: health check failed ${this.opts.maxConsecutiveFailures} times`;
        return [];
      case 'deployment':
        return this.onDeployment(signal.deploymentId, signal.phase, signal.replacesTasks);
    }
  }

  /**
   * A resync: `tasks` is everything `GET /v2/apps/<id>` lists now. Tasks that were known and are gone ended during
   * a gap in the stream; `lastFailure` (the app's lastTaskFailure) names the cause when it is about one of them.
   */
  reconcile(tasks: readonly TaskStatusSignal[], atMs: number, lastFailure?: { taskId: string; state: string; message?: string | undefined; atMs?: number | undefined }): Transition[] {
    const out: Transition[] = [];
    const listed = new Set(tasks.map((t) => t.taskId));
    for (const view of Object.values(this.s.tasks)) {
      if (listed.has(view.taskId) || isTerminal(view.state)) continue;
      const failure = lastFailure?.taskId === view.taskId ? lastFailure : undefined;
      out.push(...this.onTask({
        kind: 'task', taskId: view.taskId, atMs: Math.max(failure?.atMs ?? atMs, view.atMs + 1), host: view.host,
        state: failure?.state ?? 'TASK_GONE', message: failure?.message ?? 'ended while the event stream was down',
      }));
    }
    // A resync dates tasks by their start; for a task already known, what it says now is news, not history.
    for (const listedTask of tasks) {
      const known = this.s.tasks[listedTask.taskId];
      // A failed task stays listed until its relaunch; lastTaskFailure carries its message.
      const message = listedTask.message ?? (lastFailure?.taskId === listedTask.taskId ? lastFailure.message : undefined);
      const task = { ...listedTask, message };
      out.push(...this.onTask(known ? { ...task, atMs: Math.max(task.atMs, known.atMs) } : task));
    }
    // Forget what Marathon no longer lists, so the state stays small.
    for (const id of Object.keys(this.s.tasks)) if (!listed.has(id)) delete this.s.tasks[id];
    return out;
  }

  private onTask(sig: TaskStatusSignal): Transition[] {
    const { instanceId, incarnation } = parseTaskId(sig.taskId);
    const known = this.s.tasks[sig.taskId];
    if (known && (sig.atMs < known.atMs || (sig.atMs === known.atMs && known.state === sig.state && (sig.healthy === undefined || sig.healthy === known.healthy)))) {
      return []; // stale or duplicate
    }
    // After its end, only the return of its agent (TASK_RUNNING for the same task) brings a task back.
    if (known && isTerminal(known.state) && sig.state !== 'TASK_RUNNING') return [];
    const tasks = Object.values(this.s.tasks);
    if (tasks.some((t) => t.instanceId === instanceId && t.incarnation > incarnation)) return []; // already relaunched
    const out: Transition[] = [];
    // A newer incarnation means the older ones ended, even where that end was missed (a gap in the stream).
    for (const older of tasks.filter((t) => t.instanceId === instanceId && t.incarnation < incarnation)) {
      if (!isTerminal(older.state)) out.push(...this.end(older, 'TASK_GONE', `replaced by ${sig.taskId}`, sig.atMs));
      delete this.s.tasks[older.taskId];
    }
    const view: TaskView = known ?? { taskId: sig.taskId, instanceId, incarnation, state: 'TASK_STAGING', atMs: sig.atMs, healthy: null };
    view.host = sig.host ?? view.host;
    this.s.tasks[sig.taskId] = view;
    if (isTerminal(sig.state)) return [...out, ...this.end(view, sig.state, sig.message, sig.atMs, sig.agentId)];
    const wasUp = this.up();
    Object.assign(view, { state: sig.state, atMs: sig.atMs, healthy: sig.healthy !== undefined ? sig.healthy : view.healthy });
    this.note(sig.atMs, `${sig.taskId} ${sig.state}${view.host ? ` on ${view.host}` : ''}${sig.healthy != null ? ` (healthy: ${sig.healthy})` : ''}`);
    return !wasUp && this.isUp(view) ? [...out, ...this.back(view, sig.atMs)] : out;
  }

  /** A task ended: an outage when it was alive (running or starting) and nothing else is up now. */
  private end(view: TaskView, state: string, message: string | undefined, atMs: number, agentId?: string): Transition[] {
    const wasAlive = !isTerminal(view.state) && view.state !== 'TASK_STAGING';
    Object.assign(view, { state, atMs, healthy: null });
    const cause = this.s.healthKills[view.taskId] ?? causeOf(state, message, view.host ?? agentId);
    delete this.s.healthKills[view.taskId];
    this.note(atMs, `${view.taskId} ${state}${message ? `: ${message}` : ''}${view.host ? ` on ${view.host}` : ''}`);
    return wasAlive && !this.up() ? this.down(view, cause, atMs) : [];
  }

  private onHealth(instanceId: string, healthy: boolean | null, atMs: number): Transition[] {
    const task = Object.values(this.s.tasks).filter((t) => t.instanceId === instanceId).sort((a, b) => b.incarnation - a.incarnation)[0];
    if (!task || task.healthy === healthy) return [];
    const wasUp = this.up();
    task.healthy = healthy;
    this.note(atMs, `${instanceId} ${healthy === null ? 'health unknown' : healthy ? 'healthy' : 'unhealthy'}`);
    return !wasUp && this.isUp(task) ? this.back(task, atMs) : [];
  }

  private onDeployment(id: string, phase: 'started' | 'succeeded' | 'failed', replacesTasks: boolean): Transition[] {
    const planned = this.s.plannedDeployments;
    if (phase === 'started' && replacesTasks && !planned.includes(id)) planned.push(id);
    if (phase !== 'started') this.s.plannedDeployments = planned.filter((d) => d !== id);
    return [];
  }

  private down(task: TaskView, cause: string, atMs: number): Transition[] {
    const planned = this.s.plannedDeployments.length > 0;
    const current = this.s.incident;
    const joins = current && (current.state === 'open' || atMs - current.firstDownAtMs <= this.opts.flapWindowMs);
    if (current && joins) {
      if (current.state === 'open' && current.downTaskId === task.taskId) return [];
      // Down again: a relaunch that failed while still down, or a flapping Jenkins. One incident, with a count.
      if (current.state === 'resolved') current.lastDownAtMs = atMs;
      Object.assign(current, { state: 'open', downCount: current.downCount + 1, cause, downHost: task.host, downTaskId: task.taskId, planned: current.planned && planned });
      this.note(atMs, `Jenkins down again${task.host ? ` on ${task.host}` : ''}: ${cause}`);
      return [{ type: 'down-again', incident: structuredClone(current) }];
    }
    const incident: Incident = {
      id: `incident:${task.taskId}`, state: 'open', planned, downCount: 1, firstDownAtMs: atMs, lastDownAtMs: atMs,
      downHost: task.host, cause, downTaskId: task.taskId, downtimeMs: 0, timeline: [],
    };
    this.s.incident = incident;
    this.note(atMs, `Jenkins down${task.host ? ` on ${task.host}` : ''}: ${cause}`);
    return [{ type: 'opened', incident: structuredClone(incident) }];
  }

  private back(task: TaskView, atMs: number): Transition[] {
    const incident = this.s.incident;
    if (!incident || incident.state !== 'open') return [];
    this.note(atMs, `Jenkins back${task.host ? ` on ${task.host}` : ''} (${task.taskId})`);
    Object.assign(incident, {
      state: 'resolved', backHost: task.host, backTaskId: task.taskId, resolvedAtMs: atMs,
      downtimeMs: incident.downtimeMs + Math.max(0, atMs - incident.lastDownAtMs),
    });
    return [{ type: 'resolved', incident: structuredClone(incident) }];
  }

  private isUp(t: TaskView): boolean {
    return t.state === 'TASK_RUNNING' && (this.opts.health === 'none' || t.healthy === true);
  }

  private note(atMs: number, text: string): void {
    const timeline = this.s.incident?.state === 'open' ? this.s.incident.timeline : undefined;
    if (timeline && timeline.length < 100) timeline.push({ atMs, text });
  }
}

function causeOf(state: string, message: string | undefined, where: string | undefined): string {
  if (state === 'TASK_UNREACHABLE') return `agent ${where ?? 'of the task'} unreachable`;
  if (state === 'TASK_GONE_BY_OPERATOR') return `agent ${where ?? 'of the task'} marked gone by an operator`;
  return message ? `${state}: ${message}` : state;
}
