/** The worker adapter's edges: close() while Redis is stalled, and an abort that happens before the handler runs. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'bullmq';
import { z } from 'zod';
import { startRedis, type RedisServer } from '../../support/redis.ts';
import { TaskRegistry, defineTaskKind, requesterSchema } from '../../../src/core/task-kind.ts';
import { createTaskWorker } from '../../../src/queue/task-worker.ts';
import { waitFor } from '../../support/ports.ts';
import { engine, requester } from './engine-harness.ts';

let server: RedisServer;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server.stop();
});

interface Task { requester: { userId: string; channelId: string }; requestId: string }
const kind = defineTaskKind<Task>({
  name: 'probe', queue: 'probe', progressMessage: false,
  schema: z.object({ requester: requesterSchema, requestId: z.string() }),
  jobId: (d) => d.requestId, title: () => 'Probe',
});

describe('task worker', () => {
  test('close() returns within a bound while Redis is stalled (SIGSTOP)', async (t) => {
    const e = await engine(server, new TaskRegistry(), t);
    const worker = createTaskWorker({ kind, handler: async () => ({ summary: 'ok' }), connection: e.workerRedis,
      prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render });
    await worker.ready();
    const pid = server.process.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const closed = await Promise.race([
        worker.close({ graceMs: 500 }).then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 8000).unref()),
      ]);
      assert.ok(closed, 'close() returned while Redis was stalled (deadline 8 s)');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
  test('an abort that happens while the job waits for its single-flight lock is not lost', async (t) => {
    // The producer's kind has no exclusiveKey: enqueue then ends with its add, before the worker stalls Redis.
    const producerKind = defineTaskKind<Task>({ ...kind, name: 'probe-x', queue: 'probe-x' });
    const e = await engine(server, new TaskRegistry().register(producerKind), t);
    const pid = server.process.pid!;
    let stalled = false;
    let handlerRuns = 0;
    // The lock is taken right after exclusiveKey() returns: stalling Redis there holds the processor in that await.
    const exclusive = defineTaskKind<Task>({
      ...producerKind,
      exclusiveKey: () => {
        if (!stalled) process.kill(pid, 'SIGSTOP');
        stalled = true;
        return 'host-1';
      },
    });
    const cancels: string[] = [];
    const original = Worker.prototype.cancelAllJobs;
    Worker.prototype.cancelAllJobs = function (this: Worker, reason?: string) {
      cancels.push(reason ?? '');
      original.call(this, reason);
    };
    t.after(() => {
      Worker.prototype.cancelAllJobs = original;
    });
    const worker = createTaskWorker({ kind: exclusive, handler: async () => ({ summary: String(++handlerRuns) }),
      connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render });
    await worker.ready();
    let closing: Promise<void> | undefined;
    try {
      await e.client.enqueue('probe-x', { requester, requestId: 'x1' });
      await waitFor(() => stalled, { what: 'the job waiting for its lock' });
      closing = worker.close({ graceMs: 100 }); // after the grace the running job's signal is aborted
      await waitFor(() => cancels.length > 0, { what: 'the shutdown abort' });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await closing;
    assert.deepEqual(cancels, ['shutdown']);
    assert.equal(handlerRuns, 0, 'the handler did not start after the job was aborted');
  });
});
