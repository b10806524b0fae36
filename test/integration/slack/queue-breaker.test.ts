/**
 * P1 with Redis down: the front door's breaker (src/slack/queue-breaker.ts) over the real task client and a real
 * Redis. After the first enqueue that fails with queue_unavailable, later ones are answered with the same error
 * without reaching Redis (counted by Redis itself, from INFO commandstats once it runs again), and once Redis
 * answers, commands queue again. Also the connection-state path: Redis stopped outright opens it without any call.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { createProducerConnection, queueHealthSignal } from '../../../src/queue/connection.ts';
import { createTaskClient } from '../../../src/queue/task-client.ts';
import { guardTaskQueue, QueueBreaker } from '../../../src/slack/queue-breaker.ts';
import { TaskRegistry } from '../../../src/core/task-kind.ts';
import { selftestKind } from '../../../src/features/selftest/kind.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import { within } from '../../support/deadline.ts';

const requester = { userId: 'U0ALICE001', channelId: 'C0CI000001' };
const isUnavailable = (err: unknown) => err instanceof UserFacingError && err.code === 'queue_unavailable';

let server: RedisServer;
before(async () => {
  server = await startRedis({ aof: true });
});
after(async () => {
  await server.stop();
});

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const prefix = `brk-${randomUUID().slice(0, 8)}`;
  const producer = createProducerConnection({ url: server.url });
  await waitFor(() => producer.status === 'ready', { what: 'producer connection' });
  const changes: boolean[] = [];
  const breaker = new QueueBreaker(queueHealthSignal(producer), { probeEveryMs: 200, onChange: (open) => changes.push(open) });
  const client = createTaskClient({ redis: producer, prefix, registry: new TaskRegistry().register(selftestKind), deadlineMs: 250 });
  const tasks = guardTaskQueue(client, breaker);
  const admin = new Redis(server.url);
  admin.on('error', () => undefined); // the restart test drops it on purpose
  const queue = new Queue('selftest', { connection: admin, prefix });
  t.after(async () => {
    breaker.close();
    await queue.close();
    await client.close();
    producer.disconnect();
    admin.disconnect();
  });
  return { tasks, breaker, changes, admin, queue };
}

/** How many times Redis has run `command` (INFO commandstats). */
async function calls(admin: Redis, command: string): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}

test('P1: Redis stalled (SIGSTOP) → after the first failure, enqueues are answered "unavailable" without reaching Redis; they queue again after SIGCONT', async (t) => {
  const { tasks, breaker, changes, admin, queue } = await setup(t);
  await tasks.enqueue('selftest', { requester, requestId: 'before' });
  // Each enqueue starts with a job lookup (HGETALL of the job's key): one per attempt that reaches Redis.
  const lookupsBefore = await calls(admin, 'hgetall');
  process.kill(server.process.pid, 'SIGSTOP');
  try {
    await assert.rejects(within(tasks.enqueue('selftest', { requester, requestId: 'first' }), 5000, 'first enqueue'), isUnavailable);
    assert.equal(breaker.isOpen, true, 'the first failure opens the breaker');
    for (let i = 0; i < 20; i++) {
      await assert.rejects(within(tasks.enqueue('selftest', { requester, requestId: `stalled-${i}` }), 5000, 'enqueue while open'), isUnavailable);
    }
    await assert.rejects(tasks.listJobs(), isUnavailable);
  } finally {
    process.kill(server.process.pid, 'SIGCONT');
  }
  await waitFor(() => !breaker.isOpen, { what: 'breaker closed after SIGCONT', deadlineMs: 10_000 });
  // Commands written during the stall are run once Redis resumes: only the first attempt's lookup is among them.
  assert.equal((await calls(admin, 'hgetall')) - lookupsBefore, 1, 'only the first enqueue reached Redis');
  const res = await tasks.enqueue('selftest', { requester, requestId: 'after' });
  assert.equal(res.state, 'queued');
  assert.ok(await queue.getJob(res.jobId), 'the job after recovery is in the queue');
  for (let i = 0; i < 20; i++) assert.equal(await queue.getJob(`selftest-stalled-${i}`), undefined, `nothing queued for stalled-${i}`);
  assert.deepEqual(changes, [true, false]);
});

test('P1: Redis stopped → the connection state opens the breaker before any call; restarted → commands queue again', async (t) => {
  const { tasks, breaker, queue } = await setup(t);
  const restarted = server.restart({ downMs: 1500 });
  await waitFor(() => breaker.isOpen, { what: 'breaker opened by the connection closing', deadlineMs: 10_000 });
  await assert.rejects(within(tasks.enqueue('selftest', { requester, requestId: 'down' }), 5000, 'enqueue while down'), isUnavailable);
  await restarted;
  await waitFor(() => !breaker.isOpen, { what: 'breaker closed after the restart', deadlineMs: 10_000 });
  const res = await tasks.enqueue('selftest', { requester, requestId: 'back' });
  assert.ok(await queue.getJob(res.jobId), 'queued again after the restart');
  assert.equal(await queue.getJob('selftest-down'), undefined);
});
