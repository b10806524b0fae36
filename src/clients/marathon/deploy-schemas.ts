/**
 * What Marathon answers to an app write (`POST /v2/apps`, `PUT /v2/apps/{id}`) besides success, read as values
 * rather than thrown (JENKINS-ON-MARATHON.md §1, fixtures `errors/409_*.json`, `400_invalid_json.json`,
 * `422_object_not_valid.json`), and the queue's offer statistics (`embed=lastUnusedOffers`).
 */
import * as z from 'zod';

export const WriteErrorSchema = z.looseObject({
  message: z.string(),
  details: z.union([z.string(), z.array(z.looseObject({ path: z.string().default('/'), errors: z.array(z.string()).default([]) }))]).optional(),
  deployments: z.array(z.looseObject({ id: z.string() })).optional(),
});

export const QueueOffersSchema = z.looseObject({
  count: z.number(),
  delay: z.looseObject({ timeLeftSeconds: z.number() }).optional(),
  app: z.looseObject({ id: z.string() }).optional(),
  lastUnusedOffers: z.array(z.looseObject({
    offer: z.looseObject({ hostname: z.string() }),
    reason: z.array(z.string()).default([]),
  })).optional(),
});
export const QueueOffersResponseSchema = z.looseObject({ queue: z.array(QueueOffersSchema) });
