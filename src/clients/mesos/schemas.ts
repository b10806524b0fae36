/**
 * zod schemas of the Mesos master/agent answers ci-bot reads. Only the fields ci-bot uses are typed; every
 * object is loose so unknown fields pass through untouched (Mesos adds fields in every release).
 */
import * as z from 'zod';

/** `resources` / `used_resources` maps: scalars are numbers, `ports` is a range string "[31000-32000]". */
export const ResourcesSchema = z.looseObject({
  cpus: z.number().optional(),
  mem: z.number().optional(),
  disk: z.number().optional(),
  gpus: z.number().optional(),
  ports: z.string().optional(),
});
export type Resources = z.output<typeof ResourcesSchema>;

/** One agent as in `/master/slaves` `slaves[]` (= `/master/state` `slaves[]`). */
export const AgentSchema = z.looseObject({
  id: z.string(),
  hostname: z.string(),
  pid: z.string().optional(),
  port: z.number().optional(),
  registered_time: z.number().optional(),
  reregistered_time: z.number().optional(),
  resources: ResourcesSchema,
  used_resources: ResourcesSchema.optional(),
  offered_resources: ResourcesSchema.optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /** Absent on Mesos < 0.2x, where every listed agent is active. */
  active: z.boolean().optional(),
  deactivated: z.boolean().optional(),
  version: z.string().optional(),
});
export type Agent = z.output<typeof AgentSchema>;

export const SlavesResponseSchema = z.looseObject({
  slaves: z.array(AgentSchema),
  recovered_slaves: z.array(z.looseObject({})).optional(),
});
export type SlavesResponse = z.output<typeof SlavesResponseSchema>;

export const TaskStatusSchema = z.looseObject({
  state: z.string(),
  timestamp: z.number(),
  healthy: z.boolean().optional(),
});

/** A task in `frameworks[].tasks[]`. Marathon task ids equal Mesos task ids. */
export const MesosTaskSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  framework_id: z.string(),
  executor_id: z.string().optional(),
  slave_id: z.string(),
  state: z.string(),
  resources: ResourcesSchema,
  statuses: z.array(TaskStatusSchema).optional(),
});
export type MesosTask = z.output<typeof MesosTaskSchema>;

export const FrameworkSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  hostname: z.string().optional(),
  webui_url: z.string().optional(),
  registered_time: z.number().optional(),
  used_resources: ResourcesSchema.optional(),
  tasks: z.array(MesosTaskSchema).optional(),
  /** Tasks of unreachable agents (partition-aware frameworks): TASK_UNREACHABLE, out of `tasks`. */
  unreachable_tasks: z.array(MesosTaskSchema).optional(),
  completed_tasks: z.array(MesosTaskSchema).optional(),
});
export type Framework = z.output<typeof FrameworkSchema>;

export const FrameworksResponseSchema = z.looseObject({
  frameworks: z.array(FrameworkSchema),
  completed_frameworks: z.array(FrameworkSchema).optional(),
  unregistered_frameworks: z.array(z.unknown()).optional(),
});
export type FrameworksResponse = z.output<typeof FrameworksResponseSchema>;

/** `/master/state` — parsed only by tests and contract checks; ci-bot never polls it. */
export const MasterStateSchema = z.looseObject({
  version: z.string(),
  id: z.string(),
  pid: z.string(),
  hostname: z.string().optional(),
  leader: z.string().optional(),
  slaves: z.array(AgentSchema),
  frameworks: z.array(FrameworkSchema),
});
export type MasterState = z.output<typeof MasterStateSchema>;

export const StateSummarySchema = z.looseObject({
  hostname: z.string(),
  cluster: z.string().optional(),
  slaves: z.array(AgentSchema),
  frameworks: z.array(z.looseObject({ id: z.string(), name: z.string() })),
});

/** Agent `/state` (port 5051), used to find a task's sandbox directory. */
export const AgentStateSchema = z.looseObject({
  id: z.string(),
  hostname: z.string(),
  pid: z.string(),
  frameworks: z.array(
    z.looseObject({
      id: z.string(),
      executors: z.array(z.looseObject({ id: z.string(), directory: z.string() })).optional(),
    }),
  ),
});

/** `/metrics/snapshot`: a flat map of numbers ("master/slaves_active": 2, …). */
export const MetricsSnapshotSchema = z.record(z.string(), z.number());
export type MetricsSnapshot = z.output<typeof MetricsSnapshotSchema>;

export const VersionSchema = z.looseObject({
  version: z.string(),
  build_date: z.string().optional(),
  build_time: z.number().optional(),
  build_user: z.string().optional(),
  git_sha: z.string().optional(),
  git_branch: z.string().optional(),
  git_tag: z.string().optional(),
});
export type MesosVersion = z.output<typeof VersionSchema>;

/** Agent `/files/read`: `offset` is the requested one; next offset = offset + bytes of data. */
export const FileReadSchema = z.looseObject({ data: z.string(), offset: z.number() });
export type FileRead = z.output<typeof FileReadSchema>;

export const FileBrowseSchema = z.array(
  z.looseObject({ path: z.string(), mode: z.string(), size: z.number(), mtime: z.number() }),
);
export type FileBrowse = z.output<typeof FileBrowseSchema>;

/** v1 operator API answers: `{"type":"GET_X","get_x":{…}}`; ci-bot only checks the envelope. */
export const V1ResponseSchema = z.looseObject({ type: z.string() }).refine(
  (r) => r.type === 'HEARTBEAT' || r.type.toLowerCase() in r,
  { message: 'missing the body named after type' },
);
