/**
 * Sentinel with passwords (issue 16): data nodes with `requirepass`, sentinels with their own `requirepass`, real
 * processes. ci-bot (`all`) gets the node list and masterName from its config and both passwords from the
 * environment only (REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD): it starts, /readyz names the primary, a selftest
 * runs; neither password appears in its output or in what it stored in Redis.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { nodeCommand, startSentinelSet, type SentinelSet } from '../support/redis-ha.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';

const ADMIN = 'U0ALICE001';
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-hsa-${randomBytes(6).toString('hex')}`;
const prefix = `hsa${randomBytes(3).toString('hex')}`;
const dataPassword = `data-${randomBytes(8).toString('hex')}`;
const sentinelPassword = `sent-${randomBytes(8).toString('hex')}`;
let set: SentinelSet;
let slack: SlackEmulator;
let bot: BotProcess;

before(async () => {
  set = await startSentinelSet({ masterName: 'ci-bot-auth', password: dataPassword, sentinelPassword, replicas: 1 });
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  bot = await startBot({
    config: { redis: { prefix, sentinel: { nodes: set.sentinelAddresses, masterName: set.masterName } }, roles: { admins: [ADMIN] }, tasks: { selftestStepMs: 50 } },
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl,
      REDIS_PASSWORD: dataPassword, REDIS_SENTINEL_PASSWORD: sentinelPassword,
    },
    deadlineMs: 30_000,
    fullOutput: true,
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await set?.stop();
});

test('Sentinel with passwords from the environment: starts, /readyz names the primary, a selftest runs; no password in logs or Redis', async () => {
  const ready = (await (await fetch(`http://127.0.0.1:${bot.port}/readyz`)).json()) as { redis: { ok: boolean; topology: string; primary: string } };
  assert.deepEqual([ready.redis.ok, ready.redis.topology, ready.redis.primary], [true, 'sentinel', `127.0.0.1:${await set.primaryPort()}`]);
  const ack = await slack.command(ADMIN, 'selftest');
  const id = /Queued `([^`]+)`/.exec(ack.body)?.[1] ?? assert.fail(ack.body);
  await slack.waitForMessage((m) => m.kind === 'channel' && renderMessageText(m).includes(id) && /selftest passed/.test(renderMessageText(m)), 20_000);

  const primary = await set.primaryPort();
  const dump: string[] = [];
  for (const key of (await nodeCommand(primary, 'KEYS', `${prefix}:*`)) as string[]) dump.push(key, JSON.stringify(await nodeCommand(primary, 'DUMP', key)));
  assert.ok(dump.length > 0, 'the bot stored keys');
  for (const pw of [dataPassword, sentinelPassword]) {
    assert.ok(!bot.proc.output().includes(pw), 'no password in the output');
    assert.ok(!dump.some((d) => d.includes(pw)), 'no password in Redis');
  }
});
