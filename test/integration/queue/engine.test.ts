import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { createTaskWorker } from '../../../src/queue/task-worker.ts';
import { TaskRegistry, defineTaskKind, requesterSchema } from '../../../src/core/task-kind.ts';
import { selftestKind } from '../../../src/features/selftest/kind.ts';
import { createSelftestHandler } from '../../../src/features/selftest/handler.ts';
import { PermanentError, UpstreamError, UserFacingError } from '../../../src/core/errors.ts';
import { Queue } from 'bullmq';
import { engine, requester } from './engine-harness.ts';

let server: RedisServer;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server.stop();
});

const text = (m: { text: string; blocks?: unknown[] } | undefined) => JSON.stringify(m?.blocks ?? m?.text ?? '');

describe('task engine', () => {
  test('selftest end to end: one progress message updated to done, thread output, full log, audit', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const worker = createTaskWorker({ kind: selftestKind, handler: createSelftestHandler({ stepMs: 50 }),
      connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render, progressFlushMs: 50 });
    await worker.ready();
    const res = await e.client.enqueue('selftest', { requester, requestId: 'r1' });
    assert.deepEqual(res, { jobId: 'selftest-r1', state: 'queued' });
    const again = await e.client.enqueue('selftest', { requester, requestId: 'r1' });
    assert.equal(again.state, 'duplicate', 'deterministic job id collapses a repeated request');
    await waitFor(() => e.notifier.calls.some((c) => c.op === 'update' && /Done/.test(text(c.message))),
      { what: 'final update', deadlineMs: 8000 });
    const mainPosts = e.notifier.posts().filter((c) => !c.threadTs);
    assert.equal(mainPosts.length, 1, 'one progress message');
    const final = text(e.notifier.latest(mainPosts[0]!.ts));
    assert.match(final, /✅ check queue/);
    assert.match(final, /selftest passed: 4 steps/);
    assert.doesNotMatch(final, /cancel_job/, 'no Cancel button once finished');
    const firstVersion = text(mainPosts[0]!.message);
    assert.match(firstVersion, /cancel_job/, 'Cancel button while running');
    await waitFor(() => e.notifier.posts().some((c) => c.threadTs === mainPosts[0]!.ts), { what: 'thread reply' });
    const log = await e.client.readLog('selftest-r1');
    assert.equal(log.length, 4);
    assert.match(log[3]!, /step 4\/4: verify/);
    const history = await e.audit.recent(10);
    assert.deepEqual(history.map((h) => h.kind).slice(0, 2), ['task_finished', 'task_started']);
    assert.equal(history[0]!.outcome, 'succeeded');
    await worker.close({ graceMs: 1000 });
    await e.close();
  });

  test('cancel mid-way through /ci cancel: operator may cancel own task only; admin any; aborted via signal', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const worker = createTaskWorker({ kind: selftestKind, handler: createSelftestHandler({ stepMs: 400 }),
      connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render, progressFlushMs: 50 });
    await worker.ready();
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'c1' });
    await waitFor(async () => (await e.client.listJobs()).some((j) => j.jobId === jobId && j.state === 'active'),
      { what: 'job active' });
    const jobs = await e.client.listJobs();
    assert.equal(jobs[0]?.requesterId, 'U1');
    await assert.rejects(e.client.cancel(jobId, { userId: 'U2', role: 'operator' }),
      (err: unknown) => err instanceof UserFacingError && err.code === 'denied');
    await assert.rejects(e.client.cancel(jobId, { userId: 'U1', role: 'viewer' }),
      (err: unknown) => err instanceof UserFacingError && err.code === 'denied');
    await waitFor(() => e.notifier.calls.some((c) => /step 2\/4/.test(text(c.message))), { what: 'step 2 output' });
    assert.deepEqual(await e.client.cancel(jobId, { userId: 'U9', role: 'admin' }), { state: 'cancelling' });
    await waitFor(() => e.notifier.calls.some((c) => /Cancelled/.test(text(c.message))), { what: 'cancelled message' });
    const final = text(e.notifier.calls.filter((c) => !c.threadTs && c.op === 'update').at(-1)?.message);
    assert.match(final, /Cancelled/);
    assert.match(final, /U9/);
    assert.doesNotMatch(final, /✅ verify/);
    await waitFor(async () => !(await e.client.listJobs()).some((j) => j.jobId === jobId), { what: 'job gone' });
    const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    const job = await q.getJob(jobId);
    assert.equal(await job?.getState(), 'failed', 'cancelled jobs are not retried');
    assert.equal(job?.attemptsMade, 1);
    assert.ok((await e.audit.recent(5)).some((a) => a.kind === 'cancelled' && a.jobId === jobId));
    await q.close();
    await worker.close({ graceMs: 1000 });
    await e.close();
  });

  test('a waiting job is removed on cancel; unknown jobs are not_found', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'w1' });
    assert.deepEqual(await e.client.cancel(jobId, { userId: 'U1', role: 'operator' }), { state: 'removed' });
    assert.deepEqual(await e.client.listJobs(), []);
    await assert.rejects(e.client.cancel('nope', { userId: 'U1', role: 'admin' }),
      (err: unknown) => err instanceof UserFacingError && err.code === 'not_found');
    await e.close();
  });

  test('job data is validated again by the worker; permanent errors fail at once; transient ones retry', async () => {
    const kind = defineTaskKind<{ requester: typeof requester; mode: string }>({
      name: 'flaky', queue: 'flaky', attempts: 3, backoffMs: 20,
      schema: z.object({ requester: requesterSchema, mode: z.enum(['permanent', 'transient', 'ok']) }),
      jobId: (d) => `${d.mode}-${Math.random()}`, title: (d) => `flaky ${d.mode}`,
    });
    const e = await engine(server, new TaskRegistry().register(kind));
    const tries = new Map<string, number>();
    const worker = createTaskWorker({ kind, connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox,
      audit: e.audit, render: e.render, handler: async (task, ctx) => {
        tries.set(task.mode, (tries.get(task.mode) ?? 0) + 1);
        if (task.mode === 'permanent') throw new PermanentError('bad_arguments', 'host slave9 is not in the inventory');
        if (task.mode === 'transient' && ctx.attempt < 3) {
          throw new UpstreamError('mesos', 'GET /state', { failure: 'http', status: 503 });
        }
        return { summary: 'ok' };
      } });
    await worker.ready();
    await e.client.enqueue('flaky', { requester, mode: 'permanent' });
    await e.client.enqueue('flaky', { requester, mode: 'transient' });
    // Untrusted Redis content: a job written behind the producer's back with bad data.
    const q = new Queue('flaky', { connection: e.workerRedis, prefix: e.prefix });
    const bad = await q.add('flaky', { requester, mode: 'rm -rf /' }, { jobId: 'bad', attempts: 3 });
    await waitFor(async () => (await q.getJobCounts('completed', 'failed')).completed === 1 &&
      (await q.getJobCounts('failed')).failed === 2, { what: 'jobs settled', deadlineMs: 8000 });
    assert.equal(tries.get('permanent'), 1, 'permanent failure not retried');
    assert.equal(tries.get('transient'), 3, 'transient failure retried until success');
    assert.equal(tries.get('rm -rf /'), undefined, 'invalid data never reaches the handler');
    assert.equal((await q.getJob(bad.id!))?.attemptsMade, 1);
    await waitFor(() => e.notifier.calls.some((c) => /slave9 is not in the inventory/.test(text(c.message))),
      { what: 'permanent failure shown' });
    await q.close();
    await worker.close({ graceMs: 1000 });
    await e.close();
  });

  test('kinds sharing a queue: one worker runs each job with its own kind\'s handler', async () => {
    const make = (name: string) => defineTaskKind<{ requester: typeof requester; n: number }>({
      name, queue: 'shared', schema: z.object({ requester: requesterSchema, n: z.number() }),
      jobId: (d) => `${name}-${d.n}`, title: () => name, progressMessage: false,
    });
    const [a, b] = [make('kind-a'), make('kind-b')];
    const e = await engine(server, new TaskRegistry().register(a).register(b));
    const ran: string[] = [];
    const worker = createTaskWorker({
      kind: a, handler: async (task) => (ran.push(`a${task.n}`), { summary: 'a' }), connection: e.workerRedis, prefix: e.prefix,
      outbox: e.outbox, audit: e.audit, render: e.render, alsoHandles: [{ kind: b, handler: (async (task: { n: number }) => (ran.push(`b${task.n}`), { summary: 'b' })) as never }],
    });
    await worker.ready();
    for (let n = 1; n <= 3; n += 1) {
      await e.client.enqueue('kind-a', { requester, n });
      await e.client.enqueue('kind-b', { requester, n });
    }
    await waitFor(() => ran.length === 6, { what: 'six jobs', deadlineMs: 8000 });
    assert.deepEqual([...ran].sort(), ['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    await worker.close({ graceMs: 1000 });
    await e.close();
  });
});
