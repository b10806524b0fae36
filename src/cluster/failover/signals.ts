/**
 * What the Jenkins incident tracker learns about the watched app, whether from the Marathon event stream or from a
 * resync (`GET /v2/apps/<id>`): plain data, mapped from the wire by `from-marathon.ts`. Times are epoch ms.
 */

/** Mesos task states, as Marathon reports them (TASK_STAGING only ever appears in the REST API, never in events). */
export type TaskState =
  | 'TASK_STAGING' | 'TASK_STARTING' | 'TASK_RUNNING' | 'TASK_KILLING' | 'TASK_FINISHED' | 'TASK_FAILED'
  | 'TASK_KILLED' | 'TASK_ERROR' | 'TASK_LOST' | 'TASK_DROPPED' | 'TASK_UNREACHABLE' | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR' | 'TASK_UNKNOWN';

const TERMINAL: ReadonlySet<string> = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE',
  'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
]);

/** True for a state after which the task no longer runs (TASK_UNREACHABLE included: Marathon replaces it). */
export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** A task status change (`status_update_event`, or a task seen in a resync). */
export interface TaskStatusSignal {
  kind: 'task';
  taskId: string;
  state: TaskState | (string & {});
  atMs: number;
  host?: string | undefined;
  agentId?: string | undefined;
  message?: string | undefined;
  /** MESOS_HTTP health as carried on TASK_RUNNING updates; undefined when not reported. */
  healthy?: boolean | null | undefined;
}

/** Marathon-level health: `health_status_changed_event` (alive) or `instance_health_changed_event` (healthy). */
export interface HealthSignal {
  kind: 'health';
  instanceId: string;
  healthy: boolean | null;
  atMs: number;
}

/** `unhealthy_instance_kill_event`: Marathon itself killed the task because its health check kept failing. */
export interface HealthKillSignal {
  kind: 'health-kill';
  taskId: string;
  atMs: number;
  host?: string | undefined;
  reason?: string | undefined;
}

/** A deployment touching the app: a restart by a user (or the bot's drill) is planned, not an outage. */
export interface DeploymentSignal {
  kind: 'deployment';
  deploymentId: string;
  phase: 'started' | 'succeeded' | 'failed';
  /** The plan restarts or replaces the app's tasks (RestartApplication, or a new version of it). */
  replacesTasks: boolean;
  atMs: number;
}

export type JenkinsSignal = TaskStatusSignal | HealthSignal | HealthKillSignal | DeploymentSignal;

/** `<app>.instance-<uuid>._app.<N>` → instance id and incarnation N (older ids without `._app.N`: incarnation 0). */
export function parseTaskId(taskId: string): { instanceId: string; incarnation: number } {
  const m = /^(.+)\._app\.(\d+)$/.exec(taskId);
  if (m) return { instanceId: m[1] as string, incarnation: Number(m[2]) };
  return { instanceId: taskId, incarnation: 0 };
}
