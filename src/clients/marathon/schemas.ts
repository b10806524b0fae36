/**
 * zod schemas of the Marathon REST v2 answers ci-bot reads. Loose objects: unknown fields pass through, and
 * fields that differ across Marathon 0.x–1.10 are optional. Event schemas live in `event-schemas.ts`.
 */
import * as z from 'zod';

export const HealthCheckResultSchema = z.looseObject({
  alive: z.boolean(),
  consecutiveFailures: z.number().optional(),
  firstSuccess: z.string().nullable().optional(),
  lastFailure: z.string().nullable().optional(),
  lastSuccess: z.string().nullable().optional(),
  lastFailureCause: z.string().nullable().optional(),
  /** `instanceId` since 1.4, `taskId` before. */
  instanceId: z.string().optional(),
  taskId: z.string().optional(),
});

/** A task as in `/v2/apps/{id}/tasks`, `/v2/tasks` and `apps[].tasks` with `embed=apps.tasks`. */
export const MarathonTaskSchema = z.looseObject({
  id: z.string(),
  appId: z.string().optional(),
  host: z.string(),
  slaveId: z.string().nullable().optional(),
  state: z.string().optional(),
  stagedAt: z.string().nullable().optional(),
  startedAt: z.string().nullable().optional(),
  version: z.string().optional(),
  ports: z.array(z.number()).optional(),
  ipAddresses: z.array(z.looseObject({ ipAddress: z.string(), protocol: z.string().optional() })).optional(),
  healthCheckResults: z.array(HealthCheckResultSchema).optional(),
});
export type MarathonTask = z.output<typeof MarathonTaskSchema>;

export const HealthCheckSchema = z.looseObject({
  protocol: z.string().optional(),
  path: z.string().optional(),
  portIndex: z.number().optional(),
  gracePeriodSeconds: z.number().optional(),
  intervalSeconds: z.number().optional(),
  timeoutSeconds: z.number().optional(),
  maxConsecutiveFailures: z.number().optional(),
});

const VolumeSchema = z.looseObject({
  containerPath: z.string(),
  hostPath: z.string().optional(),
  mode: z.string().optional(),
  persistent: z.looseObject({}).optional(),
  external: z.looseObject({}).optional(),
});

export const ContainerSchema = z.looseObject({
  type: z.string().optional(),
  docker: z.looseObject({ image: z.string(), network: z.string().optional() }).optional(),
  volumes: z.array(VolumeSchema).optional(),
});

export const LastTaskFailureSchema = z.looseObject({
  appId: z.string().optional(),
  host: z.string().optional(),
  message: z.string().optional(),
  state: z.string().optional(),
  taskId: z.string().optional(),
  timestamp: z.string().optional(),
});

/** An app definition plus the status fields Marathon adds in GET answers. */
export const AppSchema = z.looseObject({
  id: z.string(),
  instances: z.number().optional(),
  cpus: z.number().optional(),
  mem: z.number().optional(),
  disk: z.number().optional(),
  cmd: z.string().nullable().optional(),
  env: z.record(z.string(), z.unknown()).optional(),
  constraints: z.array(z.array(z.string())).optional(),
  container: ContainerSchema.nullable().optional(),
  healthChecks: z.array(HealthCheckSchema).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  version: z.string().optional(),
  tasksStaged: z.number().optional(),
  tasksRunning: z.number().optional(),
  tasksHealthy: z.number().optional(),
  tasksUnhealthy: z.number().optional(),
  deployments: z.array(z.looseObject({ id: z.string() })).optional(),
  tasks: z.array(MarathonTaskSchema).optional(),
  lastTaskFailure: LastTaskFailureSchema.optional(),
});
export type App = z.output<typeof AppSchema>;

export const AppsResponseSchema = z.looseObject({ apps: z.array(AppSchema) });
export const AppResponseSchema = z.looseObject({ app: AppSchema });
export const TasksResponseSchema = z.looseObject({ tasks: z.array(MarathonTaskSchema) });
export const TaskResponseSchema = z.looseObject({ task: MarathonTaskSchema });
export const VersionsResponseSchema = z.looseObject({ versions: z.array(z.string()) });

/** `{"deploymentId","version"}` from create/update/delete/scale calls. */
export const DeploymentResultSchema = z.looseObject({ deploymentId: z.string(), version: z.string() });
export type DeploymentResult = z.output<typeof DeploymentResultSchema>;

/** `POST /v2/apps` 201 body: the normalized app, with `deployments:[{id}]` on 1.x. */
export const CreatedAppSchema = AppSchema;

/** Deployment action: ≥ 1.8 uses `action`, docs and older servers `type` — read `action ?? type`. */
export const DeploymentActionSchema = z.looseObject({
  action: z.string().optional(),
  type: z.string().optional(),
  app: z.string().optional(),
  pod: z.string().optional(),
});

export const DeploymentSchema = z.looseObject({
  id: z.string(),
  version: z.string(),
  affectedApps: z.array(z.string()),
  affectedPods: z.array(z.string()).optional(),
  /** 1.x: `[{actions:[…]}]`; 1.3-era: `[[action…]]`. */
  steps: z.array(z.union([z.looseObject({ actions: z.array(DeploymentActionSchema) }), z.array(DeploymentActionSchema)])),
  currentActions: z.array(DeploymentActionSchema),
  currentStep: z.number(),
  totalSteps: z.number(),
});
export type Deployment = z.output<typeof DeploymentSchema>;
export const DeploymentsResponseSchema = z.array(DeploymentSchema);

export const QueueItemSchema = z.looseObject({
  count: z.number(),
  delay: z.looseObject({ timeLeftSeconds: z.number(), overdue: z.boolean() }),
  since: z.string().optional(),
  app: AppSchema.optional(),
  pod: z.looseObject({ id: z.string() }).optional(),
});
export type QueueItem = z.output<typeof QueueItemSchema>;
export const QueueResponseSchema = z.looseObject({ queue: z.array(QueueItemSchema) });

export const InfoSchema = z.looseObject({
  name: z.string(),
  version: z.string(),
  elected: z.boolean(),
  leader: z.string().nullable(),
  frameworkId: z.string().nullable().optional(),
  marathon_config: z.looseObject({ master: z.string().optional(), framework_name: z.string().optional() }),
  zookeeper_config: z.looseObject({ zk: z.string().optional() }).optional(),
});
export type MarathonInfo = z.output<typeof InfoSchema>;

export const LeaderSchema = z.looseObject({ leader: z.string() });

/** Error bodies: `{"message"}`, sometimes with `details` (array, or a string for unparsable JSON). */
export const ErrorBodySchema = z.looseObject({
  message: z.string(),
  details: z.union([z.string(), z.array(z.looseObject({}))]).optional(),
  deployments: z.array(z.looseObject({ id: z.string() })).optional(),
});

export const GroupSchema: z.ZodType<{ id: string; apps?: App[]; groups?: unknown[] }> = z.looseObject({
  id: z.string(),
  apps: z.array(AppSchema).optional(),
  groups: z.array(z.lazy(() => GroupSchema)).optional(),
});

/** `{"message": …}` answers that are not errors (`DELETE /v2/leader` → "Leadership abdicated"). */
export const MessageSchema = z.looseObject({ message: z.string() });

/**
 * `Accept: text/plain` task lists: one line per app and service port, `appId<TAB>servicePort<TAB>host:port…`.
 * ci-bot asks for JSON; this exists so a proxy that strips Accept headers is still understood.
 */
export const TaskListTextSchema = z.string().transform((text, ctx) => {
  const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return rows.map((line) => {
    const [appId = '', servicePort = '', ...endpoints] = line.trim().split(/\s+/);
    if (!/^\d+$/.test(servicePort) || endpoints.some((e) => !/^[^:\s]+:\d+$/.test(e))) {
      ctx.addIssue({ code: 'custom', message: `not a task line: ${line}` });
    }
    return { appId, servicePort: Number(servicePort), endpoints };
  });
});
