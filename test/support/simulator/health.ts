/**
 * Marathon health checks for simulated tasks: the first result arrives `healthyAfterMs` after RUNNING, then one
 * per `intervalSeconds`. A task whose check fails (`failHealth`, set by the control API) emits
 * failed_health_check_event each time, turns unhealthy, and after `maxConsecutiveFailures` is killed and replaced.
 */
import type { SimClock } from './clock.ts';
import type { EventBus } from './events.ts';
import type { SimOptions } from './options.ts';
import { isoNow, type SimApp, type SimState, type SimTask } from './state.ts';

/** What the checker needs from Marathon's engine (kept small so the two do not import each other). */
export interface HealthHost {
  readonly state: SimState;
  readonly bus: EventBus;
  readonly clock: SimClock;
  readonly opts: SimOptions;
  killTask(task: SimTask, opts: { message?: string }): void;
  checkDeployments(): void;
  notify(task: SimTask): void;
}

interface Check {
  protocol?: string;
  intervalSeconds?: number;
  maxConsecutiveFailures?: number;
  [k: string]: unknown;
}

export class HealthChecker {
  private readonly engine: HealthHost;
  private readonly loops = new Map<string, { cancel(): void }>();

  constructor(engine: HealthHost) {
    this.engine = engine;
  }

  start(app: SimApp, task: SimTask): void {
    const check = (app.definition.healthChecks as Check[] | undefined)?.[0];
    if (!check) return;
    const first = this.engine.clock.after(this.engine.opts.healthyAfterMs, () => {
      this.probe(app, task, check);
      const loop = this.engine.clock.every((check.intervalSeconds ?? 60) * 1000, () => this.probe(app, task, check));
      this.loops.set(task.id, loop);
    });
    this.loops.set(task.id, { cancel: () => this.engine.clock.cancel(first) });
  }

  forget(taskId: string): void {
    this.loops.get(taskId)?.cancel();
    this.loops.delete(taskId);
  }

  private probe(app: SimApp, task: SimTask, check: Check): void {
    if (!this.engine.state.tasks.has(task.id)) return this.forget(task.id);
    const now = isoNow();
    const h = (task.health ??= {
      alive: false,
      consecutiveFailures: 0,
      firstSuccess: null,
      lastSuccess: null,
      lastFailure: null,
      lastFailureCause: null,
    });
    const wasAlive = h.alive;
    const firstResult = h.firstSuccess === null && h.lastFailure === null;
    if (task.failHealth) {
      h.alive = false;
      h.consecutiveFailures++;
      h.lastFailure = now;
      h.lastFailureCause = 'Connection refused';
      this.engine.bus.emit('failed_health_check_event', { appId: app.id, taskId: task.instanceId, healthCheck: check });
    } else {
      h.alive = true;
      h.consecutiveFailures = 0;
      h.lastSuccess = now;
      h.firstSuccess ??= now;
    }
    if (wasAlive !== h.alive || firstResult) this.emitHealth(app, task, h.alive);
    const max = check.maxConsecutiveFailures ?? 3;
    if (!h.alive && h.consecutiveFailures >= max) this.killUnhealthy(app, task);
    else this.engine.checkDeployments();
  }

  private emitHealth(app: SimApp, task: SimTask, alive: boolean): void {
    const bus = this.engine.bus;
    bus.emit('health_status_changed_event', { appId: app.id, instanceId: task.instanceId, version: task.version, alive });
    bus.emit('instance_health_changed_event', {
      instanceId: task.instanceId,
      runSpecId: app.id,
      healthy: alive,
      runSpecVersion: task.version,
    });
    this.engine.notify(task);
  }

  private killUnhealthy(app: SimApp, task: SimTask): void {
    const agent = this.engine.state.agents.get(task.agentId);
    this.engine.bus.emit('unhealthy_instance_kill_event', {
      appId: app.id,
      taskId: task.id,
      instanceId: task.instanceId,
      version: task.version,
      reason: 'Connection refused',
      host: agent?.hostname ?? '',
      slaveId: task.agentId,
    });
    this.engine.killTask(task, { message: 'Killed: unhealthy' });
  }
}
