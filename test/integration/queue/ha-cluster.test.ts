/**
 * Redis Cluster (issue 16): three real `redis-server` primaries in cluster mode, every slot assigned. Each store
 * ci-bot keeps in Redis works through the Cluster client with the hash-tagged prefix (`{…}`, as `redis.cluster`
 * makes it): BullMQ queues, workers and the outbox, the cancel bus, schedulers, the audit log, locks and the lease,
 * and every small store. All of a prefix's keys hash to one slot, so multi-key scripts never cross slots; without
 * the tag BullMQ's scripts are refused (CROSSSLOT), which is why the config adds it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startRedisCluster, nodeCommand, type RedisCluster } from '../../support/redis-ha.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { assertNoEviction, createProducerConnection, describeRedis, waitReady, type RedisTopology } from '../../../src/queue/connection.ts';
import { createTaskWorker } from '../../../src/queue/task-worker.ts';
import { createTaskClient } from '../../../src/queue/task-client.ts';
import { createSchedulers } from '../../../src/queue/schedulers.ts';
import { createDigestStore } from '../../../src/queue/digest-schedules.ts';
import { acquireExclusive, releaseExclusive, renewExclusive } from '../../../src/queue/exclusive-lock.ts';
import { runUnderLease } from '../../../src/queue/lease.ts';
import { TaskRegistry } from '../../../src/core/task-kind.ts';
import { selftestKind } from '../../../src/features/selftest/kind.ts';
import { createSelftestHandler } from '../../../src/features/selftest/handler.ts';
import { RedisConfirmationStore } from '../../../src/store/redis-confirmations.ts';
import { RedisPinStore } from '../../../src/store/redis-pins.ts';
import { ReplayGuard } from '../../../src/store/replay-guard.ts';
import { createRedisProvisionLog } from '../../../src/store/redis-provision-log.ts';
import { createRedisAlertLog } from '../../../src/store/redis-alert-log.ts';
import { createRedisStateStore } from '../../../src/store/redis-state-store.ts';
import { engine, requester } from './engine-harness.ts';

let cluster: RedisCluster;
let topology: RedisTopology;
let redis: Redis;
/** A fresh hash-tagged prefix per test. */
const tagged = () => `{ha-${randomUUID().slice(0, 8)}}`;
const text = (m: { text: string; blocks?: unknown[] } | undefined) => JSON.stringify(m?.blocks ?? m?.text ?? '');

before(async () => {
  cluster = await startRedisCluster({ primaries: 3 });
  topology = { kind: 'cluster', nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) };
  redis = createProducerConnection({ url: '', topology, commandTimeoutMs: 2000 });
  await waitReady(redis, 10_000);
});
after(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

/** Every key under `prefix` on every primary, with its slot and the node holding it. */
async function keysOf(prefix: string): Promise<Array<{ key: string; slot: number; port: number }>> {
  const out: Array<{ key: string; slot: number; port: number }> = [];
  for (const n of cluster.nodes) {
    const keys = (await nodeCommand(n.port, 'KEYS', `${prefix.replace(/[{}]/g, '\\$&')}*`)) as string[];
    for (const key of keys) out.push({ key, slot: Number(await nodeCommand(n.port, 'CLUSTER', 'KEYSLOT', key)), port: n.port });
  }
  return out;
}

/** The engine on the cluster with a selftest worker (steps of `stepMs`), all closed after the test. */
async function selftestEngine(t: { after(fn: () => Promise<void>): void }, stepMs: number) {
  const e = await engine({ url: '', topology }, new TaskRegistry().register(selftestKind), t, tagged());
  const worker = createTaskWorker({ kind: selftestKind, handler: createSelftestHandler({ stepMs }),
    connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: e.render, progressFlushMs: 50 });
  t.after(() => worker.close({ graceMs: 1000 }));
  await worker.ready();
  return e;
}

describe('Redis Cluster: 3 primaries', () => {
  test('connection: noeviction checked on every primary; /readyz lists the three primaries', async () => {
    await assertNoEviction(redis);
    assert.deepEqual(describeRedis(redis, topology), { topology: 'cluster', primaries: cluster.addresses.slice().sort() });
    await nodeCommand(cluster.nodes[1]!.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      await assert.rejects(assertNoEviction(redis), /maxmemory-policy is "allkeys-lru"/, 'one evicting primary is enough to refuse');
    } finally {
      await nodeCommand(cluster.nodes[1]!.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  test('queues, worker, outbox and audit: selftest end to end, one progress message; every key in the one slot', async (t) => {
    const e = await selftestEngine(t, 50);
    assert.deepEqual(await e.client.enqueue('selftest', { requester, requestId: 'c1' }), { jobId: 'selftest-c1', state: 'queued' });
    assert.equal((await e.client.enqueue('selftest', { requester, requestId: 'c1' })).state, 'duplicate');
    await waitFor(() => e.notifier.calls.some((c) => c.op === 'update' && /Done/.test(text(c.message))), { what: 'final update', deadlineMs: 15_000 });
    assert.equal(e.notifier.posts().filter((c) => !c.threadTs).length, 1, 'one progress message');
    assert.equal((await e.client.readLog('selftest-c1')).length, 4);
    const history = await e.audit.recent(10);
    assert.deepEqual(history.map((h) => h.kind).slice(0, 2), ['task_finished', 'task_started']);
    const keys = await keysOf(e.prefix);
    assert.ok(keys.some((k) => k.key.includes(':outbox')) && keys.some((k) => k.key.endsWith(':audit')) && keys.some((k) => k.key.includes(':selftest:')), keys.map((k) => k.key).join(' '));
    assert.equal(new Set(keys.map((k) => k.slot)).size, 1, 'every key of the prefix in one slot');
  });

  test('cancel through the cancel bus (pub/sub across the cluster)', async (t) => {
    const e = await selftestEngine(t, 400);
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'x1' });
    await waitFor(() => e.notifier.calls.some((c) => /step 2\/4/.test(text(c.message))), { what: 'step 2 output', deadlineMs: 15_000 });
    assert.deepEqual(await e.client.cancel(jobId, { userId: 'U9', role: 'admin' }), { state: 'cancelling' });
    await waitFor(() => e.notifier.calls.some((c) => /Cancelled/.test(text(c.message))), { what: 'cancelled message', deadlineMs: 15_000 });
  });

  test('an un-tagged prefix is refused by the cluster: BullMQ scripts would cross slots', async () => {
    const client = createTaskClient({ redis, prefix: `plain${randomUUID().slice(0, 6)}`, registry: new TaskRegistry().register(selftestKind), deadlineMs: 5000 });
    try {
      await assert.rejects(client.enqueue('selftest', { requester, requestId: 'p1' }), (err: Error) => /CROSSSLOT/.test(String(err.cause)));
    } finally {
      await client.close();
    }
  });

  test('a fan-out under an un-tagged prefix is refused before anything is sent: the reply says nothing was queued', async () => {
    const client = createTaskClient({ redis, prefix: `plain${randomUUID().slice(0, 6)}`, registry: new TaskRegistry().register(selftestKind), deadlineMs: 5000 });
    try {
      // The cluster client refuses the adds' MULTI itself (its keys are in several slots): no add reached Redis.
      const batch = ['f1', 'f2'].map((requestId) => ({ kind: 'selftest', data: { requester, requestId } }));
      await assert.rejects(client.enqueueMany(batch), (err: Error) => /nothing was queued/.test(err.message) && /same slot/.test(String(err.cause)));
    } finally {
      await client.close();
    }
  });

  test('schedulers: an upsert is one scheduler with exactly one next job; removed', async () => {
    const prefix = tagged();
    const schedulers = createSchedulers({ redis, prefix });
    try {
      await schedulers.add({ id: 'dmorning', cron: '0 9 * * 1-5', tz: 'Europe/Berlin', channel: 'C0CI000001', userId: 'U1' });
      await schedulers.add({ id: 'dmorning', cron: '0 9 * * 1-5', tz: 'Europe/Berlin', channel: 'C0CI000001', userId: 'U1' });
      assert.deepEqual((await schedulers.list()).map((s) => [s.id, s.tz]), [['dmorning', 'Europe/Berlin']]);
      const queue = new Queue('report', { connection: redis, prefix });
      assert.equal((await queue.getDelayed()).filter((j) => (j.id ?? '').startsWith('repeat:dmorning:')).length, 1);
      await queue.close();
      assert.equal(await schedulers.remove('dmorning'), true);
      assert.deepEqual(await schedulers.list(), []);
    } finally {
      await schedulers.close();
    }
  });

  test('locks and the lease: one holder at a time; a closed holder hands over', async () => {
    const prefix = tagged();
    const lock = `${prefix}:lock:host:slave1`;
    assert.equal(await acquireExclusive(redis, lock, 'job-a', 5000), true);
    assert.equal(await acquireExclusive(redis, lock, 'job-b', 5000), false);
    assert.equal(await renewExclusive(redis, lock, 'job-a', 5000), true);
    assert.equal(await renewExclusive(redis, lock, 'job-b', 5000), false);
    assert.equal(await releaseExclusive(redis, lock, 'job-a'), true);
    assert.equal(await acquireExclusive(redis, lock, 'job-b', 5000), true);

    const key = `${prefix}:lease:watch`;
    const running: string[] = [];
    const holder = (name: string) => runUnderLease({ redis, key, holder: name, ttlMs: 900, work: async (signal) => {
      running.push(name);
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    } });
    const a = holder('a');
    await waitFor(() => a.held(), { what: 'a holds the lease', deadlineMs: 5000 });
    const b = holder('b');
    try {
      assert.equal(b.held(), false);
      await a.close();
      await waitFor(() => b.held(), { what: 'b takes the lease over', deadlineMs: 5000 });
      assert.deepEqual(running, ['a', 'b']);
      assert.equal(await redis.get(key), 'b');
    } finally {
      await b.close();
    }
  });

  describe('small stores', () => {
    test('confirmations: created, read, taken once', async () => {
      const store = new RedisConfirmationStore(redis, tagged());
      const p = await store.create({ command: 'setup-master', text: 'setup-master master', args: {}, requester }, 10_000);
      assert.equal((await store.get(p.id))?.command, 'setup-master');
      assert.equal((await store.take(p.id))?.id, p.id);
      assert.equal(await store.take(p.id), undefined, 'a second click finds nothing');
    });

    test('host-key pins: added, listed, replaced', async () => {
      const pins = new RedisPinStore(redis, tagged());
      await pins.add('slave1', 'SHA256:a');
      await pins.add('slave1', 'SHA256:b');
      assert.deepEqual(await pins.get('slave1'), ['SHA256:a', 'SHA256:b']);
      await pins.replace('slave1', 'SHA256:c');
      assert.deepEqual(await pins.get('slave1'), ['SHA256:c']);
    });

    test('replay guard: a signature is new once', async () => {
      const guard = new ReplayGuard(redis, tagged(), { budgetMs: 2000 });
      assert.equal(await guard.firstSeen('v0=abc'), true);
      assert.equal(await guard.firstSeen('v0=abc'), false);
    });

    test('provision log: last record per host', async () => {
      const log = createRedisProvisionLog(redis, tagged());
      await log.record({ host: 'slave1', recipe: 'setup-agent', outcome: 'changed', at: 1, jobId: 'j1' });
      await log.record({ host: 'slave1', recipe: 'setup-agent', outcome: 'no change', at: 2, jobId: 'j2' });
      assert.deepEqual(Object.keys(await log.last(['slave1', 'slave2'])), ['slave1']);
      assert.equal((await log.last(['slave1'])).slave1?.jobId, 'j2');
    });

    test('alert log: a record replaced in place (open → resolved), listed by time (a MULTI on one slot)', async () => {
      const log = createRedisAlertLog(redis, tagged());
      const now = Date.now();
      await log.record({ key: 'jenkins:1', kind: 'jenkins', severity: 'critical', title: 'Jenkins down', state: 'open', openedAt: now });
      await log.record({ key: 'jenkins:1', kind: 'jenkins', severity: 'critical', title: 'Jenkins back', state: 'resolved', openedAt: now, resolvedAt: now + 1 });
      assert.deepEqual((await log.since(now - 1000)).map((r) => [r.key, r.state]), [['jenkins:1', 'resolved']]);
    });

    test('state store and digest store', async () => {
      const prefix = tagged();
      const state = createRedisStateStore(redis, prefix);
      await state.set('failover:/jenkins:fingerprint', { jobCount: 3 });
      assert.deepEqual(await state.get('failover:/jenkins:fingerprint'), { jobCount: 3 });
      const digests = createDigestStore({ redis, prefix });
      const first = { atMs: 100, agents: ['a', 'b'] };
      await digests.commit('d1', '100', first, undefined);
      assert.deepEqual(await digests.baseline('d1', '200'), first);
      const keys = await keysOf(prefix);
      assert.equal(new Set(keys.map((k) => k.slot)).size, 1, 'one slot');
    });
  });
});
