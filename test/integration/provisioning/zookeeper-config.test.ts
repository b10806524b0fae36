/**
 * The zoo.cfg `/ci setup-master` writes, run by the real ZooKeeper (Debian's 3.8, where only `srvr` is allowed by
 * default): the bot's own checks — `ruok` + `mntr` after setup-master, `srvr` in `/ci status` — pass against it.
 * The same file without its `4lw.commands.whitelist` line is refused, so a recipe that drops the line fails here.
 * Only dataDir and clientPort are changed by the harness (a temp dir, a free loopback port).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHosts, type TestHosts } from '../../support/ssh-hosts/index.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { loadRecipes } from '../../../src/recipes/load-recipes.ts';
import { MemoryPinStore } from '../../../src/ssh/pin-store.ts';
import { createSshRecipePort, type SshRecipePort } from '../../../src/ssh/recipe-port.ts';
import { recipeParams } from '../../../src/features/provisioning/index.ts';
import { createSetupMasterHandler } from '../../../src/features/provisioning/handlers.ts';
import { checkZooKeeper } from '../../../src/features/provisioning/zookeeper-check.ts';
import { ZooKeeperClient } from '../../../src/clients/zookeeper/client.ts';
import { UpstreamError } from '../../../src/core/errors.ts';

let th: TestHosts;
let port: SshRecipePort;
let zooCfg: string;
let myid: string;
const servers: ZooKeeperServer[] = [];

before(async () => {
  th = await startTestHosts({ names: ['master'], simulatorControlUrl: 'http://127.0.0.1:9' });
  const h = th.get('master');
  const config = configSchema.parse({ inventory: { hosts: [{ name: 'master', address: h.address, port: h.port, roles: ['master'], hostKey: h.hostKeyFingerprint }] } });
  const recipes = loadRecipes(new URL('../../../commands/', import.meta.url));
  port = createSshRecipePort({ config, secrets: { sshPrivateKeyPath: th.clientKey.path }, recipes, pins: new MemoryPinStore() });
  const handler = createSetupMasterHandler({ recipes: port, joinTimeoutMs: 500, params: (r, n) => recipeParams(config, r, n) });
  await handler({ requester: { userId: 'U1', channelId: 'C1' }, requestId: 'r1', host: 'master', dryRun: false }, {
    jobId: 'job-1', attempt: 1, signal: new AbortController().signal, log: () => undefined,
    progress: { plan: async () => undefined, step: async () => undefined, output: () => undefined },
  });
  zooCfg = h.file('etc/zookeeper/conf/zoo.cfg') ?? assert.fail('setup-master wrote no zoo.cfg');
  myid = h.file('var/lib/zookeeper/myid') ?? assert.fail('setup-master wrote no dataDir/myid');
});
after(async () => {
  for (const s of servers) await s.stop();
  port?.close();
  await th?.stop();
});

async function zooKeeperFrom(cfg: string): Promise<ZooKeeperServer> {
  const zk = await startZooKeeper({ zooCfg: cfg, myid });
  servers.push(zk);
  return zk;
}

/** The client the bot shares, as the check sees it. */
function zkAt(zk: ZooKeeperServer) {
  const client = new ZooKeeperClient({ host: zk.host, port: zk.port, timeoutMs: 3000 });
  return { address: zk.address, ruok: (o: { signal: AbortSignal }) => client.ruok(o), mode: async (o: { signal: AbortSignal }) => (await client.mntr(o)).zk_server_state };
}

describe('zoo.cfg written by setup-master, on the real ZooKeeper', () => {
  test("the bot's checks pass: ruok + mntr (after setup-master) and srvr (/ci status)", async () => {
    // Without this line the AdminServer would take port 8080 (Marathon's, on the master): refused before starting.
    assert.match(zooCfg, /^admin\.enableServer=false$/m);
    const zk = await zooKeeperFrom(zooCfg);
    assert.equal(await checkZooKeeper(zkAt(zk), AbortSignal.timeout(5000)), `${zk.address}: imok, mode standalone`);
    const srvr = await new ZooKeeperClient({ host: zk.host, port: zk.port, timeoutMs: 3000 }).srvr();
    assert.equal(srvr.mode, 'standalone');
  });

  test('the same file without its whitelist line: the check is refused (only srvr is allowed by default)', async () => {
    const lines = zooCfg.split('\n');
    const without = lines.filter((l) => !l.startsWith('4lw.commands.whitelist='));
    assert.equal(without.length, lines.length - 1, 'the recipe wrote exactly one whitelist line');
    const zk = await zooKeeperFrom(without.join('\n'));
    await assert.rejects(checkZooKeeper(zkAt(zk), AbortSignal.timeout(5000)), (err: Error) => {
      assert.ok(err instanceof UpstreamError, String(err));
      assert.match(err.message, /ruok is not in 4lw\.commands\.whitelist/);
      return true;
    });
    const srvr = await new ZooKeeperClient({ host: zk.host, port: zk.port, timeoutMs: 3000 }).srvr();
    assert.equal(srvr.mode, 'standalone', 'the server is up and serving; only the words are refused');
  });
});
