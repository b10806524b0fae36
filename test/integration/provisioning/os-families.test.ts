/**
 * A mixed inventory provisioned through the bot's own path (inventory → recipeParams → SSH recipe port → handler):
 * a CentOS 7 master, a Rocky 9 agent and a Debian 12 agent, each detected from its own /etc/os-release, each
 * getting its own family's package names, package manager and repository file — read back from the hosts' shim
 * call logs and filesystems.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHosts, type TestHosts } from '../../support/ssh-hosts/index.ts';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import { loadRecipes } from '../../../src/recipes/load-recipes.ts';
import { MemoryPinStore } from '../../../src/ssh/pin-store.ts';
import { createSshRecipePort, type SshRecipePort } from '../../../src/ssh/recipe-port.ts';
import { recipeParams } from '../../../src/features/provisioning/index.ts';
import { createSetupAgentHandler, createSetupMasterHandler, type ProvisionDeps } from '../../../src/features/provisioning/handlers.ts';
import type { TaskContext } from '../../../src/core/ports.ts';

const recipes = loadRecipes(new URL('../../../commands/', import.meta.url));
let th: TestHosts;
let port: SshRecipePort;
let config: Config;

before(async () => {
  th = await startTestHosts({
    names: ['el7-master', 'el9-agent', 'deb-agent'], simulatorControlUrl: 'http://127.0.0.1:9',
    osRelease: { 'el7-master': 'centos', 'el9-agent': 'rocky', 'deb-agent': 'debian' },
  });
  const host = (name: string, roles: string[]) => {
    const h = th.get(name);
    return { name, address: h.address, port: h.port, roles, hostKey: h.hostKeyFingerprint };
  };
  config = configSchema.parse({
    inventory: { hosts: [host('el7-master', ['master']), host('el9-agent', ['agent']), host('deb-agent', ['agent'])] },
    packages: {
      rhel: { docker: 'docker-ce', repository: 'http://repo.local/el' },
      debian: { repository: 'http://repo.local/debian', suite: 'bookworm' },
    },
  });
  port = createSshRecipePort({ config, secrets: { sshPrivateKeyPath: th.clientKey.path }, recipes, pins: new MemoryPinStore() });
});
after(async () => {
  port?.close();
  await th?.stop();
});

const ctx = (): TaskContext => ({
  jobId: 'job-1', attempt: 1, signal: new AbortController().signal, log: () => undefined,
  progress: { plan: async () => undefined, step: async () => undefined, output: () => undefined },
});
const task = (host: string) => ({ requester: { userId: 'U1', channelId: 'C1' }, requestId: 'r1', host, dryRun: false });
const installs = (name: string) => th.get(name).calls().filter((c) => / install /.test(c));
const queries = (name: string) => [...new Set(th.get(name).calls().map((c) => c.split(' ')[0]).filter((c) => /^(rpm|dpkg-query)$/.test(c!)))];

describe('mixed inventory: each host gets its own family', () => {
  test('setup-master on CentOS 7 and setup-agent on Rocky 9 and Debian 12', async () => {
    const deps: ProvisionDeps = { recipes: port, joinTimeoutMs: 500, params: (r, h) => recipeParams(config, r, h) };
    const results = await Promise.all([
      createSetupMasterHandler(deps)(task('el7-master'), ctx()),
      createSetupAgentHandler(deps)(task('el9-agent'), ctx()),
      createSetupAgentHandler(deps)(task('deb-agent'), ctx()),
    ]);
    for (const r of results) assert.match(r.summary, /: changed/);

    // RHEL family: the seed's names (docker overridden in config), yum on 7, dnf on 9, rpm to query, a .repo file.
    assert.deepEqual(installs('el7-master'), ['yum install -y -q mesos marathon mesosphere-zookeeper']);
    assert.deepEqual(installs('el9-agent'), ['dnf install -y -q mesos docker-ce']);
    assert.deepEqual(queries('el7-master'), ['rpm']);
    assert.deepEqual(queries('el9-agent'), ['rpm']);
    for (const h of ['el7-master', 'el9-agent']) {
      assert.match(th.get(h).file('etc/yum.repos.d/ci-bot.repo') ?? '', /^baseurl=http:\/\/repo\.local\/el$/m, h);
      assert.equal(th.get(h).file('etc/apt/sources.list.d/ci-bot.list'), undefined, h);
      assert.ok(!th.get(h).calls().some((c) => c.startsWith('apt-get')), h);
    }

    // Debian family: its own names, apt-get and dpkg-query, an apt source with the configured suite.
    assert.deepEqual(installs('deb-agent'), ['apt-get install -y -q mesos docker.io']);
    assert.deepEqual(queries('deb-agent'), ['dpkg-query']);
    assert.equal(th.get('deb-agent').file('etc/apt/sources.list.d/ci-bot.list'), 'deb http://repo.local/debian bookworm main\n');
    assert.ok(th.get('deb-agent').calls().includes('apt-get update -q'));
    assert.ok(!th.get('deb-agent').calls().some((c) => /^(yum|dnf|rpm) /.test(c)));
    assert.equal(th.get('deb-agent').file('etc/yum.repos.d/ci-bot.repo'), undefined);

    // The rest of the recipe is the same everywhere.
    for (const h of ['el9-agent', 'deb-agent']) assert.equal(th.get(h).file('etc/mesos-slave/containerizers'), 'docker,mesos\n');
  });

  test('a rerun on every host installs nothing more', async () => {
    const before = th.hosts.map((h) => installs(h.name).length);
    const deps: ProvisionDeps = { recipes: port, joinTimeoutMs: 500, params: (r, h) => recipeParams(config, r, h) };
    const results = await Promise.all([
      createSetupMasterHandler(deps)(task('el7-master'), ctx()),
      createSetupAgentHandler(deps)(task('el9-agent'), ctx()),
      createSetupAgentHandler(deps)(task('deb-agent'), ctx()),
    ]);
    for (const r of results) assert.match(r.summary, /: no change/);
    assert.deepEqual(th.hosts.map((h) => installs(h.name).length), before);
  });
});
