/**
 * `npm run sim` options, as a user runs it: its entry spawned as a process with flags or SIM_* variables; the one
 * JSON line on stdout, and the cluster it then serves (agents, apps, the ZooKeeper URL agents must register with).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { start, type Started } from '../../../src/playground/process.ts';
import { waitFor } from '../../../src/playground/ports.ts';

const ENTRY = 'src/playground/simulator/main.ts';

interface StartLine {
  urls: { mesos: string; marathon: string; control: string };
  zkUrl: string;
  agents: string[];
  jenkinsDeployed: boolean;
  timeScale: number;
}

/** Runs the simulator with `args`/`env` until its JSON line; `use` talks to it; then SIGTERM, exit code 0. */
async function withSim(args: string[], env: Record<string, string>, use: (line: StartLine, out: string[]) => Promise<void>) {
  const sim: Started = start(process.execPath, [ENTRY, ...args], { env: { ...clean(process.env), ...env } });
  let stdout = '';
  sim.child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  try {
    const lines = await waitFor(() => (stdout.includes('\n') ? stdout.split('\n').filter(Boolean) : undefined), {
      deadlineMs: 15_000, what: `the JSON line (output so far: ${sim.output()})`,
    });
    assert.equal(lines.length, 1, `stdout is exactly one JSON line: ${stdout}`);
    await use(JSON.parse(lines[0]!) as StartLine, lines);
  } finally {
    await sim.stop('SIGTERM');
  }
  assert.equal(sim.child.exitCode, 0, sim.output());
}

/** The caller's SIM_* variables must not leak into a case. */
function clean(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SIM_')));
}

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;
const hostnames = async (mesos: string) => (await getJson<{ slaves: Array<{ hostname: string }> }>(`${mesos}/master/slaves`)).slaves.map((s) => s.hostname);
const apps = async (marathon: string) => (await getJson<{ apps: Array<{ id: string }> }>(`${marathon}/v2/apps`)).apps.map((a) => a.id);

async function register(control: string, zk: string, hostname: string): Promise<number> {
  const res = await fetch(`${control}/_control/agents/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ zk, hostname, ip: '192.0.2.21' }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** An empty cluster that accepts exactly `zk`: checked through the Mesos and Marathon APIs and a registration. */
async function assertEmptyClusterOn(line: StartLine, zk: string): Promise<void> {
  assert.deepEqual(await hostnames(line.urls.mesos), [], 'no agents');
  assert.deepEqual(await apps(line.urls.marathon), [], 'no Jenkins app');
  assert.equal(await register(line.urls.control, 'zk://master:2181/mesos', 'wrong-zk'), 409, 'the default URL is refused');
  assert.equal(await register(line.urls.control, zk, '192.0.2.21'), 200, 'the configured URL is accepted');
  assert.deepEqual(await hostnames(line.urls.mesos), ['192.0.2.21']);
}

describe('npm run sim options', () => {
  test('--help lists every option with its variable and default', () => {
    const r = spawnSync(process.execPath, [ENTRY, '--help'], { encoding: 'utf8', env: clean(process.env) });
    assert.equal(r.status, 0, r.stderr);
    for (const [flag, variable] of [['--zk-url', 'SIM_ZK_URL'], ['--no-agents', 'SIM_AGENTS=0'], ['--no-jenkins', 'SIM_JENKINS=0'], ['--time-scale', 'SIM_TIME_SCALE']]) {
      assert.match(r.stdout, new RegExp(`^  ${flag}\\b.*${variable}`, 'm'), `${flag} and ${variable}`);
    }
    assert.match(r.stdout, /default zk:\/\/master:2181\/mesos/);
  });

  test('flags: ZooKeeper URL by address, no agents, no Jenkins, time scale — in the JSON line and in the cluster', async () => {
    const zk = 'zk://192.0.2.10:2181/mesos';
    await withSim(['--zk-url', zk, '--no-agents', '--no-jenkins', '--time-scale', '50'], {}, async (line) => {
      assert.deepEqual({ zkUrl: line.zkUrl, agents: line.agents, jenkinsDeployed: line.jenkinsDeployed, timeScale: line.timeScale },
        { zkUrl: zk, agents: [], jenkinsDeployed: false, timeScale: 50 });
      for (const u of [line.urls.mesos, line.urls.marathon, line.urls.control]) assert.match(u, /^http:\/\/127\.0\.0\.1:\d+$/);
      await assertEmptyClusterOn(line, zk);
    });
  });

  test('the same from the environment (SIM_ZK_URL, SIM_AGENTS=0, SIM_JENKINS=0, SIM_TIME_SCALE)', async () => {
    const zk = 'zk://10.1.2.3:2181,10.1.2.4:2181/mesos';
    await withSim([], { SIM_ZK_URL: zk, SIM_AGENTS: '0', SIM_JENKINS: '0', SIM_TIME_SCALE: '20' }, async (line) => {
      assert.deepEqual([line.zkUrl, line.agents, line.jenkinsDeployed, line.timeScale], [zk, [], false, 20]);
      await assertEmptyClusterOn(line, zk);
    });
  });

  test('no options: the seed cluster (slave1, slave2, Jenkins on Marathon, zk://master:2181/mesos); a flag beats its variable', async () => {
    await withSim(['--time-scale', '1000'], { SIM_TIME_SCALE: '2' }, async (line) => {
      assert.deepEqual([line.zkUrl, line.agents, line.jenkinsDeployed, line.timeScale], ['zk://master:2181/mesos', ['slave1', 'slave2'], true, 1000]);
      assert.deepEqual(await hostnames(line.urls.mesos), ['slave1', 'slave2']);
      assert.deepEqual(await apps(line.urls.marathon), ['/jenkins']);
      // 16 simulated seconds to healthy (staging + first health check): at scale 1000 that is well within the deadline.
      await waitFor(async () => (await getJson<{ tasks: Array<{ healthy: boolean | null }> }>(`${line.urls.control}/_control/state`)).tasks[0]?.healthy === true,
        { deadlineMs: 10_000, what: 'the Jenkins task healthy' });
    });
  });

  test('bad values are refused before anything starts, naming the option', () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--time-scale', '0'], {}, /--time-scale \/ SIM_TIME_SCALE: must be a positive number/],
      [['--zk-url', 'http://master:2181'], {}, /--zk-url \/ SIM_ZK_URL: must look like zk:\/\/host:2181\/mesos/],
      [[], { SIM_AGENTS: 'maybe' }, /SIM_AGENTS=maybe: must be 0 or 1/],
      [['--agent'], {}, /Unknown option '--agent'/],
    ];
    for (const [args, env, why] of cases) {
      const r = spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8', env: { ...clean(process.env), ...env } });
      assert.equal(r.status, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /Usage: npm run sim -- \[options\]/);
      assert.equal(r.stdout, '', 'no JSON line: nothing started');
    }
  });
});
