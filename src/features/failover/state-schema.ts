/** The tracker's state as read back from Redis (untrusted): anything else is ignored and a resync rebuilds it. */
import * as z from 'zod';

const taskView = z.object({
  taskId: z.string(), instanceId: z.string(), incarnation: z.number(), state: z.string(), atMs: z.number(),
  host: z.string().optional(), healthy: z.boolean().nullable(),
});

const incident = z.object({
  id: z.string(), state: z.enum(['open', 'resolved']), planned: z.boolean(), downCount: z.number(), firstDownAtMs: z.number(),
  lastDownAtMs: z.number(), downHost: z.string().optional(), cause: z.string(), downTaskId: z.string(), backHost: z.string().optional(),
  backTaskId: z.string().optional(), resolvedAtMs: z.number().optional(), downtimeMs: z.number(),
  timeline: z.array(z.object({ atMs: z.number(), text: z.string() })).max(200),
});

export const trackerStateSchema = z.object({
  tasks: z.record(z.string(), taskView),
  healthKills: z.record(z.string(), z.string()),
  plannedDeployments: z.array(z.string()),
  incident: incident.optional(),
});
