/**
 * Marathon events (and a resync's app read) → the tracker's signals, for one watched app. Field names per
 * Marathon's Events.scala (shared/reference/MARATHON-FAILOVER.md §0, S2, S3): `status_update_event` carries the
 * task, `instance_health_changed_event` (MESOS_HTTP and Marathon checks) and `health_status_changed_event`
 * (Marathon checks, `alive`) carry health, `unhealthy_instance_kill_event` names a health kill.
 */
import { parseTaskId, type JenkinsSignal, type TaskStatusSignal } from './signals.ts';

/** The event fields read here; every Marathon event has `eventType` and `timestamp`. */
export interface MarathonEventView {
  eventType: string;
  timestamp: string;
  appId?: string | undefined;
  runSpecId?: string | undefined;
  taskId?: string | undefined;
  instanceId?: string | undefined;
  taskStatus?: string | undefined;
  slaveId?: string | null | undefined;
  host?: string | null | undefined;
  message?: string | undefined;
  healthy?: boolean | null | undefined;
  alive?: boolean | undefined;
  reason?: string | undefined;
  id?: string | undefined;
  plan?: { id?: string | undefined; steps?: ReadonlyArray<unknown> | undefined } | undefined;
}

/** Marathon's own ids start with `/`; config may not. */
export function normaliseAppId(id: string): string {
  return id.startsWith('/') ? id : `/${id}`;
}

/** The signal an event means for `appId`, or undefined when it is about something else. */
export function signalOf(e: MarathonEventView, appId: string): JenkinsSignal | undefined {
  const app = normaliseAppId(appId);
  const atMs = Date.parse(e.timestamp);
  if (!Number.isFinite(atMs)) return undefined;
  const mine = (id: string | undefined) => id !== undefined && normaliseAppId(id) === app;
  switch (e.eventType) {
    case 'status_update_event':
      if (!mine(e.appId) || !e.taskId || !e.taskStatus) return undefined;
      return { kind: 'task', taskId: e.taskId, state: e.taskStatus, atMs, host: e.host ?? undefined, agentId: e.slaveId ?? undefined, message: e.message || undefined };
    case 'instance_health_changed_event':
      if (!mine(e.runSpecId) || !e.instanceId) return undefined;
      return { kind: 'health', instanceId: e.instanceId, healthy: e.healthy ?? null, atMs };
    case 'health_status_changed_event': {
      if (!mine(e.appId) || e.alive === undefined) return undefined;
      const instanceId = e.instanceId ?? (e.taskId ? parseTaskId(e.taskId).instanceId : undefined);
      return instanceId ? { kind: 'health', instanceId, healthy: e.alive, atMs } : undefined;
    }
    case 'unhealthy_instance_kill_event':
    case 'unhealthy_task_kill_event':
      if (!mine(e.appId) || !e.taskId) return undefined;
      return { kind: 'health-kill', taskId: e.taskId, atMs, host: e.host ?? undefined, reason: e.reason };
    case 'deployment_info': {
      const touches = actionsOf(e.plan).filter((a) => mine(a.app));
      if (!e.plan?.id || touches.length === 0) return undefined;
      return { kind: 'deployment', deploymentId: e.plan.id, phase: 'started', replacesTasks: touches.some((a) => REPLACES.has(a.action ?? a.type ?? '')), atMs };
    }
    case 'deployment_success':
    case 'deployment_failed': {
      const id = e.id ?? e.plan?.id;
      return id ? { kind: 'deployment', deploymentId: id, phase: e.eventType === 'deployment_success' ? 'succeeded' : 'failed', replacesTasks: false, atMs } : undefined;
    }
    default:
      return undefined;
  }
}

/** Deployment actions that kill the app's running tasks on purpose. */
const REPLACES = new Set(['RestartApplication', 'StopApplication']);

type Action = { action?: string | undefined; type?: string | undefined; app?: string | undefined };

/** ≥ 1.8 plans have `steps: [{actions: […]}]`; event-bus.md shows steps flattened to actions. */
function actionsOf(plan: MarathonEventView['plan']): Action[] {
  return (plan?.steps ?? []).flatMap((s) => {
    const step = s as { actions?: Action[] } & Action;
    return Array.isArray(step.actions) ? step.actions : [step];
  });
}

/** A task as `GET /v2/apps/<id>` lists it. */
export interface AppTaskView {
  id: string;
  state?: string | undefined;
  host?: string | undefined;
  slaveId?: string | undefined;
  startedAt?: string | null | undefined;
  stagedAt?: string | null | undefined;
  healthCheckResults?: ReadonlyArray<{ alive?: boolean | undefined }> | undefined;
}

/**
 * A resync's tasks as signals. A task's time is when it started (or was staged): a Jenkins that came back during
 * a gap in the stream is dated by its own start, so the downtime is right even when the resync is late.
 */
export function resyncSignals(tasks: readonly AppTaskView[], nowMs: number): TaskStatusSignal[] {
  return tasks.map((t) => {
    const results = t.healthCheckResults ?? [];
    const started = Date.parse(t.startedAt ?? t.stagedAt ?? '');
    return {
      kind: 'task', taskId: t.id, state: t.state ?? 'TASK_STAGING', host: t.host, agentId: t.slaveId,
      atMs: Number.isFinite(started) ? Math.min(started, nowMs) : nowMs,
      healthy: results.length === 0 ? null : results.every((r) => r.alive === true),
    };
  });
}
