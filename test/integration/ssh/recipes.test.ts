/**
 * The shipped recipes against real sshd test hosts: files exactly as SPEC section 1, services in order,
 * idempotence, DRY_RUN, RHEL vs Debian, a wrong ZooKeeper URL, a recipe failing half-way, and R12.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { startTestHosts, startControlStub, type TestHosts, type ControlStub } from '../../support/ssh-hosts/index.ts';
import { loadRecipes } from '../../../src/recipes/load-recipes.ts';
import { validateParams } from '../../../src/recipes/validate-params.ts';
import { RecipeRunner } from '../../../src/ssh/recipe-runner.ts';
import type { SshPool } from '../../../src/ssh/pool.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import { MUTATING, poolFor, targetOf, treeHashes } from './helpers.ts';
import { injectionPayloads } from '../../support/injection-payloads.ts';
import { unexpectedCommands } from '../../support/ssh-hosts/command-record.ts';

const recipes = loadRecipes(new URL('../../../commands/', import.meta.url));
const ZK_HOST = '10.20.0.1';
const ZK = `zk://${ZK_HOST}:2181/mesos`;

let th: TestHosts;
let stub: ControlStub;
let pool: SshPool;
let runner: RecipeRunner;

before(async () => {
  stub = await startControlStub({ expectedZk: ZK });
  th = await startTestHosts({ names: ['master', 'slave1', 'slave2', 'slave3'], simulatorControlUrl: stub.url });
  pool = poolFor(th);
  runner = new RecipeRunner({ executor: pool });
});
after(async () => {
  pool?.close();
  await th?.stop();
  await stub?.stop();
});

function agentEnv(name: string, extra: Record<string, string> = {}) {
  const h = th.get(name);
  return validateParams(recipes.get('setup-agent')!, { HOST_NAME: name, HOST_IP: h.address, ZK_ENSEMBLE: ZK_HOST, ...extra });
}

async function run(recipe: string, host: string, env: Record<string, string>, dryRun = false) {
  const steps: string[] = [];
  const output: string[] = [];
  const res = await runner.run({
    target: targetOf(th.get(host)), recipe: recipes.get(recipe)!, env, dryRun,
    onStep: (n, s) => steps.push(`${n}:${s}`), onOutput: (l) => output.push(l),
  });
  return { res, steps, output };
}

describe('setup-agent', () => {
  test('writes exactly the SPEC files, installs, starts docker then the agent, which registers', async () => {
    const { res, steps } = await run('setup-agent', 'slave2', agentEnv('slave2'));
    assert.equal(res.ok, true, res.outputTail.join('\n'));
    assert.equal(res.changed, true);
    const h = th.get('slave2');
    assert.equal(h.file('etc/mesos/zk'), `${ZK}\n`);
    assert.equal(h.file('etc/mesos-slave/containerizers'), 'docker,mesos\n');
    assert.equal(h.file('etc/mesos-slave/executor_registration_timeout'), '5mins\n');
    assert.equal(h.file('etc/mesos-slave/hostname'), 'slave2\n');
    assert.equal(h.file('etc/mesos-slave/ip'), `${h.address}\n`);
    assert.ok(h.calls().includes('apt-get install -y -q mesos docker.io'));
    const starts = h.calls().filter((c) => c.startsWith('systemctl start'));
    assert.deepEqual(starts, ['systemctl start docker', 'systemctl start mesos-slave']);
    assert.ok(steps.includes('start services:changed'));
    assert.deepEqual(stub.agents(), ['slave2']);
    assert.equal(existsSync('/etc/mesos-slave'), false, "the test machine's /etc is untouched");
  });

  test('a second run changes nothing and says so', async () => {
    const before = th.get('slave2').calls().length;
    const hashes = treeHashes(`${th.get('slave2').root}/etc`);
    const { res, steps } = await run('setup-agent', 'slave2', agentEnv('slave2'));
    assert.equal(res.ok, true);
    assert.equal(res.changed, false);
    assert.ok(steps.every((s) => !s.endsWith(':changed')), steps.join(', '));
    const newCalls = th.get('slave2').calls().slice(before);
    assert.deepEqual(newCalls.filter((c) => MUTATING.test(c)), []);
    assert.deepEqual(treeHashes(`${th.get('slave2').root}/etc`), hashes);
  });

  test('DRY_RUN prints diffs, packages and services, and changes nothing', async () => {
    const h = th.get('slave1');
    const before = { etc: treeHashes(`${h.root}/etc`), lib: treeHashes(`${h.root}/var/lib/zookeeper`) };
    const { res, output, steps } = await run('setup-agent', 'slave1', agentEnv('slave1'), true);
    assert.equal(res.ok, true, res.outputTail.join('\n'));
    assert.equal(res.changed, true, 'a dry run on a fresh host would change things');
    assert.ok(output.includes('+++ /etc/mesos-slave/containerizers (new)'));
    assert.ok(output.includes('+docker,mesos'));
    const details = res.steps.map((s) => s.detail ?? '').join('\n');
    assert.match(details, /would install: mesos docker\.io/);
    assert.match(details, /would start docker/);
    assert.ok(steps.includes('configure mesos agent:changed'));
    assert.deepEqual(treeHashes(`${h.root}/etc`), before.etc);
    assert.deepEqual(h.calls().filter((c) => MUTATING.test(c)), []);
    assert.equal(h.file('etc/mesos-slave/hostname'), undefined);
  });

  test('a wrong ZooKeeper URL gives an agent that never registers, and its log says why', async () => {
    const { res } = await run('setup-agent', 'slave1', agentEnv('slave1', { ZK_ENSEMBLE: '10.99.0.9' }));
    assert.equal(res.ok, true);
    assert.equal(th.get('slave1').file('etc/mesos/zk'), 'zk://10.99.0.9:2181/mesos\n');
    assert.ok(!stub.agents().includes('slave1'));
    const log = await pool.exec(targetOf(th.get('slave1')), { script: 'journalctl -u mesos-slave -n 20 --no-pager' });
    assert.match(log.stdout, /registration refused/);
  });

  test('fixing the URL restarts the agent, which then registers', async () => {
    const { res } = await run('setup-agent', 'slave1', agentEnv('slave1'));
    assert.equal(res.changed, true);
    assert.ok(th.get('slave1').calls().includes('systemctl restart mesos-slave'));
    assert.ok(stub.agents().includes('slave1'));
  });

  test('a recipe failing half-way names the step and shows its output', async () => {
    const { res, steps } = await run('setup-agent', 'slave3', agentEnv('slave3', { PACKAGES_DEBIAN: 'mesos missing-docker' }));
    assert.equal(res.ok, false);
    assert.equal(res.exitCode, 100);
    assert.equal(res.failedStep, 'install packages');
    assert.ok(steps.includes('install packages:failed'));
    assert.ok(!steps.some((s) => s.startsWith('configure mesos agent')), 'later steps never ran');
    assert.ok(res.outputTail.some((l) => l.includes('Unable to locate package missing-docker')));
    assert.equal(th.get('slave3').file('etc/mesos/zk'), undefined);
  });
});

describe('setup-master', () => {
  test('writes zoo.cfg, myid, mesos and marathon files exactly, starts zookeeper → mesos-master → marathon', async () => {
    const h = th.get('master');
    const env = validateParams(recipes.get('setup-master')!, {
      HOST_NAME: h.address, HOST_IP: h.address, ZK_ENSEMBLE: h.address, CLUSTER_NAME: 'vms',
    });
    const { res } = await run('setup-master', 'master', env);
    assert.equal(res.ok, true, res.outputTail.join('\n'));
    const zk = `zk://${h.address}:2181`;
    assert.equal(
      h.file('etc/zookeeper/conf/zoo.cfg'),
      'tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/var/lib/zookeeper\nclientPort=2181\n4lw.commands.whitelist=ruok,mntr,srvr\n' +
        `admin.enableServer=false\nserver.1=${h.address}:2888:3888\n`,
    );
    assert.equal(h.file('etc/zookeeper/conf/myid'), '1\n');
    assert.equal(h.file('var/lib/zookeeper/myid'), '1\n');
    assert.equal(h.file('etc/mesos/zk'), `${zk}/mesos\n`);
    assert.equal(h.file('etc/mesos-master/cluster'), 'vms\n');
    assert.equal(h.file('etc/mesos-master/hostname'), `${h.address}\n`);
    assert.equal(h.file('etc/mesos-master/ip'), `${h.address}\n`);
    assert.equal(h.file('etc/marathon/conf/hostname'), `${h.address}\n`);
    assert.equal(h.file('etc/marathon/conf/master'), `${zk}/mesos\n`);
    assert.equal(h.file('etc/marathon/conf/zk'), `${zk}/marathon\n`);
    const started = stub.requests.filter((r) => r.path.startsWith('/_control/services/')).map((r) => r.path);
    assert.deepEqual(started, [
      '/_control/services/zookeeper/start', '/_control/services/mesos-master/start', '/_control/services/marathon/start',
    ]);
    const marathon = stub.requests.find((r) => r.path.includes('marathon'))!.body as { files: Record<string, string> };
    assert.equal(marathon.files['/etc/marathon/conf/zk'], `${zk}/marathon`);
    const again = await run('setup-master', 'master', env);
    assert.equal(again.res.changed, false);
  });

  test('a three-node ensemble gives server.1..3 and the zk URLs list every host', async () => {
    const env = validateParams(recipes.get('setup-master')!, {
      HOST_NAME: 'm2', HOST_IP: '10.0.0.2', ZK_ENSEMBLE: '10.0.0.1,10.0.0.2,10.0.0.3', ZK_MYID: '2',
    });
    const { res, output } = await run('setup-master', 'slave3', env, true);
    assert.equal(res.ok, true);
    const out = output.join('\n');
    assert.match(out, /\+server\.1=10\.0\.0\.1:2888:3888\n\+server\.2=10\.0\.0\.2:2888:3888\n\+server\.3=10\.0\.0\.3:2888:3888/);
    assert.match(out, /\+zk:\/\/10\.0\.0\.1:2181,10\.0\.0\.2:2181,10\.0\.0\.3:2181\/marathon/);
  });
});

describe('prepull', () => {
  test('pulls once; a second run is no change', async () => {
    const env = validateParams(recipes.get('prepull')!, { IMAGE: 'registry.local:5000/ci/jenkins:lts' });
    const first = await run('prepull', 'slave2', env);
    assert.equal(first.res.changed, true, first.res.outputTail.join('\n'));
    const second = await run('prepull', 'slave2', env);
    assert.equal(second.res.changed, false);
    assert.equal(th.get('slave2').calls().filter((c) => c.startsWith('docker pull')).length, 1);
  });

  test('on a host without docker running it fails at "check docker"', async () => {
    const env = validateParams(recipes.get('prepull')!, { IMAGE: 'busybox' });
    const { res } = await run('prepull', 'master', env);
    assert.equal(res.ok, false);
    assert.equal(res.failedStep, 'check docker');
  });
});

describe('R12: injection', () => {
  test('refused by validation; and even unvalidated values are only ever data on the host: nothing else ran', async () => {
    const h = th.get('slave3');
    const payloads = injectionPayloads(h.root).filter((p) => p.trace && !p.value.includes('\u0000'));
    for (const p of payloads) assert.throws(() => agentEnv('slave3', { HOST_NAME: p.value }), UserFacingError, p.what);
    // Defence in depth: bypass validation on purpose; each value must land in the file verbatim, never run.
    for (const p of payloads) {
      const before = h.commands().length;
      const env = { ...agentEnv('slave3'), HOST_NAME: p.value };
      const { res } = await run('setup-agent', 'slave3', env, true);
      assert.equal(res.ok, true, `${p.what}: ${res.outputTail.join('\n')}`);
      const ran = h.commands().slice(before);
      assert.ok(ran.length > 20, `${p.what}: the host recorded the recipe's commands (${ran.length})`);
      assert.deepEqual(unexpectedCommands(ran, [recipes.get('setup-agent')!.script], { env: { ...env, DRY_RUN: '1' }, controlUrl: stub.url }), [], p.what);
      assert.equal(existsSync(p.trace as string), false, `${p.what}: ${p.trace} exists, so the payload ran`);
    }
    for (const host of th.hosts) {
      assert.deepEqual(readdirSync(host.root, { recursive: true, encoding: 'utf8' }).filter((f) => /pwned/.test(f)), [], host.name);
    }
  });
});

describe('RHEL family', () => {
  test('a CentOS 7 host is provisioned with yum; the same files are written', async () => {
    const stub2 = await startControlStub({ expectedZk: ZK });
    const centos = await startTestHosts({ names: ['rhel1'], simulatorControlUrl: stub2.url, osRelease: 'centos' });
    const p = poolFor(centos);
    try {
      const h = centos.get('rhel1');
      const env = validateParams(recipes.get('setup-agent')!, { HOST_NAME: 'rhel1', HOST_IP: h.address, ZK_ENSEMBLE: ZK_HOST, REPO_URL_RHEL: 'http://repo.local/el/7' });
      const res = await new RecipeRunner({ executor: p }).run({ target: targetOf(h), recipe: recipes.get('setup-agent')!, env });
      assert.equal(res.ok, true, res.outputTail.join('\n'));
      assert.ok(h.calls().includes('yum install -y -q mesos docker'), h.calls().join('\n'));
      assert.ok(!h.calls().some((c) => c.startsWith('apt-get') || c.startsWith('dpkg-query')));
      assert.ok(h.calls().includes('rpm -q mesos'));
      assert.match(h.file('etc/yum.repos.d/ci-bot.repo') ?? '', /baseurl=http:\/\/repo\.local\/el\/7/);
      assert.equal(h.file('etc/mesos-slave/containerizers'), 'docker,mesos\n');
      assert.deepEqual(stub2.agents(), ['rhel1']);
    } finally {
      p.close();
      await centos.stop();
      await stub2.stop();
    }
  });
});
