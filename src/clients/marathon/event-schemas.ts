/**
 * Marathon `/v2/events` payloads (exact field names from Marathon's Events.scala / Formats.scala). Every event has
 * `eventType` and `timestamp`; the type is read from the JSON, never from the SSE `event:` line (0.x sent none).
 */
import * as z from 'zod';
import { HealthCheckSchema } from './schemas.ts';

const base = { timestamp: z.string() };

export const StatusUpdateEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('status_update_event'),
  slaveId: z.string(),
  taskId: z.string(),
  taskStatus: z.string(),
  message: z.string().optional(),
  appId: z.string(),
  host: z.string(),
  ports: z.array(z.number()).optional(),
  ipAddresses: z.array(z.looseObject({ ipAddress: z.string() })).optional(),
  version: z.string(),
});

/** A brand-new instance is first `Scheduled` with `agentId` and `host` null (no offer matched yet). */
export const InstanceChangedEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('instance_changed_event'),
  instanceId: z.string(),
  condition: z.string(),
  runSpecId: z.string(),
  agentId: z.string().nullable().optional(),
  host: z.string().nullable(),
  runSpecVersion: z.string(),
});

/** A terminal status for an instance Marathon no longer knows (expunged, wiped): no status_update_event. */
export const UnknownInstanceTerminatedEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('unknown_instance_terminated_event'),
  instanceId: z.string(),
  runSpecId: z.string(),
  condition: z.string(),
});

export const InstanceHealthChangedEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('instance_health_changed_event'),
  instanceId: z.string(),
  runSpecId: z.string(),
  healthy: z.boolean().nullable(),
  runSpecVersion: z.string(),
});

export const HealthStatusChangedEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('health_status_changed_event'),
  appId: z.string(),
  instanceId: z.string().optional(),
  taskId: z.string().optional(),
  version: z.string(),
  alive: z.boolean(),
});

/** `taskId` holds the instance id here; there is no `instanceId` field. */
export const FailedHealthCheckEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('failed_health_check_event'),
  appId: z.string(),
  taskId: z.string(),
  healthCheck: HealthCheckSchema,
});

export const UnhealthyKillEventSchema = z.looseObject({
  ...base,
  eventType: z.enum(['unhealthy_instance_kill_event', 'unhealthy_task_kill_event']),
  appId: z.string(),
  taskId: z.string(),
  instanceId: z.string().optional(),
  version: z.string(),
  reason: z.string(),
  host: z.string(),
  slaveId: z.string().nullable().optional(),
});

const ActionSchema = z.looseObject({
  action: z.string().optional(),
  type: z.string().optional(),
  app: z.string().optional(),
  pod: z.string().optional(),
});
/** ≥ 1.8: `steps:[{actions:[…]}]`; event-bus.md flattens steps to actions. */
const PlanSchema = z.looseObject({
  id: z.string(),
  version: z.string(),
  steps: z.array(z.union([z.looseObject({ actions: z.array(ActionSchema) }), ActionSchema])).optional(),
});

export const DeploymentInfoEventSchema = z.looseObject({
  ...base,
  eventType: z.enum(['deployment_info', 'deployment_step_success', 'deployment_step_failure']),
  plan: PlanSchema,
  currentStep: z.looseObject({ actions: z.array(ActionSchema) }).optional(),
});

export const DeploymentDoneEventSchema = z.looseObject({
  ...base,
  eventType: z.enum(['deployment_success', 'deployment_failed']),
  id: z.string(),
  plan: PlanSchema.optional(),
  reason: z.string().optional(),
});

export const StreamEventSchema = z.looseObject({
  ...base,
  eventType: z.enum(['event_stream_attached', 'event_stream_detached']),
  /** Real servers send `remoteAddress`; event-bus.md wrongly shows `clientIp`. */
  remoteAddress: z.string().optional(),
  clientIp: z.string().optional(),
});

export const AppTerminatedEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('app_terminated_event'),
  appId: z.string(),
});

export const ApiPostEventSchema = z.looseObject({
  ...base,
  eventType: z.literal('api_post_event'),
  clientIp: z.string(),
  uri: z.string(),
  appDefinition: z.looseObject({ id: z.string() }).optional(),
});

export const GroupChangeEventSchema = z.looseObject({
  ...base,
  eventType: z.enum(['group_change_success', 'group_change_failed']),
  groupId: z.string(),
  version: z.string(),
  reason: z.string().optional(),
});

export const SchedulerEventSchema = z.looseObject({
  ...base,
  eventType: z.enum(['scheduler_registered_event', 'scheduler_reregistered_event', 'scheduler_disconnected_event']),
  frameworkId: z.string().optional(),
  master: z.string().optional(),
});

/** Any other type (pods, subscriptions, health-check add/remove…): passed on untyped. */
export const OtherEventSchema = z.looseObject({ ...base, eventType: z.string() });

const known = [
  StatusUpdateEventSchema,
  InstanceChangedEventSchema,
  InstanceHealthChangedEventSchema,
  HealthStatusChangedEventSchema,
  FailedHealthCheckEventSchema,
  UnhealthyKillEventSchema,
  DeploymentInfoEventSchema,
  DeploymentDoneEventSchema,
  StreamEventSchema,
  AppTerminatedEventSchema,
  ApiPostEventSchema,
  GroupChangeEventSchema,
  SchedulerEventSchema,
  UnknownInstanceTerminatedEventSchema,
] as const;

export type StatusUpdateEvent = z.output<typeof StatusUpdateEventSchema>;
export type InstanceChangedEvent = z.output<typeof InstanceChangedEventSchema>;
export type InstanceHealthChangedEvent = z.output<typeof InstanceHealthChangedEventSchema>;
export type HealthStatusChangedEvent = z.output<typeof HealthStatusChangedEventSchema>;
export type FailedHealthCheckEvent = z.output<typeof FailedHealthCheckEventSchema>;
export type UnhealthyKillEvent = z.output<typeof UnhealthyKillEventSchema>;
export type DeploymentInfoEvent = z.output<typeof DeploymentInfoEventSchema>;
export type DeploymentDoneEvent = z.output<typeof DeploymentDoneEventSchema>;
export type StreamEvent = z.output<typeof StreamEventSchema>;
export type UnknownInstanceTerminatedEvent = z.output<typeof UnknownInstanceTerminatedEventSchema>;
/** An event type ci-bot does not model; `type` is the original `eventType`. */
export interface OtherEvent {
  eventType: 'other';
  type: string;
  timestamp: string;
  raw: Record<string, unknown>;
}
export type KnownMarathonEvent = z.output<(typeof known)[number]>;
export type MarathonEvent = KnownMarathonEvent | OtherEvent;
export type MarathonEventType = KnownMarathonEvent['eventType'];

const byType = new Map<string, z.ZodType>();
for (const schema of known) {
  const shape = schema.shape.eventType;
  const values = 'options' in shape ? shape.options : [shape.value];
  for (const v of values) byType.set(v, schema);
}

/** The schema for one `eventType`, or the untyped fallback. */
export function eventSchemaFor(eventType: string): z.ZodType {
  return byType.get(eventType) ?? OtherEventSchema;
}

/** Parses one decoded payload into a typed event; unknown types become {@link OtherEvent}. */
export function toEvent(raw: unknown): { ok: true; event: MarathonEvent } | { ok: false; error: z.ZodError } {
  const type = OtherEventSchema.safeParse(raw);
  if (!type.success) return { ok: false, error: type.error };
  const schema = byType.get(type.data.eventType);
  if (!schema) {
    const event: OtherEvent = { eventType: 'other', type: type.data.eventType, timestamp: type.data.timestamp, raw: type.data };
    return { ok: true, event };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, event: parsed.data as KnownMarathonEvent } : { ok: false, error: parsed.error };
}
