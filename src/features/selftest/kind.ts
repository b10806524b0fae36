/** Task kinds owned by the engine itself; feature kinds are registered by the lead next to these. */
import * as z from 'zod';
import type { SelftestTask } from './handler.ts';
import { defineTaskKind, requesterSchema } from '../../core/task-kind.ts';

/** `/ci selftest`: queue `selftest`, no retries, one job per Slack request. */
export const selftestKind = defineTaskKind<SelftestTask>({
  name: 'selftest',
  queue: 'selftest',
  schema: z.object({
    requester: requesterSchema,
    requestId: z.string().min(1).max(100),
    stepMs: z.number().int().min(0).max(10_000).optional(),
  }),
  attempts: 2,
  backoffMs: 500,
  jobId: (d) => d.requestId,
  title: () => 'Selftest',
});
