/** R4, R6, R7 (Redis restarted, stalled, misconfigured), R19 (single flight per host), R20 (no secrets stored). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { Queue } from 'bullmq';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { within } from '../../support/deadline.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { TaskRegistry, defineTaskKind, requesterSchema } from '../../../src/core/task-kind.ts';
import { selftestKind } from '../../../src/features/selftest/kind.ts';
import { createTaskWorker } from '../../../src/queue/task-worker.ts';
import { createSchedulers } from '../../../src/queue/schedulers.ts';
import { assertNoEviction, createProducerConnection, createWorkerConnection, EvictionPolicyError } from '../../../src/queue/connection.ts';
import { createSelftestHandler } from '../../../src/features/selftest/handler.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import type { TaskHandler } from '../../../src/core/ports.ts';
import { engine, requester } from './engine-harness.ts';
import { dumpRedis } from '../../support/redis-dump.ts';

let server: RedisServer;
before(async () => {
  server = await startRedis({ aof: true });
});
after(async () => {
  await server.stop();
});

const isUnavailable = (err: unknown) => err instanceof UserFacingError && err.code === 'queue_unavailable';

describe('redis faults', () => {
  test('R7: a Redis that may evict keys is refused with a clear message', async () => {
    const lru = await startRedis({ policy: 'allkeys-lru' });
    const redis = createProducerConnection({ url: lru.url });
    const good = createProducerConnection({ url: server.url });
    try {
      await assert.rejects(assertNoEviction(redis), (err: unknown) =>
        err instanceof EvictionPolicyError && /allkeys-lru/.test(err.message) && /noeviction/.test(err.message));
      await assert.doesNotReject(assertNoEviction(good));
    } finally {
      redis.disconnect();
      good.disconnect();
      await lru.stop();
    }
  });

  test('R6: Redis stalled (SIGSTOP) → producer fails fast with queue_unavailable; recovers after SIGCONT', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const worker = createTaskWorker({ kind: selftestKind, handler: createSelftestHandler({ stepMs: 10 }),
      connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render });
    await worker.ready();
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => rejections.push(err);
    process.on('unhandledRejection', onRejection);
    // The stall is 4 s here instead of R6's 60 s, to keep the suite fast; the behaviour does not depend on length.
    process.kill(server.process.pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 3; i++) {
        // Fails fast: with its own unavailable error while Redis is still stopped, not after the stall (the deadline
        // on the wait is far shorter than the stall and far longer than the producer's own 250 ms deadline).
        await assert.rejects(within(e.client.enqueue('selftest', { requester, requestId: `s${i}` }), 1500, 'enqueue during the stall'), isUnavailable);
      }
      await assert.rejects(e.client.listJobs(), isUnavailable);
      await new Promise((r) => setTimeout(r, 2000)); // hold the stall: the point of the test is its duration
    } finally {
      process.kill(server.process.pid, 'SIGCONT');
    }
    // R6's recovery bound is the deadline of this wait.
    const res = await waitFor(() => e.client.enqueue('selftest', { requester, requestId: 'after' }).catch(() => null),
      { what: 'enqueue after SIGCONT', deadlineMs: 20_000, intervalMs: 200 });
    await waitFor(() => e.notifier.calls.some((c) => /selftest passed/.test(JSON.stringify(c.message))),
      { what: 'job after recovery ran', deadlineMs: 20_000 });
    assert.equal(res.jobId, 'selftest-after');
    process.off('unhandledRejection', onRejection);
    assert.deepEqual(rejections, []);
    await worker.close({ graceMs: 1000 });
  });

  test('a deadline that fires after the add was sent does not say "nothing was queued": the task may be, and here it is', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const admin = createWorkerConnection({ url: server.url });
    t.after(() => admin.disconnect());
    // Writes (the add's script) wait 2.5 s; reads (the duplicate lookup before it) are answered: the add is sent,
    // then the producer's 1 s deadline fires while Redis holds it.
    await admin.call('CLIENT', 'PAUSE', '2500', 'WRITE');
    const err = await e.client.enqueue('selftest', { requester, requestId: 'paused' }).then(() => undefined, (x: unknown) => x);
    assert.ok(isUnavailable(err), String(err));
    assert.match((err as Error).message, /Redis did not confirm `selftest-paused` in time, so it may or may not be queued: `\/ci tasks` lists it/);
    assert.doesNotMatch((err as Error).message, /nothing was queued/);
    const queue = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    t.after(() => queue.close());
    // Once the pause ends the add runs: the reply had to allow for it.
    await waitFor(async () => (await queue.getJob('selftest-paused')) !== undefined, { what: 'the add that was sent', deadlineMs: 10_000 });
  });

  test('R4: Redis restarted (AOF) → no job lost; schedulers intact with exactly one next job each', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const schedulers = createSchedulers({ redis: e.workerRedis, prefix: e.prefix });
    await schedulers.add({ id: 'hourly', cron: '0 * * * *', channel: 'C1', userId: 'U1' });
    await schedulers.add({ id: 'daily', cron: '0 8 * * *', tz: 'Europe/Berlin', channel: 'C2', userId: 'U1' });
    for (let i = 0; i < 5; i++) await e.client.enqueue('selftest', { requester, requestId: `r4-${i}` });
    await server.restart();
    await waitFor(() => e.client.listJobs().catch(() => null), { what: 'producer reconnected', deadlineMs: 15_000 });
    const worker = createTaskWorker({ kind: selftestKind, handler: createSelftestHandler({ stepMs: 1 }),
      connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render });
    const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    await waitFor(async () => (await q.getJobCounts('completed')).completed === 5, { what: '5 done', deadlineMs: 15_000 });
    const list = await schedulers.list();
    assert.deepEqual(list.map((s) => s.id).sort(), ['daily', 'hourly']);
    const report = new Queue('report', { connection: e.workerRedis, prefix: e.prefix });
    const delayed = await report.getDelayed();
    for (const id of ['daily', 'hourly']) {
      assert.equal(delayed.filter((j) => j.id?.startsWith(`repeat:${id}:`)).length, 1, `one next job for ${id}`);
    }
    await Promise.all([q.close(), report.close(), schedulers.close(), worker.close({ graceMs: 1000 })]);
  });

  test('H1: writes refused with NOREPLICAS for a while (a promoted primary whose replicas have not caught up) → the task rides it out: its progress and outcome are written once Redis takes writes, it ends Done, once', async (t) => {
    // A server of its own: min-replicas-to-write 1 without a replica refuses every write, as a freshly promoted
    // primary with `min-replicas-to-write` does until its replicas acknowledge (seen in H1 under load: tasks failed
    // with the refusal, their final messages lost, and said "Running" for ever).
    const own = await startRedis({});
    const e = await engine(own, new TaskRegistry().register(selftestKind));
    const admin = createWorkerConnection({ url: own.url });
    let refusedMs = 0;
    let liftedAt = Infinity;
    const handler: TaskHandler<{ requester: typeof requester }> = async (_task, { progress }) => {
      await progress.plan(['before', 'during']);
      await progress.step('before', 'done');
      await admin.config('SET', 'min-replicas-to-write', '1');
      const from = Date.now();
      setTimeout(() => void admin.config('SET', 'min-replicas-to-write', '0').then(() => (liftedAt = Date.now(), refusedMs = liftedAt - from)), 1500);
      // The plan is published at once (never deferred): while writes are refused, this waits for them.
      await progress.plan(['before', 'during']);
      await progress.step('during', 'done');
      return { summary: 'rode out NOREPLICAS' };
    };
    const worker = createTaskWorker({ kind: selftestKind, handler, connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render });
    const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    // In this order, with the server last: worker connections wait for a server that is gone.
    t.after(async () => {
      await admin.config('SET', 'min-replicas-to-write', '0').catch(() => undefined);
      await worker.close({ graceMs: 1000 });
      await q.close();
      await e.close();
      admin.disconnect();
      await own.stop();
    });
    await worker.ready();
    await admin.config('SET', 'min-replicas-to-write', '1');
    await assert.rejects(e.workerRedis.set(`${e.prefix}:probe`, '1'), /NOREPLICAS/, 'the fault is real: a write is refused');
    await admin.config('SET', 'min-replicas-to-write', '0');
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'h1-noreplicas' });
    await waitFor(async () => ['completed', 'failed'].includes(await (await q.getJob(jobId))?.getState() ?? '') || undefined, { what: 'the task ended', deadlineMs: 15_000 });
    const job = await q.getJob(jobId);
    assert.ok(refusedMs >= 1500, 'writes were refused while the task ran');
    assert.ok((job?.finishedOn ?? 0) >= liftedAt, 'the task ended only after Redis took writes again: it waited for them');
    assert.equal(await job?.getState(), 'completed', `completed, not failed: ${job?.failedReason}`);
    await waitFor(() => e.notifier.calls.some((c) => /rode out NOREPLICAS/.test(JSON.stringify(c.message))) || undefined, { what: 'the final message', deadlineMs: 10_000 });
    assert.equal(e.notifier.posts().filter((c) => !c.threadTs).length, 1, 'one progress message');
    const finished = (await e.audit.recent(50)).filter((x) => x.kind === 'task_finished' && x.jobId === jobId);
    assert.deepEqual(finished.map((x) => x.outcome), ['succeeded'], 'the outcome recorded once');
  });

  test('R19: two requests for the same host within 100 ms → one runs, the other is queued behind it', async (t) => {
    const kind = defineTaskKind<{ requester: typeof requester; host: string; requestId: string }>({
      name: 'setup-agent', queue: 'provision', title: (d) => `setup-agent ${d.host}`,
      schema: z.object({ requester: requesterSchema, host: z.string(), requestId: z.string() }),
      jobId: (d) => `${d.host}-${d.requestId}`, exclusiveKey: (d) => d.host,
    });
    const e = await engine(server, new TaskRegistry().register(kind), t);
    let running = 0;
    let maxRunning = 0;
    let slave1 = 0;
    let maxSlave1 = 0;
    const order: string[] = [];
    const handler = async (task: { requestId: string; host: string }) => {
      running++;
      if (task.host === 'slave1') slave1++;
      maxSlave1 = Math.max(maxSlave1, slave1);
      maxRunning = Math.max(maxRunning, running);
      order.push(task.requestId);
      await new Promise((r) => setTimeout(r, 300));
      running--;
      if (task.host === 'slave1') slave1--;
      return { summary: 'ok' };
    };
    const workers = [1, 2].map(() => createTaskWorker({ kind, handler, connection: e.workerRedis, prefix: e.prefix,
      outbox: e.outbox, audit: e.audit, render: e.render, concurrency: 2, exclusiveRetryMs: 100 }));
    await Promise.all(workers.map((w) => w.ready()));
    const [first, second] = await Promise.all([
      e.client.enqueue('setup-agent', { requester, host: 'slave1', requestId: 'a' }),
      e.client.enqueue('setup-agent', { requester, host: 'slave1', requestId: 'b' }),
    ]);
    const results = [first, second].sort((x, y) => x.state.localeCompare(y.state));
    assert.equal(results[0]?.state, 'queued');
    assert.equal(results[1]?.state, 'queued_behind');
    assert.equal(results[1]?.behind, results[0]?.jobId);
    await e.client.enqueue('setup-agent', { requester, host: 'slave2', requestId: 'c' });
    await waitFor(() => order.length === 3, { what: 'three ran', deadlineMs: 8000 });
    await waitFor(() => running === 0, { what: 'idle' });
    assert.equal(order.filter((r) => r !== 'c').length, 2);
    assert.equal(maxSlave1, 1, 'never two tasks on slave1 at once');
    assert.ok(maxRunning >= 1);
    await Promise.all(workers.map((w) => w.close({ graceMs: 1000 })));
  });

  test('R20: canary secrets never reach Redis (job data, audit, outbox) or logs', async (t) => {
    const canary = 'xoxb-CANARY-1234567890';
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const worker = createTaskWorker({ kind: selftestKind, handler: createSelftestHandler({ stepMs: 1 }),
      connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render });
    // A careless caller passes a token along with the arguments: the schema drops unknown fields.
    await e.client.enqueue('selftest', { requester, requestId: 'r20', token: canary, args: { password: canary } });
    await waitFor(() => e.notifier.calls.some((c) => /selftest passed/.test(JSON.stringify(c.message))), { what: 'done' });
    const dump = await dumpRedis(server.url, `${e.prefix}:*`);
    assert.ok(dump.entries.length > 5, 'the engine wrote its keys');
    for (const entry of dump.entries) assert.ok(!entry.includes(canary), `canary found: ${entry.slice(0, 200)}`);
    assert.ok(!JSON.stringify(e.notifier.calls).includes(canary));
    let logged = '';
    const sink = new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb(); } });
    const log = createLogger({ destination: sink, secrets: [canary] });
    log.info({ botToken: canary, slack: { signingSecret: canary }, req: { headers: { authorization: canary } } }, 'x');
    // The raw error, as a careless call site would log it: the logger itself must scrub it.
    log.error({ err: new Error(`auth failed for ${canary}`, { cause: new Error(`token ${canary} rejected`) }) }, `y ${canary}`);
    assert.equal(logged.split('\n').filter(Boolean).length, 2, 'both lines were written');
    assert.ok(!logged.includes(canary), logged);
    await worker.close({ graceMs: 1000 });
  });
});
