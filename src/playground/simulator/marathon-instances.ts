/**
 * Marathon's instance model (1.8+): an instance `<safeAppId>.instance-<uuid>` runs one task at a time,
 * `<instanceId>._app.<N>`; a failed, killed or health-killed task is relaunched in the SAME instance with N+1
 * (`SRC:core/task/Task.scala` nextIncarnationFor; changelog 1.8.180). Pure helpers: ids, conditions, the
 * lastTaskFailure rule and the launch backoff.
 */
import { randomUUID } from 'node:crypto';
import { safeAppId, type SimTask } from './state.ts';

export interface SimInstance {
  id: string;
  appId: string;
  /** N of the current (or last) task; 0 before the first launch. */
  incarnation: number;
  /** Scheduled, Provisioned, Starting, Running, Failed, Killed, Unreachable, UnreachableInactive, Gone, … */
  condition: string;
  /** Decommissioned instances are expunged once terminal instead of relaunched. */
  goal: 'Running' | 'Decommissioned';
  /** The current incarnation's task; a terminal one stays listed until the next incarnation replaces it. */
  task: SimTask | undefined;
  /** runSpecVersion: the app version this instance runs. */
  version: string;
  /** `healthy` of the instance as Marathon computes it from Mesos statuses (MESOS_* checks; undefined: none). */
  healthy: boolean | undefined;
  createdAt: number;
  unreachableSince?: number;
  /** Why the current task is being killed: a user's kill is relaunched at once, the others after the backoff. */
  killReason?: 'user' | 'health' | 'decommission';
  /** Host the first launch should be offered first (the seed pins Jenkins this way). */
  firstOffer?: string;
}

export function newInstanceId(appId: string): string {
  return `${safeAppId(appId)}.instance-${randomUUID()}`;
}

export function taskIdFor(instanceId: string, incarnation: number): string {
  return `${instanceId}._app.${incarnation}`;
}

/** The instance id inside a task id (`….instance-<uuid>._app.3` → `….instance-<uuid>`). */
export function instanceIdOf(taskId: string): string {
  return taskId.replace(/\._app(\.\d+)?$/, '');
}

/**
 * Mesos state → Marathon condition (`SRC:core/task/state/TaskConditionMapping.scala`): partition-aware, so
 * TASK_LOST with REASON_SLAVE_REMOVED maps to Unreachable; GONE and GONE_BY_OPERATOR to Gone.
 */
export function conditionOf(state: string, reason?: string): string {
  switch (state) {
    case 'TASK_STAGING': return 'Staging';
    case 'TASK_STARTING': return 'Starting';
    case 'TASK_RUNNING': return 'Running';
    case 'TASK_KILLING': return 'Killing';
    case 'TASK_KILLED': return 'Killed';
    case 'TASK_FAILED': return 'Failed';
    case 'TASK_FINISHED': return 'Finished';
    case 'TASK_ERROR': return 'Error';
    case 'TASK_DROPPED': return 'Dropped';
    case 'TASK_UNREACHABLE': return 'Unreachable';
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR': return 'Gone';
    case 'TASK_UNKNOWN': return 'Unknown';
    case 'TASK_LOST':
      return ['REASON_SLAVE_REMOVED', 'REASON_SLAVE_DISCONNECTED', 'REASON_RECONCILIATION'].includes(reason ?? '') ? 'Unreachable' : 'Gone';
    default: return 'Unknown';
  }
}

/**
 * lastTaskFailure is stored for these states only (`UT:core/history/impl/HistoryActorTest`, `SRC:state/TaskFailure.scala`);
 * never for TASK_KILLED, TASK_FINISHED or TASK_UNREACHABLE. Health kills are stored from their kill event.
 */
export const FAILURE_STATES = new Set(['TASK_FAILED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);

/** App defaults (docs `app.raml`): backoffSeconds 1, backoffFactor 1.15, maxLaunchDelaySeconds 300. */
export function backoffSeconds(def: Record<string, unknown>, failures: number): number {
  const base = Number(def.backoffSeconds ?? 1);
  const factor = Number(def.backoffFactor ?? 1.15);
  const max = Number(def.maxLaunchDelaySeconds ?? 300);
  return Math.min(base * factor ** failures, max);
}

/** unreachableStrategy, default {inactiveAfterSeconds: 0, expungeAfterSeconds: 0} (`SRC:state/UnreachableStrategy.scala`). */
export function unreachableStrategy(def: Record<string, unknown>): { inactiveAfterMs: number; expungeAfterMs: number } | undefined {
  const s = def.unreachableStrategy;
  if (s === 'disabled') return undefined;
  const o = (s ?? {}) as { inactiveAfterSeconds?: number; expungeAfterSeconds?: number };
  return { inactiveAfterMs: (o.inactiveAfterSeconds ?? 0) * 1000, expungeAfterMs: (o.expungeAfterSeconds ?? 0) * 1000 };
}

/** The task state the REST API shows for a condition (`SRC:core/condition/Condition.scala`). */
export function apiTaskState(inst: SimInstance): string {
  if (inst.condition === 'Provisioned' || inst.condition === 'Scheduled') return 'TASK_STAGING';
  if (inst.condition === 'UnreachableInactive') return 'TASK_UNREACHABLE';
  return inst.task?.state ?? 'TASK_STAGING';
}
