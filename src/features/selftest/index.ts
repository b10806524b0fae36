/** `/ci selftest`: a short multi-step task that proves the queue, the workers and progress messages end to end. */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { defineFeature, handle, queued, taskOf, type FeatureDeps } from '../define-feature.ts';
import { createSelftestHandler } from './handler.ts';
import { selftestKind } from './kind.ts';

const selftest = queued(
  { name: 'selftest', summary: 'Run a short multi-step task to check the queue, workers and progress messages',
    usage: '', role: 'operator', run: 'queued', schema: z.strictObject({}) },
  () => (_args, requester) => [
    taskOf(selftestKind, { requester: { userId: requester.userId, channelId: requester.channelId }, requestId: randomUUID() }),
  ],
);

export const selftestFeature = defineFeature({
  name: 'selftest',
  roles: ['serve', 'worker'],
  setup: (deps: FeatureDeps) => ({ stepMs: deps.config.tasks.selftestStepMs }),
  commands: [selftest],
  tasks: [handle(selftestKind, (ctx: { stepMs: number }) => createSelftestHandler({ stepMs: ctx.stepMs }))],
});
