/**
 * The provisioning handlers over real SSH (sshd test hosts), as the user sees their failures: a recipe failing
 * half-way (which step, its output), an agent that never registers (its log in the thread), an authentication
 * failure (nothing ran), and R8 (a session killed mid-step: a clear transient failure, the other host unaffected;
 * the worker's own retry is in test/e2e/ssh-faults.test.ts).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHosts, type TestHosts } from '../../support/ssh-hosts/index.ts';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import { loadRecipe, loadRecipes } from '../../../src/recipes/load-recipes.ts';
import { MemoryPinStore } from '../../../src/ssh/pin-store.ts';
import { createSshRecipePort, type SshRecipePort } from '../../../src/ssh/recipe-port.ts';
import { recipeParams } from '../../../src/features/provisioning/index.ts';
import { createPrepullHandler, createSetupAgentHandler, type ProvisionDeps } from '../../../src/features/provisioning/handlers.ts';
import { PermanentError, UpstreamError } from '../../../src/core/errors.ts';
import type { ClusterProbe, TaskContext } from '../../../src/core/ports.ts';
import { waitFor } from '../../../src/playground/ports.ts';

const commands = new URL('../../../commands/', import.meta.url);
const recipes = loadRecipes(commands);
let th: TestHosts;
const ports: SshRecipePort[] = [];

before(async () => {
  // Nothing listens at the control URL: every agent registration is refused, as with an unreachable master.
  th = await startTestHosts({ names: ['master', 'slave1', 'slave2'], simulatorControlUrl: 'http://127.0.0.1:9' });
});
after(async () => {
  for (const p of ports) p.close();
  await th?.stop();
});

function configWith(extra: Record<string, unknown> = {}): Config {
  const host = (name: string, roles: string[]) => {
    const h = th.get(name);
    return { name, address: h.address, port: h.port, roles, hostKey: h.hostKeyFingerprint };
  };
  return configSchema.parse({ inventory: { hosts: [host('master', ['master']), host('slave1', ['agent']), host('slave2', ['agent'])] }, ...extra });
}

function portFor(config: Config, keyPath = th.clientKey.path, set = recipes): SshRecipePort {
  const port = createSshRecipePort({ config, secrets: { sshPrivateKeyPath: keyPath }, recipes: set, pins: new MemoryPinStore() });
  ports.push(port);
  return port;
}

/** A recording TaskContext: what the progress message and its thread would show. */
function context() {
  const steps: string[] = [];
  const output: string[] = [];
  const ctx: TaskContext = {
    jobId: 'job-1', attempt: 1, signal: new AbortController().signal, log: () => undefined,
    progress: { plan: async () => undefined, step: async (n, s = 'running') => void steps.push(`${n}:${s}`), output: (l) => void output.push(...l) },
  };
  return { ctx, steps, output };
}

const noCluster = (config: Config, port: SshRecipePort, cluster?: ClusterProbe): ProvisionDeps => ({
  recipes: port, ...(cluster ? { cluster } : {}), joinTimeoutMs: 500, params: (r, h) => recipeParams(config, r, h),
});

describe('failures the user sees', () => {
  test('a recipe failing half-way names the step and shows its output; later steps never run', async () => {
    const config = configWith({ packages: { debian: { docker: 'missing-docker' } } });
    const { ctx, steps } = context();
    const handler = createSetupAgentHandler(noCluster(config, portFor(config)));
    await assert.rejects(handler({ requester: { userId: 'U1', channelId: 'C1' }, requestId: 'a', host: 'slave1', dryRun: false }, ctx), (err: Error) => {
      assert.ok(err instanceof PermanentError);
      assert.match(err.message, /setup-agent on slave1 failed at step "install packages" \(exit 100\)/);
      assert.match(err.message, /Unable to locate package missing-docker/);
      return true;
    });
    assert.ok(steps.includes('install packages:failed'));
    assert.ok(!steps.some((s) => s.startsWith('configure mesos agent')));
    assert.equal(th.get('slave1').file('etc/mesos/zk'), undefined);
  });

  test('an agent that never registers fails the task with the last lines of its log in the thread', async () => {
    const config = configWith();
    const never: ClusterProbe = {
      waitForAgent: async (h) => {
        throw new UpstreamError('mesos', `wait for agent ${h}`, { failure: 'timeout', detail: 'did not register' });
      },
      agentTotals: async () => ({ agents: 0, cpus: 0, memMb: 0 }),
      checkMaster: async () => [],
    };
    const { ctx, steps, output } = context();
    const handler = createSetupAgentHandler(noCluster(config, portFor(config), never));
    await assert.rejects(handler({ requester: { userId: 'U1', channelId: 'C1' }, requestId: 'b', host: 'slave2', dryRun: false }, ctx),
      /slave2 was set up but its agent did not register with the Mesos master within 1 s; the last lines of its log are in the thread/);
    assert.ok(steps.includes('verify registration:failed'));
    const log = output.slice(output.indexOf('Last lines of the mesos-slave log on slave2:'));
    assert.ok(log.length > 1, output.join('\n'));
    assert.ok(log.some((l) => l.includes('Registering with master at zk://')), log.join('\n'));
  });

  test('an authentication failure is permanent and nothing runs on the host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ci-bot-otherkey-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    const config = configWith();
    const before = th.get('slave1').calls().length;
    const { ctx } = context();
    const handler = createSetupAgentHandler(noCluster(config, portFor(config, join(dir, 'k'))));
    await assert.rejects(handler({ requester: { userId: 'U1', channelId: 'C1' }, requestId: 'c', host: 'slave1', dryRun: true }, ctx), (err: Error) => {
      assert.ok(err instanceof PermanentError, String(err));
      assert.match(err.message, /authentication to root@[\d.]+:\d+ \(slave1\) failed: the key was refused/);
      return true;
    });
    assert.equal(th.get('slave1').calls().length, before);
  });
});

describe('R8: sshd session killed mid-step', () => {
  // The retry itself (by the worker, with backoff) is shown end to end in test/e2e/ssh-faults.test.ts.
  test('a clear transient failure; the other host is unaffected', async () => {
    const config = configWith();
    const slow = new Map(recipes);
    slow.set('prepull', loadRecipe(new URL('./slow-commands/prepull', import.meta.url).pathname, 'prepull', readFileSync(new URL('lib.sh', commands), 'utf8')));
    const handler = createPrepullHandler(noCluster(config, portFor(config, th.clientKey.path, slow)));
    const task = (host: string) => ({ requester: { userId: 'U1', channelId: 'C1' }, requestId: 'd', host, image: 'busybox:1.36' });
    const one = context();
    const two = context();
    const first = handler(task('slave1'), one.ctx);
    const other = handler(task('slave2'), two.ctx);
    await waitFor(() => one.steps.includes('pull image:running'), { deadlineMs: 10_000, what: 'slave1 pulling' });
    for (const pid of th.get('slave1').sessionPids()) process.kill(pid, 'SIGKILL');
    await assert.rejects(first, (err: Error) => {
      assert.ok(err instanceof UpstreamError, String(err));
      assert.equal(err.service, 'ssh');
      assert.equal(err.transient, true, 'the task engine retries it');
      return true;
    });
    assert.ok(one.steps.includes('pull image:failed'), one.steps.join(', '));
    assert.match((await other).summary, /slave2: pulled busybox:1\.36/);
  });
});
