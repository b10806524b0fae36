/**
 * `/ci status`, `/ci agents`, `/ci jenkins` end to end: ci-bot as its own process, the Slack emulator, the cluster
 * simulator, a real Redis and (when installed) a real ZooKeeper. Expected numbers come from the simulator's
 * control API, never from constants in this file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type RecordedMessage, type SlackEmulator } from '../support/slack-emulator/index.ts';
import { startSimulator, seedAgents, type RunningSimulator } from '../support/simulator/index.ts';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.ts';
import { cpus, size } from '../../src/chat/render/status-format.ts';

const ALICE = 'U0ALICE001';
let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let zk: ZooKeeperServer;
let bot: BotProcess;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;

interface ControlState { agents: Array<{ hostname: string; active: boolean; used: { cpus: number; mem: number } }> }
const control = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${sim.urls.control}/_control/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return (await res.json()) as T;
};

/** Sends a deferred command and returns its answer (posted to the response_url after the ack). */
async function ask(text: string, title: RegExp): Promise<string> {
  const seen = new Set(slack.allMessages());
  const ack = await slack.command(ALICE, text);
  assert.equal(ack.status, 200, 'acked within Slack\'s window (the emulator answers 0 past it)');
  const m: RecordedMessage = await slack.waitForMessage((x) => x.kind === 'response_url' && !seen.has(x) && title.test(renderMessageText(x)), 15_000);
  return renderMessageText(m);
}
const STATUS = /CI cluster status/;
const AGENTS = /== Mesos agents ==/;
const JENKINS = /== Jenkins ==/;

before(async () => {
  [redis, sim, zk] = await Promise.all([startRedis(), startSimulator({}), startZooKeeper()]);
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  bot = await startBot({
    config: {
      redis: { prefix: `e2estatus${randomBytes(3).toString('hex')}` }, roles: { admins: [ALICE] },
      cluster: { jenkins: { user: 'admin', timeoutMs: 1500 }, mesos: { timeoutMs: 3000 }, zookeeper: { hosts: [zk.address] } },
    },
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','), JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
    },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await sim?.stop();
  await zk?.stop();
  await redis?.stop();
});

describe('/ci status against the simulator', () => {
  test('reports the numbers the simulator holds, and reads no /master/state', async () => {
    const state = await control<ControlState>('state');
    const active = state.agents.filter((a) => a.active);
    const text = await ask('status', STATUS);
    assert.match(text, new RegExp(`Agents: \\*${active.length} active\\*, 0 inactive`));
    const usedCpus = active.reduce((n, a) => n + a.used.cpus, 0);
    const totalCpus = seedAgents.reduce((n, a) => n + a.cpus, 0);
    assert.ok(text.includes(`CPU ${cpus(usedCpus)} of ${cpus(totalCpus)}`), text);
    const usedMem = active.reduce((n, a) => n + a.used.mem, 0);
    assert.ok(text.includes(`Memory ${size(usedMem)} of ${size(seedAgents.reduce((n, a) => n + a.memMb, 0))}`), text);
    const jenkinsHost = (await control<{ tasks: Array<{ appId: string | null; host: string }> }>('state')).tasks.find((t) => t.appId === '/jenkins')?.host;
    assert.ok(jenkinsHost);
    assert.match(text, new RegExp(`Jenkins app\\* \`/jenkins\` on \`${jenkinsHost}\``));
    assert.match(text, /room for \*\d+ more build agents\*/);
    assert.match(text, /busiest `slave\d` \d+%, idlest `slave\d` \d+%/);
    assert.match(text, /ZooKeeper\*: 1 of 1 answering[\s\S]*standalone/);
    const requests = await control<Record<string, number>>('requests');
    assert.equal(requests['mesos /master/state'] ?? 0, 0, 'never /master/state');
    assert.ok((requests['mesos /metrics/snapshot'] ?? 0) >= 1 && (requests['mesos /master/slaves'] ?? 0) >= 1);
  });

  test('after the simulator loses an agent, the next /ci status and /ci agents show it', async () => {
    await control('agents/slave2/lose', {});
    const state = await control<ControlState>('state');
    const inactive = state.agents.filter((a) => !a.active).map((a) => a.hostname);
    assert.deepEqual(inactive, ['slave2']);
    const text = await ask('status', STATUS);
    assert.match(text, /Agents: \*1 active\*, :red_circle: 1 inactive/);
    const agents = await ask('agents', AGENTS);
    assert.match(agents, /slave2\s+INACTIVE/);
    await control('agents/slave2/restore', {});
  });

  test('a slow Jenkins is shown as "no answer" while the rest still shows (R18)', async () => {
    await control('faults', { component: 'jenkins', path: '/', mode: 'hang' });
    try {
      const text = await ask('status', STATUS);
      assert.match(text, /\*Jenkins\*: no answer in 1\.5 s/);
      assert.match(text, /Agents: \*\d+ active\*/);
      const jenkins = await ask('jenkins', JENKINS);
      assert.match(jenkins, /no answer in 1\.5 s/);
    } finally {
      await fetch(`${sim.urls.control}/_control/faults`, { method: 'DELETE' });
    }
    const again = await ask('jenkins', JENKINS);
    assert.match(again, /Executors: \d+ busy of \d+/);
  });

  test('/readyz reports each upstream with its last success', async () => {
    await ask('status', STATUS);
    const raw = await (await fetch(`http://127.0.0.1:${bot.port}/readyz`)).text();
    type Ready = { upstreams: Record<string, { ok: boolean; lastSuccessAt?: number }>; features: { configured: Record<string, boolean> } };
    const body = JSON.parse(raw) as Ready;
    assert.equal(body.features.configured.mesos, true, raw);
    for (const name of ['mesos', 'marathon', 'jenkins']) {
      assert.equal(body.upstreams[name]?.ok, true, `${name}: ${raw}`);
      assert.ok((body.upstreams[name]?.lastSuccessAt ?? 0) > Date.now() - 60_000, `${name} last success: ${raw}`);
    }
  });
});
