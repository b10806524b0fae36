/**
 * Issue 16, the Sentinel ROLE watchdog (src/queue/connection.ts `watchRole`): a connection that only reads, left on
 * a node that was demoted without its clients being closed, moves to the primary the sentinels name. Forced with
 * real processes (1 primary, 1 replica, 1 sentinel): the sentinel stops managing the set, the two nodes swap roles
 * by hand (`REPLICAOF` closes no normal client), and the sentinel is pointed at the new primary. Nothing here
 * writes, so READONLY (the other way back) never comes into it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSentinelSet, nodeCommand, type SentinelSet } from '../../support/redis-ha.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { createProducerConnection, describeRedis, waitReady, type RedisTopology } from '../../../src/queue/connection.ts';

let set: SentinelSet;
let topology: RedisTopology;
before(async () => {
  set = await startSentinelSet({ masterName: 'ci-bot-role', replicas: 1, sentinels: 1 });
  topology = { kind: 'sentinel', nodes: set.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), masterName: set.masterName };
});
after(async () => {
  await set?.stop();
});

test('a reading connection on a node demoted without a disconnect moves to the new primary (ROLE checked every 2 s)', async (t) => {
  const producer = createProducerConnection({ url: '', topology, commandTimeoutMs: 2000 });
  t.after(() => producer.disconnect());
  await waitReady(producer, 10_000);
  const [oldPrimary, replica] = set.nodes as [typeof set.nodes[0], typeof set.nodes[0]];
  assert.equal(describeRedis(producer, topology).primary, `127.0.0.1:${oldPrimary.port}`);
  const clientId = await producer.client('ID');

  const sentinel = set.sentinels[0]!.port;
  await nodeCommand(sentinel, 'SENTINEL', 'REMOVE', set.masterName);
  await nodeCommand(replica.port, 'REPLICAOF', 'NO', 'ONE');
  await nodeCommand(oldPrimary.port, 'REPLICAOF', '127.0.0.1', String(replica.port));
  assert.match(String(await nodeCommand(oldPrimary.port, 'ROLE')), /^slave/);
  // The connection survived the demotion: the condition the watchdog exists for.
  assert.match(String(await nodeCommand(oldPrimary.port, 'CLIENT', 'LIST', 'ID', String(clientId))), new RegExp(`id=${clientId} `));
  await nodeCommand(sentinel, 'SENTINEL', 'MONITOR', set.masterName, '127.0.0.1', String(replica.port), '1');

  await waitFor(async () => {
    const role = (await producer.call('ROLE').catch(() => undefined)) as unknown[] | undefined;
    return role?.[0] === 'master' && describeRedis(producer, topology).primary === `127.0.0.1:${replica.port}`;
  }, { deadlineMs: 15_000, intervalMs: 200, what: 'the producer connection on the new primary' });
  assert.equal(await producer.ping(), 'PONG');
});
