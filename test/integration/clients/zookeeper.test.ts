import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { ZooKeeperClient } from '../../../src/clients/zookeeper/client.ts';
import { UpstreamError } from '../../../src/core/errors.ts';
import { startZooKeeper, zookeeperAvailable, type ZooKeeperServer } from '../../support/zookeeper.ts';
import { freePort } from '../../support/ports.ts';
import { within } from '../../support/deadline.ts';

let zk: ZooKeeperServer;

before(async () => {
  assert.ok(zookeeperAvailable(), 'Debian zookeeper (and java) must be installed');
  zk = await startZooKeeper();
});
after(async () => {
  await zk?.stop();
});

test('ruok, mntr and srvr against a real ZooKeeper are parsed', async () => {
  const client = new ZooKeeperClient({ host: zk.host, port: zk.port, timeoutMs: 3000 });
  assert.equal(await client.ruok(), true);
  const mntr = await client.mntr();
  assert.equal(mntr.zk_server_state, 'standalone');
  assert.match(mntr.zk_version, /^3\.\d+\.\d+/);
  assert.equal(typeof mntr.zk_znode_count, 'number');
  assert.ok(mntr.zk_znode_count >= 1);
  const srvr = await client.srvr();
  assert.equal(srvr.mode, 'standalone');
  assert.match(srvr.zxid, /^0x[0-9a-f]+$/);
  assert.ok(srvr.latency.max >= srvr.latency.min);
  assert.ok(srvr.nodeCount >= 1);
});

test('a stopped ZooKeeper gives a clear "refused" UpstreamError within the deadline', async () => {
  const other = await startZooKeeper();
  const client = new ZooKeeperClient({ host: other.host, port: other.port, timeoutMs: 1500 });
  assert.equal(await client.ruok(), true);
  await other.stop();
  await assert.rejects(client.mntr(), (err: unknown) => {
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.service, 'zookeeper');
    assert.equal(err.failure, 'refused');
    assert.match(err.message, /zookeeper mntr failed \(refused\)/);
    return true;
  });
});

test('a ZooKeeper that accepts but never answers times out at the deadline', async () => {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const silent: Server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
  try {
    const client = new ZooKeeperClient({ host: '127.0.0.1', port, timeoutMs: 300 });
    // The server never answers: only the client's own deadline can end this (the outer one is for a hang).
    await assert.rejects(within(client.ruok(), 30_000, 'ruok'), (err: unknown) => err instanceof UpstreamError && err.failure === 'timeout');
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('a non-whitelisted word and garbage are bad answers, not crashes', async () => {
  const port = await freePort();
  const answers = ['mntr is not executed because it is not in the whitelist.', 'zk_version\t3.9\nnonsense'];
  const fake = createServer((s) => s.end(answers.shift() ?? ''));
  await new Promise<void>((r) => fake.listen(port, '127.0.0.1', r));
  try {
    const client = new ZooKeeperClient({ host: '127.0.0.1', port });
    await assert.rejects(client.mntr(), /not in 4lw.commands.whitelist/);
    await assert.rejects(client.mntr(), (err: unknown) => {
      assert.ok(err instanceof UpstreamError && err.failure === 'bad_answer');
      assert.match(err.message, /zk_server_state/);
      return true;
    });
  } finally {
    fake.close();
  }
});
