/**
 * Digest schedules and digest state on a real Redis with AOF: schedulers survive a clean Redis restart with
 * exactly one next job each (R4); a slot re-run after a crash compares with the same baseline (R17).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { createProducerConnection } from '../../../src/queue/connection.ts';
import { createSchedulers } from '../../../src/queue/schedulers.ts';
import { createDigestStore } from '../../../src/queue/digest-schedules.ts';
import { waitFor } from '../../../src/playground/ports.ts';

let redis: RedisServer;
before(async () => {
  redis = await startRedis({ aof: true });
});
after(async () => {
  await redis?.stop();
});

describe('digest schedules on Redis', () => {
  test('schedulers survive a Redis restart with AOF: exactly one next job each (R4)', async () => {
    const prefix = `it${randomBytes(3).toString('hex')}`;
    const conn = createProducerConnection({ url: redis.url, name: 'it' });
    after(() => conn.disconnect());
    await waitFor(() => conn.status === 'ready', { deadlineMs: 5000, what: 'Redis ready' });
    const schedulers = createSchedulers({ redis: conn, prefix });
    await schedulers.add({ id: 'dmorning', cron: '0 9 * * 1-5', tz: 'Europe/Berlin', channel: 'C0CI000001', userId: 'U1' });
    await schedulers.add({ id: 'devening', cron: '0 18 * * *', channel: 'C0OPS00001', userId: 'U1' });
    await schedulers.add({ id: 'devening', cron: '0 18 * * *', channel: 'C0OPS00001', userId: 'U1' }); // upsert: still one
    await redis.command('BGREWRITEAOF');
    await redis.restart();
    await waitFor(() => conn.status === 'ready', { deadlineMs: 10_000, what: 'reconnect' });
    const list = await schedulers.list();
    assert.deepEqual(list.map((s) => [s.id, s.cron, s.tz, s.channel]).sort(), [['devening', '0 18 * * *', 'UTC', 'C0OPS00001'], ['dmorning', '0 9 * * 1-5', 'Europe/Berlin', 'C0CI000001']]);
    const queue = new Queue('report', { connection: conn, prefix });
    const delayed = await queue.getDelayed();
    assert.deepEqual(delayed.map((j) => /^repeat:(\w+):/.exec(j.id ?? '')?.[1]).sort(), ['devening', 'dmorning'], 'one next job per scheduler');
    assert.equal(await schedulers.remove('devening'), true);
    assert.equal(await schedulers.remove('devening'), false);
    await queue.close();
    await schedulers.close();
    conn.disconnect();
  });

  test('digest store: a re-run slot gets the same baseline; samples are bounded to the period', async () => {
    const prefix = `it${randomBytes(3).toString('hex')}`;
    const conn = createProducerConnection({ url: redis.url, name: 'it' });
    after(() => conn.disconnect());
    await waitFor(() => conn.status === 'ready', { deadlineMs: 5000, what: 'Redis ready' });
    const store = createDigestStore({ redis: conn, prefix });
    assert.equal(await store.baseline('d1', '100'), undefined);
    const first = { atMs: 100, agents: ['a', 'b'] };
    await store.commit('d1', '100', first, undefined);
    const second = { atMs: 200, agents: ['b'], failingJobs: ['x'], jenkinsQueue: 3 };
    assert.deepEqual(await store.baseline('d1', '200'), first);
    await store.commit('d1', '200', second, first);
    assert.deepEqual(await store.baseline('d1', '200'), first, 'slot 200 again (after a crash): same baseline');
    assert.deepEqual(await store.baseline('d1', '300'), second, 'the next slot compares with slot 200');
    await conn.hset(`${prefix}:digest:state:d2`, { slot: '1', record: '{"atMs":"not a number"}' });
    assert.equal(await store.baseline('d2', '2'), undefined, 'unreadable content is ignored, not trusted');
    for (const atMs of [50, 150, 250]) await store.addSample({ atMs, cpu: atMs / 1000, mem: 0 });
    assert.deepEqual((await store.samples(100, 200)).map((s) => s.atMs), [150]);
    assert.deepEqual((await store.samples(-Infinity, 300)).map((s) => s.atMs), [50, 150, 250]);
    await store.forget('d1');
    assert.equal(await store.baseline('d1', '300'), undefined);
    conn.disconnect();
  });
});
