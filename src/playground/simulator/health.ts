/**
 * Health checks, the two kinds real Marathon has (MARATHON-FAILOVER.md S2, S3):
 * - Marathon-level HTTP/HTTPS/TCP: Marathon probes (first after min(interval, 5 s), then every interval). Each
 *   failure outside the grace period → `failed_health_check_event` (`taskId` = instance id); a flip of `alive` →
 *   `health_status_changed_event`; once the failures counted BEFORE the current one reach maxConsecutiveFailures
 *   (> 0) → `unhealthy_instance_kill_event` and a kill, i.e. on the (max+1)-th failure
 *   (`SRC:core/health/impl/HealthCheckActor.scala` checkConsecutiveFailures; `UT:…/HealthCheckActorTest`).
 * - MESOS_HTTP/HTTPS/TCP and COMMAND: the executor checks (first after delaySeconds); every failure outside the
 *   grace period is a TASK_RUNNING with healthy=false, and on the N-th consecutive failure the executor kills the
 *   task (`src/tests/health_check_tests.cpp` ConsecutiveFailures, `src/checks/health_checker.cpp`). Marathon turns
 *   changes of `healthy` into `instance_health_changed_event`, and forwards every result to the same health actor
 *   (`MarathonHealthCheckManager.update`), which publishes failed/status-changed events but whose kill never
 *   fires first.
 */
import type { SimInstance } from './marathon-instances.ts';
import type { MesosMaster, MesosStatus } from './mesos-master.ts';
import type { SimClock } from './clock.ts';
import type { EventBus } from './events.ts';
import { isoNow, type SimApp, type SimState, type SimTask } from './state.ts';

/** What the checker needs from Marathon's engine (kept small so the two do not import each other). */
export interface HealthHost {
  readonly state: SimState;
  readonly bus: EventBus;
  readonly clock: SimClock;
  readonly mesos: MesosMaster;
  killInstance(inst: SimInstance, reason: 'health'): void;
  notify(task: SimTask): void;
  onProgress(): void;
}

interface Check {
  protocol?: string;
  intervalSeconds?: number;
  gracePeriodSeconds?: number;
  maxConsecutiveFailures?: number;
  delaySeconds?: number;
  [k: string]: unknown;
}

const MARATHON_LEVEL = new Set(['HTTP', 'HTTPS', 'TCP']);
/** `SRC:core/health/HealthCheck.scala`: DefaultFirstHealthCheckAfter 5 s, DefaultDelay 15 s; defaults of the app RAML. */
const FIRST_CHECK_AFTER_MS = 5000;

export class HealthChecker {
  private readonly engine: HealthHost;
  private readonly loops = new Map<string, { cancel(): void }>();
  /** When each task became RUNNING (the grace period counts from there). */
  private readonly runningSince = new Map<string, number>();

  constructor(engine: HealthHost) {
    this.engine = engine;
  }

  /** Called with every Mesos status of a Marathon task. */
  onStatus(app: SimApp, inst: SimInstance, task: SimTask, st: MesosStatus): void {
    const check = (app.definition.healthChecks as Check[] | undefined)?.[0];
    if (!check) return;
    if (st.state !== 'TASK_RUNNING') {
      if (st.state !== 'TASK_STARTING' && st.state !== 'TASK_STAGING') this.stop(task);
      return;
    }
    if (!this.runningSince.has(task.id)) {
      this.runningSince.set(task.id, Date.now());
      this.startLoop(app, inst, task, check);
    }
    if (st.healthy !== undefined && !MARATHON_LEVEL.has(check.protocol ?? 'HTTP')) this.result(app, inst, task, check, st.healthy);
  }

  forget(inst: SimInstance): void {
    if (inst.task) this.stop(inst.task);
  }

  private stop(task: SimTask): void {
    this.loops.get(task.id)?.cancel();
    this.loops.delete(task.id);
    this.runningSince.delete(task.id);
    task.health = undefined; // purgeStatusOfDoneInstances: a terminal task has no health results
  }

  private startLoop(app: SimApp, inst: SimInstance, task: SimTask, check: Check): void {
    const intervalMs = (check.intervalSeconds ?? 60) * 1000;
    const marathonLevel = MARATHON_LEVEL.has(check.protocol ?? 'HTTP');
    const firstMs = marathonLevel ? Math.min(intervalMs, FIRST_CHECK_AFTER_MS) : (check.delaySeconds ?? 15) * 1000;
    const probe = marathonLevel ? () => this.result(app, inst, task, check, !task.failHealth) : () => this.mesosProbe(task, check);
    let cancelled = false;
    let loop: { cancel(): void } | undefined;
    const first = this.engine.clock.after(firstMs, () => {
      if (cancelled) return;
      probe();
      loop = this.engine.clock.every(intervalMs, probe);
    });
    this.loops.set(task.id, {
      cancel: () => {
        cancelled = true;
        this.engine.clock.cancel(first);
        loop?.cancel();
      },
    });
  }

  /** Failures are ignored during the grace period until a first success (Marathon's and Mesos' rule alike). */
  private inGrace(task: SimTask, check: Check, hadSuccess: boolean): boolean {
    const since = this.runningSince.get(task.id) ?? Date.now();
    const graceMs = this.engine.clock.real((check.gracePeriodSeconds ?? 300) * 1000);
    return !hadSuccess && Date.now() < since + graceMs;
  }

  /** The executor's health checker: a status on every failure and on a change to healthy; kill on the N-th. */
  private mesosProbe(task: SimTask, check: Check): void {
    if (!this.engine.state.tasks.has(task.id) || task.state !== 'TASK_RUNNING') return;
    if (!task.failHealth) {
      task.mesosHealthFailures = 0;
      if (task.healthy !== true) this.engine.mesos.update(task, { state: 'TASK_RUNNING', healthy: true, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', source: 'SOURCE_EXECUTOR' });
      return;
    }
    if (this.inGrace(task, check, task.healthy !== undefined)) return;
    const failures = (task.mesosHealthFailures ?? 0) + 1;
    task.mesosHealthFailures = failures;
    this.engine.mesos.update(task, { state: 'TASK_RUNNING', healthy: false, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', source: 'SOURCE_EXECUTOR' });
    if (failures >= Math.max(1, check.maxConsecutiveFailures ?? 3) && this.engine.state.tasks.has(task.id)) {
      this.engine.mesos.update(task, { state: 'TASK_KILLED', healthy: false, source: 'SOURCE_EXECUTOR', message: 'Health check failed' });
    }
  }

  /** One result in Marathon's health actor (`HealthCheckActor.handleHealthResult`). */
  private result(app: SimApp, inst: SimInstance, task: SimTask, check: Check, healthy: boolean): void {
    if (!this.engine.state.tasks.has(task.id) || task.state !== 'TASK_RUNNING') return;
    const now = isoNow();
    const h = (task.health ??= { alive: false, consecutiveFailures: 0, firstSuccess: null, lastSuccess: null, lastFailure: null, lastFailureCause: null });
    const wasAlive = h.alive;
    if (healthy) {
      Object.assign(h, { alive: true, consecutiveFailures: 0, lastSuccess: now });
      h.firstSuccess ??= now;
    } else {
      if (this.inGrace(task, check, h.firstSuccess !== null)) return;
      this.engine.bus.emit('failed_health_check_event', { appId: app.id, taskId: inst.id, healthCheck: check });
      const max = check.maxConsecutiveFailures ?? 3;
      const killNow = h.consecutiveFailures >= max && max > 0 && inst.condition !== 'Unreachable';
      Object.assign(h, { alive: false, consecutiveFailures: h.consecutiveFailures + 1, lastFailure: now, lastFailureCause: 'ConnectException: Connection refused' });
      if (killNow) this.killUnhealthy(app, inst, task, h.lastFailureCause ?? 'unknown');
    }
    if (wasAlive !== h.alive) {
      this.engine.bus.emit('health_status_changed_event', { appId: app.id, instanceId: inst.id, version: inst.version, alive: h.alive });
    }
    this.engine.notify(task);
    this.engine.onProgress();
  }

  private killUnhealthy(app: SimApp, inst: SimInstance, task: SimTask, reason: string): void {
    const agent = this.engine.state.agents.get(task.agentId);
    this.engine.bus.emit('unhealthy_instance_kill_event', {
      appId: app.id, taskId: task.id, instanceId: inst.id, version: inst.version, reason, host: agent?.hostname ?? 'unknown', slaveId: task.agentId,
    });
    // HistoryActorTest "Store UnhealthyTaskKilled": the kill itself is the lastTaskFailure.
    app.lastTaskFailure = {
      appId: app.id, host: agent?.hostname ?? '', message: `Task was killed since health check failed. Reason: ${reason}`, state: 'TASK_KILLED',
      taskId: task.id, timestamp: isoNow(), version: inst.version, slaveId: task.agentId,
    };
    this.engine.killInstance(inst, 'health');
  }
}
