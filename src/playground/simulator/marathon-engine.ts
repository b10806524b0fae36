/**
 * Marathon's scheduler as seen from outside (1.8–1.10): apps keep their instance count; instances are launched
 * on the first fitting offer; Mesos statuses become `status_update_event` + `instance_changed_event` (the latter
 * only when the condition changes, `SRC:core/instance/update/InstanceChangedEventsGenerator.scala`); a terminal
 * task stays listed until the same instance is relaunched with incarnation N+1 after the backoff; unreachable
 * instances follow the app's unreachableStrategy. Deployments, kills and restarts live in `marathon-deploy.ts`.
 */
import type { SimClock } from './clock.ts';
import type { EventBus } from './events.ts';
import type { SimOptions } from './options.ts';
import { place } from './placement.ts';
import { dockerImage } from './marathon-apps-images.ts';
import { HealthChecker } from './health.ts';
import { TERMINAL, type MesosMaster, type MesosStatus } from './mesos-master.ts';
import {
  FAILURE_STATES, backoffSeconds, conditionOf, instanceIdOf, newInstanceId, taskIdFor, unreachableStrategy,
  type SimInstance,
} from './marathon-instances.ts';
import { isoNow, safeAppId, type SimApp, type SimFramework, type SimState, type SimTask } from './state.ts';

/** Marathon's `--scale_apps_interval` default: the periodic check that kills extra instances. */
export const SCALE_CHECK_MS = 300_000;

export class MarathonEngine {
  readonly instances = new Map<string, SimInstance>();
  /** Current task id → its instance (an expunged instance's task is "unknown"). */
  readonly byTask = new Map<string, SimInstance>();
  /** Launch backoff per app: consecutive failures and the real time the delay ends. */
  readonly delays = new Map<string, { failures: number; untilMs: number }>();
  /** Hostnames whose offers come first (control API); registration order otherwise. */
  offerOrder: string[] = [];
  readonly health: HealthChecker;
  private readonly listeners: Array<(task: SimTask) => void> = [];
  private offersPending = false;
  /** Set by the deployment layer: called after every change that may finish or advance a deployment. */
  onProgress: () => void = () => undefined;

  readonly state: SimState;
  readonly bus: EventBus;
  readonly clock: SimClock;
  readonly opts: SimOptions;
  readonly framework: SimFramework;
  readonly mesos: MesosMaster;

  constructor(state: SimState, bus: EventBus, clock: SimClock, opts: SimOptions, framework: SimFramework, mesos: MesosMaster) {
    this.state = state;
    this.bus = bus;
    this.clock = clock;
    this.opts = opts;
    this.framework = framework;
    this.mesos = mesos;
    this.health = new HealthChecker(this);
    mesos.subscribe(framework.id, (task, status) => this.onStatus(task, status));
    clock.every(SCALE_CHECK_MS, () => this.scaleCheck());
  }

  /** Called on every task change of a Marathon task (the Jenkins model follows its app this way). */
  onTaskChange(fn: (task: SimTask) => void): void {
    this.listeners.push(fn);
  }

  notify(task: SimTask): void {
    for (const fn of this.listeners) fn(task);
  }

  instancesOf(appId: string): SimInstance[] {
    return [...this.instances.values()].filter((i) => i.appId === appId);
  }

  /** The tasks `/v2/apps/{id}/tasks` lists: each instance's current task, terminal ones included. */
  tasksOf(appId: string): SimTask[] {
    return this.instancesOf(appId).flatMap((i) => (i.task ? [i.task] : []));
  }

  /** Instances that count towards `instances` (`ScalingProposition` leaves out UnreachableInactive ones). */
  activeInstances(appId: string): SimInstance[] {
    return this.instancesOf(appId).filter((i) => i.goal === 'Running' && i.condition !== 'UnreachableInactive');
  }

  /** Adds instances up to `instances` (each first emits Scheduled with host and agentId null). */
  scaleUp(app: SimApp, firstOffer?: string): void {
    const want = Number(app.definition.instances ?? 1);
    for (let n = this.activeInstances(app.id).length; n < want; n++) {
      const inst: SimInstance = {
        id: newInstanceId(app.id), appId: app.id, incarnation: 0, condition: 'Scheduled', goal: 'Running',
        task: undefined, version: app.version, healthy: undefined, createdAt: Date.now(), ...(firstOffer ? { firstOffer } : {}),
      };
      this.instances.set(inst.id, inst);
      this.emitInstance(inst);
    }
    this.offersSoon();
  }

  /** Marathon's periodic scale check: extras are killed YOUNGEST_FIRST (or OLDEST_FIRST). */
  scaleCheck(): void {
    for (const app of this.state.apps.values()) {
      const want = Number(app.definition.instances ?? 1);
      const active = this.activeInstances(app.id).sort((a, b) => b.createdAt - a.createdAt);
      if (app.definition.killSelection === 'OLDEST_FIRST') active.reverse();
      for (const extra of active.slice(0, Math.max(0, active.length - want))) this.decommission(extra);
    }
  }

  /** Goal → Decommissioned (an `instance_changed_event` with the condition unchanged), then kill or expunge. */
  decommission(inst: SimInstance, opts: { wipe?: boolean } = {}): void {
    if (inst.goal !== 'Decommissioned') {
      inst.goal = 'Decommissioned';
      this.emitInstance(inst);
    }
    if (inst.killReason === 'decommission' && !opts.wipe) return;
    const task = inst.task;
    const live = task !== undefined && !TERMINAL.has(task.state) && this.state.tasks.has(task.id);
    if (live) {
      inst.killReason = 'decommission';
      this.mesos.kill(task);
    }
    if (!live || opts.wipe) this.expunge(inst);
  }

  /** Kills the current task; a user's kill is relaunched as the same instance without backoff. */
  killInstance(inst: SimInstance, reason: 'user' | 'health'): void {
    const task = inst.task;
    if (!task || TERMINAL.has(task.state)) return;
    inst.killReason = reason;
    this.mesos.kill(task);
  }

  expunge(inst: SimInstance): void {
    this.instances.delete(inst.id);
    if (inst.task) this.byTask.delete(inst.task.id);
    this.health.forget(inst);
    this.onProgress();
  }

  resetDelay(appId: string): void {
    this.delays.delete(appId);
  }

  /** Looks at offers on the next tick (coalesced). */
  offersSoon(): void {
    if (this.offersPending) return;
    this.offersPending = true;
    this.clock.after(0, () => {
      this.offersPending = false;
      this.matchOffers();
    });
  }

  /** Instances waiting for an offer (Scheduled, or terminal with goal Running), for `/v2/queue`. */
  waiting(appId?: string): SimInstance[] {
    return [...this.instances.values()].filter(
      (i) => (appId === undefined || i.appId === appId) && i.goal === 'Running' && (i.condition === 'Scheduled' || (i.task !== undefined && TERMINAL.has(i.task.state))),
    );
  }

  /** Restarts with maximumOverCapacity 0 start new instances only once the old ones are gone. */
  private mayLaunch(inst: SimInstance, app: SimApp): boolean {
    const delay = this.delays.get(app.id);
    if (delay && delay.untilMs > Date.now()) return false;
    if (inst.incarnation > 0) return true;
    const over = Number((app.definition.upgradeStrategy as { maximumOverCapacity?: number } | undefined)?.maximumOverCapacity ?? 1);
    return over > 0 || !this.instancesOf(app.id).some((i) => i.goal === 'Decommissioned');
  }

  private matchOffers(): void {
    for (const inst of this.waiting()) {
      const app = this.state.apps.get(inst.appId);
      if (app && this.mayLaunch(inst, app)) this.launch(app, inst);
    }
  }

  private launch(app: SimApp, inst: SimInstance): boolean {
    const def = app.definition;
    const ports = portsFor(def);
    const siblings = this.activeInstances(app.id).flatMap((i) => (i !== inst && i.task && !TERMINAL.has(i.task.state) ? [i.task] : []));
    const agent = place(this.state.agents, {
      cpus: Number(def.cpus ?? 1), mem: Number(def.mem ?? 128), disk: Number(def.disk ?? 0),
      ports: def.requirePorts ? ports : [], constraints: (def.constraints as string[][] | undefined) ?? [],
      siblings, allTasks: this.state.tasks.values(),
      offerOrder: inst.firstOffer ? [inst.firstOffer, ...this.offerOrder] : this.offerOrder,
    });
    if (!agent) return false;
    delete inst.firstOffer;
    if (inst.task) this.byTask.delete(inst.task.id);
    inst.incarnation++;
    inst.version = app.version;
    const task: SimTask = {
      id: taskIdFor(inst.id, inst.incarnation), instanceId: inst.id, name: safeAppId(app.id), frameworkId: this.framework.id,
      appId: app.id, agentId: agent.id, state: 'TASK_STAGING', cpus: Number(def.cpus ?? 1), mem: Number(def.mem ?? 128),
      disk: Number(def.disk ?? 0), ports, stagedAt: Date.now(), version: app.version,
      stdout: `Starting ${app.id} on ${agent.hostname}\n`, stderr: '', ...dockerImage(def),
    };
    inst.task = task;
    inst.healthy = undefined;
    delete inst.killReason;
    delete inst.unreachableSince;
    this.byTask.set(task.id, inst);
    inst.condition = 'Provisioned';
    this.emitInstance(inst);
    this.mesos.launch(task);
    this.notify(task);
    return true;
  }

  /** Every Mesos status for a Marathon task (`SRC:core/task/update/impl/TaskStatusUpdateProcessorImpl.scala`). */
  private onStatus(task: SimTask, st: MesosStatus): void {
    const inst = this.byTask.get(task.id);
    if (!inst || inst.task !== task) return this.unknownTask(task, st);
    const app = this.state.apps.get(inst.appId);
    const strategy = app ? unreachableStrategy(app.definition) : undefined;
    let condition = conditionOf(st.state, st.reason);
    if (condition === 'Unreachable' && strategy && strategy.inactiveAfterMs === 0) condition = 'UnreachableInactive';
    const healthy = TERMINAL.has(st.state) ? undefined : (st.healthy ?? inst.healthy);
    const healthChanged = healthy !== inst.healthy;
    if (condition === inst.condition && !healthChanged) {
      if (app) this.health.onStatus(app, inst, task, st); // InstanceUpdater: Noop, no events; the health actor still hears it
      return;
    }
    const conditionChanged = condition !== inst.condition;
    inst.condition = condition;
    inst.healthy = healthy;
    this.emitStatus(task, st.message ?? '');
    if (conditionChanged) this.emitInstance(inst);
    if (healthChanged) {
      this.bus.emit('instance_health_changed_event', { instanceId: inst.id, runSpecId: inst.appId, healthy: healthy ?? null, runSpecVersion: inst.version });
    }
    // The health actor hears of the status after it was published (MarathonHealthCheckManager.update).
    if (app) this.health.onStatus(app, inst, task, st);
    this.notify(task);
    if (condition === 'Running') delete inst.unreachableSince;
    if (condition === 'Unreachable' || condition === 'UnreachableInactive') this.unreachable(inst, condition, strategy);
    else if (TERMINAL.has(st.state)) this.terminal(inst, task, st);
    this.onProgress();
  }

  /** A terminal status for an unknown instance is published; a live unknown task is killed. */
  private unknownTask(task: SimTask, st: MesosStatus): void {
    if (TERMINAL.has(st.state)) {
      this.bus.emit('unknown_instance_terminated_event', { instanceId: instanceIdOf(task.id), runSpecId: task.appId ?? '', condition: conditionOf(st.state, st.reason) });
    } else if (st.state === 'TASK_RUNNING') this.mesos.kill(task);
  }

  private terminal(inst: SimInstance, task: SimTask, st: MesosStatus): void {
    const app = this.state.apps.get(inst.appId);
    if (app && FAILURE_STATES.has(st.state)) app.lastTaskFailure = failure(this.state, app, task, st.state, st.message ?? '');
    if (inst.goal === 'Decommissioned' || !app) return this.expunge(inst);
    if (inst.killReason !== 'user') this.addDelay(app);
    this.offersSoon();
  }

  /** unreachableStrategy: inactive after `inactiveAfter` (then replaced), expunged after `expungeAfter`. */
  private unreachable(inst: SimInstance, condition: string, strategy: ReturnType<typeof unreachableStrategy>): void {
    const app = this.state.apps.get(inst.appId);
    if (!app || !strategy) return;
    inst.unreachableSince ??= Date.now();
    const since = inst.unreachableSince;
    if (condition === 'UnreachableInactive') {
      if (strategy.expungeAfterMs === 0) this.expunge(inst); // InstanceUpdaterTest "…expunge threshold is reached"
      else this.clock.after(strategy.expungeAfterMs, () => this.expireUnreachable(inst, since));
      return this.scaleUp(app);
    }
    this.clock.after(strategy.inactiveAfterMs, () => {
      if (inst.unreachableSince !== since || inst.condition !== 'Unreachable' || !inst.task) return;
      inst.condition = 'UnreachableInactive';
      this.emitStatus(inst.task, 'health check timed out');
      this.emitInstance(inst);
      this.clock.after(Math.max(0, strategy.expungeAfterMs - strategy.inactiveAfterMs), () => this.expireUnreachable(inst, since));
      this.scaleUp(app);
    });
  }

  /** ExpungeOverdueLostTasksActor: an instance unreachable past expungeAfter is expunged ("Killed"). */
  private expireUnreachable(inst: SimInstance, since: number): void {
    if (inst.unreachableSince !== since || !this.instances.has(inst.id)) return;
    inst.condition = 'Killed';
    this.emitInstance(inst);
    this.expunge(inst);
  }

  private addDelay(app: SimApp): void {
    const d = this.delays.get(app.id) ?? { failures: 0, untilMs: 0 };
    const seconds = backoffSeconds(app.definition, d.failures);
    d.failures++;
    const until = Date.now() + this.clock.real(seconds * 1000);
    d.untilMs = until;
    this.delays.set(app.id, d);
    this.clock.after(seconds * 1000, () => {
      // Timers may fire a fraction of a millisecond early: the delay is over when its timer fires.
      if (d.untilMs === until) d.untilMs = Date.now();
      this.offersSoon();
    });
  }

  emitStatus(task: SimTask, message = ''): void {
    const agent = this.state.agents.get(task.agentId);
    this.bus.emit('status_update_event', {
      slaveId: task.agentId, taskId: task.id, taskStatus: task.state, message, appId: task.appId, host: agent?.hostname ?? '',
      ipAddresses: [{ ipAddress: agent?.ip ?? '127.0.0.1', protocol: 'IPv4' }], ports: task.ports, version: task.version,
    });
  }

  /** `instance_changed_event`; a Scheduled instance has no agent yet: `agentId` and `host` are null. */
  emitInstance(inst: SimInstance): void {
    const agent = inst.condition === 'Scheduled' || !inst.task ? undefined : this.state.agents.get(inst.task.agentId);
    this.bus.emit('instance_changed_event', {
      instanceId: inst.id, condition: inst.condition, runSpecId: inst.appId, agentId: agent?.id ?? null,
      host: agent?.hostname ?? null, runSpecVersion: inst.version,
    });
  }
}

/** lastTaskFailure as `/v2/apps/{id}` shows it. */
export function failure(state: SimState, app: SimApp, task: SimTask, taskState: string, message: string): Record<string, unknown> {
  return {
    appId: app.id, host: state.agents.get(task.agentId)?.hostname ?? '', message, state: taskState, taskId: task.id,
    timestamp: isoNow(), version: task.version, slaveId: task.agentId,
  };
}

/** Host networking: fixed ports with `requirePorts`, otherwise ports from the agent's 31000+ range. */
function portsFor(def: Record<string, unknown>): number[] {
  const defs = (def.portDefinitions as Array<{ port?: number }> | undefined) ?? [];
  return defs.map((p, i) => (def.requirePorts && p.port ? p.port : 31000 + Math.floor(Math.random() * 1000) + i));
}
