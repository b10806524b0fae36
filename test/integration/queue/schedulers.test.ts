/** Scheduled jobs (BullMQ job schedulers) carry the retry policy of the digest kind: a transient failure is retried. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { UpstreamError } from '../../../src/core/errors.ts';
import type { TaskHandler } from '../../../src/core/ports.ts';
import { TaskRegistry, defineTaskKind, requesterSchema } from '../../../src/core/task-kind.ts';
import { createSchedulers } from '../../../src/queue/schedulers.ts';
import { createTaskWorker } from '../../../src/queue/task-worker.ts';
import { engine } from './engine-harness.ts';

let server: RedisServer;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server.stop();
});

interface Task { schedulerId: string; requester: { userId: string; channelId: string }; slotMs: number }
const kind = defineTaskKind<Task>({
  name: 'digest', queue: 'report', attempts: 2, backoffMs: 50, progressMessage: false,
  schema: z.object({ schedulerId: z.string(), requester: requesterSchema, slotMs: z.number() }),
  jobId: (d) => `${d.schedulerId}-${d.slotMs}`, title: () => 'Digest',
});

describe('job schedulers', () => {
  test('a scheduled job that fails transiently is retried (attempt 2 of the same slot) and completes', async (t) => {
    const e = await engine(server, new TaskRegistry(), t);
    const runs: Array<{ jobId: string; attempt: number }> = [];
    const handler: TaskHandler<Task> = async (_task, ctx) => {
      runs.push({ jobId: ctx.jobId, attempt: ctx.attempt });
      if (ctx.attempt === 1) throw new UpstreamError('mesos', 'GET /state', { failure: 'timeout' });
      return { summary: 'digest posted' };
    };
    const worker = createTaskWorker({ kind, handler, connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render });
    const schedulers = createSchedulers({ redis: e.workerRedis, prefix: e.prefix, backoffMs: 50 });
    try {
      await worker.ready();
      await schedulers.add({ id: 'd1', cron: '* * * * * *', channel: 'C1', userId: 'U1' });
      const first = await waitFor(() => runs.find((r) => r.attempt === 1), { what: 'first run', deadlineMs: 5000 });
      await waitFor(() => runs.find((r) => r.jobId === first.jobId && r.attempt === 2), {
        what: `a retry of ${first.jobId}`, deadlineMs: 4000,
      });
      assert.match(first.jobId, /^repeat:d1:\d+$/);
      const queue = new Queue('report', { connection: e.workerRedis, prefix: e.prefix });
      try {
        await waitFor(async () => (await (await queue.getJob(first.jobId))?.getState()) === 'completed', { what: 'completed' });
      } finally {
        await queue.close();
      }
    } finally {
      await schedulers.remove('d1');
      await schedulers.close();
      await worker.close({ graceMs: 1000 });
    }
  });
});
