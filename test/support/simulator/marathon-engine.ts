/**
 * Marathon's scheduler as seen from outside: apps keep their instance count; tasks are placed by resources and
 * constraints, go STAGING → RUNNING → healthy, and are replaced (preferably on another agent) when they fail, are
 * killed or their agent is lost — emitting the events a real Marathon emits, in that order.
 */
import { randomUUID } from 'node:crypto';
import type { SimClock } from './clock.ts';
import type { EventBus } from './events.ts';
import type { SimOptions } from './options.ts';
import { place } from './placement.ts';
import { HealthChecker } from './health.ts';
import { normalizeApp } from './app-definition.ts';
import {
  addTask,
  endTask,
  isoNow,
  safeAppId,
  type SimAgent,
  type SimApp,
  type SimDeployment,
  type SimFramework,
  type SimState,
  type SimTask,
} from './state.ts';

const CONDITION: Record<string, string> = {
  TASK_STAGING: 'Staging',
  TASK_STARTING: 'Starting',
  TASK_RUNNING: 'Running',
  TASK_KILLED: 'Killed',
  TASK_FAILED: 'Failed',
  TASK_FINISHED: 'Finished',
  TASK_ERROR: 'Error',
  TASK_UNREACHABLE: 'Unreachable',
  TASK_LOST: 'Unreachable',
  TASK_GONE: 'Gone',
  TASK_DROPPED: 'Dropped',
};

export class MarathonEngine {
  readonly queue = new Map<string, { count: number; since: string }>();
  readonly health: HealthChecker;
  private readonly listeners: Array<(task: SimTask) => void> = [];

  readonly state: SimState;
  readonly bus: EventBus;
  readonly clock: SimClock;
  readonly opts: SimOptions;
  readonly framework: SimFramework;

  constructor(state: SimState, bus: EventBus, clock: SimClock, opts: SimOptions, framework: SimFramework) {
    this.state = state;
    this.bus = bus;
    this.clock = clock;
    this.opts = opts;
    this.framework = framework;
    this.health = new HealthChecker(this);
  }

  /** Called on every task state change (the Jenkins model follows its app this way). */
  onTaskChange(fn: (task: SimTask) => void): void {
    this.listeners.push(fn);
  }

  tasksOf(appId: string): SimTask[] {
    return [...this.state.tasks.values()].filter((t) => t.appId === appId);
  }

  createApp(
    definition: Record<string, unknown>,
    clientIp = '127.0.0.1',
    prefer?: (a: SimAgent) => boolean,
  ): { app: SimApp; deployment: SimDeployment } {
    const version = isoNow();
    const app: SimApp = {
      id: String(definition.id),
      definition: normalizeApp(definition, version),
      version,
      lastScalingAt: version,
      lastConfigChangeAt: version,
    };
    this.state.apps.set(app.id, app);
    this.bus.emit('api_post_event', { clientIp, uri: `/v2/apps${app.id}`, appDefinition: postedDefinition(app) });
    this.bus.emit('group_change_success', { groupId: '/', version });
    const deployment = this.startDeployment(app, 'StartApplication');
    this.reconcile(app, prefer);
    return { app, deployment };
  }

  /** Applies a (partial) update: scale changes launch or kill; config changes restart every task. */
  updateApp(app: SimApp, patch: Record<string, unknown>, clientIp = '127.0.0.1'): SimDeployment {
    const onlyScale = Object.keys(patch).every((k) => k === 'instances' || k === 'id');
    const version = isoNow();
    app.definition = normalizeApp({ ...app.definition, ...patch, id: app.id }, version);
    app.version = version;
    app.lastScalingAt = version;
    if (!onlyScale) app.lastConfigChangeAt = version;
    this.bus.emit('api_post_event', { clientIp, uri: `/v2/apps${app.id}`, appDefinition: postedDefinition(app) });
    this.bus.emit('group_change_success', { groupId: '/', version });
    const deployment = this.startDeployment(app, onlyScale ? 'ScaleApplication' : 'RestartApplication');
    if (!onlyScale) for (const t of this.tasksOf(app.id)) this.endAndEmit(t, 'TASK_KILLED', 'Killed by a deployment');
    this.reconcile(app);
    return deployment;
  }

  deleteApp(app: SimApp): SimDeployment {
    const deployment = this.startDeployment(app, 'StopApplication');
    this.state.apps.delete(app.id);
    this.queue.delete(app.id);
    for (const t of this.tasksOf(app.id)) this.endAndEmit(t, 'TASK_KILLED', 'Killed: app deleted');
    this.bus.emit('app_terminated_event', { appId: app.id });
    this.finishDeployment(deployment);
    return deployment;
  }

  /** Kills a task (API or control). With `scale` the app shrinks instead of being replaced. */
  killTask(task: SimTask, opts: { scale?: boolean; state?: string; message?: string } = {}): void {
    const app = task.appId ? this.state.apps.get(task.appId) : undefined;
    if (app && opts.scale) {
      app.definition.instances = Math.max(0, Number(app.definition.instances) - 1);
    }
    this.endAndEmit(task, opts.state ?? 'TASK_KILLED', opts.message ?? 'Killed by request');
    if (app && !opts.scale) this.relaunchLater(app, task.agentId);
  }

  /** The agent is gone: its tasks become unreachable (partition-aware Marathon) and are replaced elsewhere. */
  loseAgent(agent: SimAgent): void {
    agent.active = false;
    for (const t of [...this.state.tasks.values()]) {
      if (t.agentId !== agent.id || !t.appId) continue;
      this.killTask(t, { state: this.opts.lostTaskState, message: 'Agent removed: health check timed out' });
    }
  }

  /** Starts missing instances (or kills extras); what cannot be placed waits in `/v2/queue`. */
  reconcile(app: SimApp, prefer?: (a: SimAgent) => boolean): void {
    if (!this.state.apps.has(app.id)) return;
    const want = Number(app.definition.instances ?? 1);
    const tasks = this.tasksOf(app.id);
    for (const extra of tasks.slice(want).reverse()) this.endAndEmit(extra, 'TASK_KILLED', 'Killed: scaled down');
    let missing = want - Math.min(tasks.length, want);
    while (missing > 0 && this.launch(app, prefer)) missing--;
    if (missing > 0) this.queue.set(app.id, { count: missing, since: this.queue.get(app.id)?.since ?? isoNow() });
    else this.queue.delete(app.id);
    this.checkDeployments();
  }

  /** Retries queued launches (after an agent joins or frees resources). */
  retryQueue(): void {
    for (const appId of [...this.queue.keys()]) {
      const app = this.state.apps.get(appId);
      if (app) this.reconcile(app);
    }
  }

  /** Ends a task, emits status + instance events, books the failure on the app. */
  endAndEmit(task: SimTask, state: string, message: string): void {
    if (!this.state.tasks.has(task.id)) return;
    endTask(this.state, task, state);
    this.health.forget(task.id);
    const app = task.appId ? this.state.apps.get(task.appId) : undefined;
    if (app && state !== 'TASK_FINISHED') {
      const agent = this.state.agents.get(task.agentId);
      app.lastTaskFailure = {
        appId: app.id,
        host: agent?.hostname ?? '',
        message,
        state,
        taskId: task.id,
        timestamp: isoNow(),
        version: task.version,
        slaveId: task.agentId,
      };
    }
    this.emitStatus(task, message);
    this.notify(task);
  }

  emitStatus(task: SimTask, message = ''): void {
    const agent = this.state.agents.get(task.agentId);
    const host = agent?.hostname ?? '';
    this.bus.emit('status_update_event', {
      slaveId: task.agentId,
      taskId: task.id,
      taskStatus: task.state,
      message,
      appId: task.appId,
      host,
      ipAddresses: [{ ipAddress: agent?.ip ?? '127.0.0.1', protocol: 'IPv4' }],
      ports: task.ports,
      version: task.version,
    });
    this.bus.emit('instance_changed_event', {
      instanceId: task.instanceId,
      condition: CONDITION[task.state] ?? 'Unknown',
      runSpecId: task.appId,
      agentId: task.agentId,
      host,
      runSpecVersion: task.version,
    });
  }

  notify(task: SimTask): void {
    for (const fn of this.listeners) fn(task);
  }

  /** Marks deployments done once their apps run the wanted number of (healthy) tasks. */
  checkDeployments(): void {
    for (const d of [...this.state.deployments.values()]) {
      const done = d.affectedApps.every((id) => {
        const app = this.state.apps.get(id);
        if (!app) return true;
        const want = Number(app.definition.instances ?? 1);
        const checks = (app.definition.healthChecks as unknown[] | undefined)?.length ?? 0;
        const ready = this.tasksOf(id).filter((t) => t.state === 'TASK_RUNNING' && (checks === 0 || t.health?.alive));
        return ready.length === want && this.tasksOf(id).length === want;
      });
      if (done) this.finishDeployment(d);
    }
  }

  private relaunchLater(app: SimApp, failedAgentId: string): void {
    const backoff = Number(app.definition.backoffSeconds ?? 1) * 1000;
    this.clock.after(Math.max(this.opts.relaunchDelayMs, backoff), () =>
      this.reconcile(app, (a) => a.id !== failedAgentId),
    );
  }

  private launch(app: SimApp, prefer?: (a: SimAgent) => boolean): boolean {
    const def = app.definition;
    const req = {
      cpus: Number(def.cpus ?? 1),
      mem: Number(def.mem ?? 128),
      disk: Number(def.disk ?? 0),
      constraints: (def.constraints as string[][] | undefined) ?? [],
      siblings: this.tasksOf(app.id),
      ...(prefer ? { prefer } : {}),
    };
    const agent = place(this.state.agents, req);
    if (!agent) return false;
    const uuid = randomUUID();
    const instanceId = `${safeAppId(app.id)}.marathon-${uuid}`;
    const task: SimTask = {
      id: `${instanceId}._app.1`,
      instanceId,
      name: safeAppId(app.id),
      frameworkId: this.framework.id,
      appId: app.id,
      agentId: agent.id,
      state: 'TASK_STAGING',
      cpus: req.cpus,
      mem: req.mem,
      disk: req.disk,
      ports: portsFor(def),
      stagedAt: Date.now(),
      version: app.version,
      stdout: `Starting ${app.id} on ${agent.hostname}\n`,
      stderr: '',
    };
    addTask(this.state, task);
    this.emitStatus(task);
    this.notify(task);
    this.clock.after(this.opts.stageMs, () => this.run(task));
    return true;
  }

  private run(task: SimTask): void {
    if (!this.state.tasks.has(task.id)) return;
    task.state = 'TASK_RUNNING';
    task.startedAt = Date.now();
    task.stdout += 'Running\n';
    this.emitStatus(task);
    this.notify(task);
    const app = task.appId ? this.state.apps.get(task.appId) : undefined;
    if (app) this.health.start(app, task);
    this.checkDeployments();
  }

  private startDeployment(app: SimApp, action: string): SimDeployment {
    for (const d of this.state.deployments.values()) {
      if (d.affectedApps.includes(app.id)) this.state.deployments.delete(d.id);
    }
    const d: SimDeployment = { id: randomUUID(), version: app.version, affectedApps: [app.id], actions: [{ action, app: app.id }] };
    this.state.deployments.set(d.id, d);
    this.bus.emit('deployment_info', { plan: plan(d), currentStep: { actions: d.actions } });
    return d;
  }

  private finishDeployment(d: SimDeployment): void {
    if (!this.state.deployments.delete(d.id)) return;
    this.bus.emit('deployment_step_success', { plan: plan(d), currentStep: { actions: d.actions } });
    this.bus.emit('deployment_success', { id: d.id, plan: plan(d) });
  }
}

/** `api_post_event.appDefinition`: the normalized definition with its versionInfo. */
function postedDefinition(app: SimApp): Record<string, unknown> {
  return { ...app.definition, versionInfo: { lastScalingAt: app.lastScalingAt, lastConfigChangeAt: app.lastConfigChangeAt } };
}

function plan(d: SimDeployment): Record<string, unknown> {
  return { id: d.id, steps: [{ actions: d.actions }], version: d.version };
}

/** Host networking: fixed ports with `requirePorts`, otherwise ports from the agent's 31000+ range. */
function portsFor(def: Record<string, unknown>): number[] {
  const defs = (def.portDefinitions as Array<{ port?: number }> | undefined) ?? [];
  return defs.map((p, i) => (def.requirePorts && p.port ? p.port : 31000 + Math.floor(Math.random() * 1000) + i));
}
