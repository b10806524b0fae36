/**
 * ci-bot as its own process (`all`) on a Redis Cluster of three real primaries, configured from the environment
 * alone (`REDIS_CLUSTER_NODES`, no URL): it starts (noeviction checked on every primary), its /readyz shows the
 * topology and the primaries, and a command, its task, its progress message, a digest and `/ci jobs` work end to
 * end. Every key it wrote carries the hash-tagged prefix and sits in one slot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { nodeCommand, startRedisCluster, type RedisCluster } from '../support/redis-ha.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/playground/simulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ADMIN = 'U0ALICE001';
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-hc-${randomBytes(6).toString('hex')}`;
const prefix = `hc${randomBytes(3).toString('hex')}`;
let cluster: RedisCluster;
let slack: SlackEmulator;
let sim: RunningSimulator;
let bot: BotProcess;

before(async () => {
  [cluster, sim] = await Promise.all([startRedisCluster({ primaries: 3 }), startSimulator({})]);
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  bot = await startBot({
    config: { redis: { prefix }, roles: { admins: [ADMIN] }, cluster: { jenkins: { user: 'admin' } }, tasks: { selftestStepMs: 50 } },
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_CLUSTER_NODES: cluster.addresses.join(','),
      MESOS_URL: sim.urls.mesos, MARATHON_URL: sim.urls.marathon, JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
    },
    deadlineMs: 30_000,
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await Promise.all([bot?.stop(), sim?.stop()]);
  await slack?.stop();
  await cluster?.stop();
});

test('ci-bot all on a 3-primary Redis Cluster: /readyz shows the primaries; a selftest, a digest and /ci jobs work; every key in one slot', async () => {
  const ready = (await (await fetch(`http://127.0.0.1:${bot.port}/readyz`)).json()) as { ready: boolean; redis: { ok: boolean; topology: string; primaries: string[] } };
  assert.deepEqual([ready.ready, ready.redis.ok, ready.redis.topology, ready.redis.primaries], [true, true, 'cluster', cluster.addresses.slice().sort()]);

  const ack = await slack.command(ADMIN, 'selftest');
  const id = /Queued `([^`]+)`/.exec(ack.body)?.[1] ?? assert.fail(ack.body);
  await slack.waitForMessage((m) => m.kind === 'channel' && renderMessageText(m).includes(id) && /selftest passed/.test(renderMessageText(m)), 20_000);
  assert.match((await slack.command(ADMIN, 'digest now')).body, /Queued `/);
  await slack.waitForMessage((m) => m.kind === 'channel' && /CI cluster digest/.test(renderMessageText(m)), 20_000);
  assert.match((await slack.command(ADMIN, 'jobs')).body, /Queued and running tasks/);

  // Keys: hash-tagged prefix, one slot, on one node.
  const keys = await waitFor(async () => {
    const all: Array<{ key: string; slot: number }> = [];
    for (const n of cluster.nodes) {
      for (const key of (await nodeCommand(n.port, 'KEYS', '*')) as string[]) all.push({ key, slot: Number(await nodeCommand(n.port, 'CLUSTER', 'KEYSLOT', key)) });
    }
    return all.some((k) => k.key.endsWith(':audit')) ? all : undefined;
  }, { what: 'the bot\'s keys', deadlineMs: 10_000 });
  assert.ok(keys.every((k) => k.key.startsWith(`{${prefix}}:`)), `every key under {${prefix}}: ${keys.map((k) => k.key).filter((k) => !k.startsWith(`{${prefix}}:`)).join(' ')}`);
  assert.equal(new Set(keys.map((k) => k.slot)).size, 1, 'one slot');
  assert.doesNotMatch(bot.proc.output(), /unhandled|uncaught|"level":60/i);
});
