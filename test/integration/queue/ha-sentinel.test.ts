/**
 * Sentinel connections (issue 16) against real processes (1 primary + 2 replicas + 3 sentinels): a planned
 * failover (`SENTINEL FAILOVER`), in which the old primary lives on as a replica, is followed too (the sentinels
 * close the demoted primary's clients, and the connections ask the sentinels again). (A SIGKILLed primary is the
 * e2e test H1.) And a masterName the sentinels do not monitor never gets ready, and says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSentinelSet, nodeCommand, type SentinelSet } from '../../support/redis-ha.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { createProducerConnection, createWorkerConnection, describeRedis, waitReady, type RedisTopology } from '../../../src/queue/connection.ts';

let set: SentinelSet;
let topology: RedisTopology;
before(async () => {
  set = await startSentinelSet({ masterName: 'ci-bot-it' });
  topology = { kind: 'sentinel', nodes: set.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), masterName: set.masterName };
});
after(async () => {
  await set?.stop();
});

test('a planned failover (SENTINEL FAILOVER, the old primary stays up as a replica) is followed by producer and worker connections', async (t) => {
  const producer = createProducerConnection({ url: '', topology, commandTimeoutMs: 2000 });
  const worker = createWorkerConnection({ url: '', topology });
  t.after(() => {
    producer.disconnect();
    worker.disconnect();
  });
  await waitReady(producer, 10_000);
  await waitReady(worker, 10_000);
  const oldPort = await set.primaryPort();
  assert.equal(describeRedis(producer, topology).primary, `127.0.0.1:${oldPort}`);
  await producer.set('it:before', '1');

  await nodeCommand(set.sentinels[0]!.port, 'SENTINEL', 'FAILOVER', set.masterName);
  const newPort = await set.waitForPromotion(oldPort);
  await waitFor(async () => String(await nodeCommand(oldPort, 'ROLE')).startsWith('slave'), { deadlineMs: 20_000, what: 'the old primary to live on as a replica' });

  // Writes reach the new primary through the same connection objects.
  await waitFor(async () => (await producer.set('it:after', '2').catch(() => undefined)) === 'OK', { deadlineMs: 20_000, intervalMs: 100, what: 'a producer write after the failover' });
  assert.equal(await worker.incr('it:counter'), 1, 'the worker connection writes on the new primary too');
  assert.equal(describeRedis(producer, topology).primary, `127.0.0.1:${newPort}`);
  assert.equal(await nodeCommand(newPort, 'GET', 'it:before'), '1', 'the data came along');
  assert.equal(await nodeCommand(newPort, 'GET', 'it:after'), '2');
});

test('a masterName the sentinels do not monitor: not ready, with the reason', async (t) => {
  const wrong: RedisTopology = { ...topology, kind: 'sentinel', masterName: 'nobody' } as RedisTopology;
  const producer = createProducerConnection({ url: '', topology: wrong });
  t.after(() => producer.disconnect());
  await assert.rejects(waitReady(producer, 3000), /not reachable within 3000 ms/);
  assert.notEqual(producer.status, 'ready');
});
