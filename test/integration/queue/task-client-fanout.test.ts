/**
 * P2 front door: a fan-out (`/ci setup-agent h1 … h50`) is enqueued as one batch under one deadline, against a real
 * Redis. Round trips are counted on the producer connection itself, without timing anything: each command's
 * "wave" is one more than the latest wave whose reply had come back when it was sent, so commands sent together
 * share a wave and the highest wave is the number of round trips waited for one after another.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { createProducerConnection, createWorkerConnection } from '../../../src/queue/connection.ts';
import { createTaskClient } from '../../../src/queue/task-client.ts';
import { TaskRegistry } from '../../../src/core/task-kind.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import { setupAgentKind } from '../../../src/features/provisioning/index.ts';

const requester = { userId: 'U0ALICE001', channelId: 'C0CI000001' };
const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const requests = (names: readonly string[], requestId: string) =>
  names.map((host) => ({ kind: 'setup-agent', data: { requester, requestId, host, dryRun: false } }));

let server: RedisServer;
before(async () => {
  server = await startRedis({ aof: true });
});
after(async () => {
  await server.stop();
});

/** Counts the producer's sequential round trips (see the file comment) from `reset()` on. */
function countWaves(redis: Redis) {
  let done = 0;
  let highest = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { promise: Promise<unknown> }, ...rest: unknown[]) => {
    const wave = done + 1;
    highest = Math.max(highest, wave);
    void command.promise.then(() => { done = Math.max(done, wave); }, () => { done = Math.max(done, wave); });
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as Redis['sendCommand'];
  return { reset: () => { done = 0; highest = 0; }, get waves() { return highest; } };
}

async function setup(t: { after(fn: () => Promise<void> | void): void }, deadlineMs = 250) {
  const prefix = `fan-${randomUUID().slice(0, 8)}`;
  const producer = createProducerConnection({ url: server.url });
  await waitFor(() => producer.status === 'ready', { what: 'producer connection' });
  const client = createTaskClient({ redis: producer, prefix, registry: new TaskRegistry().register(setupAgentKind), deadlineMs });
  const admin = createWorkerConnection({ url: server.url });
  const queue = new Queue('provision', { connection: admin, prefix });
  t.after(async () => {
    await queue.close();
    await client.close();
    producer.disconnect();
    admin.disconnect();
  });
  return { client, producer, admin, queue, waves: countWaves(producer) };
}

test('P2: 50 hosts in one command are all queued, in as many round trips as 2 hosts, with per-host dedup and "queued behind"', async (t) => {
  const { client, queue, waves } = await setup(t);
  // h7 and a1 already have a task waiting: the new ones must be queued behind them.
  const [earlier] = await client.enqueueMany(requests(['h7', 'a1'], 'r0'));
  waves.reset();
  const small = await client.enqueueMany(requests(['a1', 'a2'], 'r1'));
  const smallWaves = waves.waves;
  assert.deepEqual(small.map((r) => r.state), ['queued_behind', 'queued']);
  waves.reset();
  // h3 twice: one job; the second mention is the duplicate.
  const names = [...hosts(50), 'h3'];
  const res = await client.enqueueMany(requests(names, 'r2'));
  assert.equal(waves.waves, smallWaves, `round trips for 51 requests (${waves.waves}) = for 2 (${smallWaves})`);
  assert.ok(smallWaves <= 6, `a handful of round trips, not one set per host: ${smallWaves}`);
  assert.equal(res.length, names.length, 'one result per request, in order');
  assert.deepEqual(res.map((r) => r.jobId), names.map((h) => `setup-agent-${h}-r2`));
  assert.deepEqual(res[6], { jobId: 'setup-agent-h7-r2', state: 'queued_behind', behind: earlier!.jobId });
  assert.equal(res.at(-1)!.state, 'duplicate');
  assert.equal(res.filter((r) => r.state === 'queued').length, 49);
  for (const h of hosts(50)) assert.ok(await queue.getJob(`setup-agent-${h}-r2`), `${h} is in the queue`);
  // A Slack retry of the same command collapses into the jobs already there.
  const again = await client.enqueueMany(requests(['h1', 'h2'], 'r2'));
  assert.deepEqual(again.map((r) => r.state), ['duplicate', 'duplicate']);
});

test('P2: a batch whose adds were sent but not confirmed in time says which tasks may be queued, not "nothing was queued"', async (t) => {
  const { client, admin, queue } = await setup(t, 1000);
  // Writes wait 2.5 s; the duplicate lookups (reads) are answered, so the adds are sent, then the deadline fires.
  await admin.call('CLIENT', 'PAUSE', '2500', 'WRITE');
  const err = await client.enqueueMany(requests(['h1', 'h2', 'h3'], 'p')).then(() => undefined, (x: unknown) => x);
  assert.ok(err instanceof UserFacingError && err.code === 'queue_unavailable', String(err));
  assert.match(err.message, /Redis did not confirm `setup-agent-h1-p`, `setup-agent-h2-p`, `setup-agent-h3-p` in time, so they may or may not be queued/);
  assert.doesNotMatch(err.message, /nothing was queued/);
  await waitFor(async () => (await queue.getJob('setup-agent-h3-p')) !== undefined, { what: 'the adds that were sent', deadlineMs: 10_000 });
});
