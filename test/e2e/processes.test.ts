/**
 * ci-bot split into processes (`serve`, `worker`, `watch`), as a larger install runs it: R2 — SIGTERM during a
 * task closes the worker within its grace period and the task is released, then finished by another worker,
 * updating the same progress message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../support/slack-emulator/index.ts';
import { waitFor } from '../support/ports.ts';
import { createProducerConnection } from '../../src/queue/connection.ts';
import { createRedisOutbox } from '../../src/queue/outbox.ts';

const OPERATOR = 'U0BOB00001';
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-proc-${randomBytes(6).toString('hex')}`;
let redis: RedisServer;
let slack: SlackEmulator;
const bots: BotProcess[] = [];
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

const launch = async (role: string) => {
  const bot = await startBot({
    role,
    config: {
      roles: { operators: [OPERATOR] },
      tasks: { selftestStepMs: 1500, shutdownGraceMs: 500, lockDurationMs: 2000, stalledIntervalMs: 1000, outboxLockMs: 2000 },
    },
    env: { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url },
  });
  bots.push(bot);
  return bot;
};

before(async () => {
  redis = await startRedis({ aof: true });
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
});
after(async () => {
  for (const bot of bots) await bot.stop();
  await slack?.stop();
  await redis?.stop();
});

test('R2: SIGTERM mid-task — bounded close, the task is released and finished by another worker', async () => {
  const serve = await launch('serve');
  slack.setTarget({ mode: 'http', url: serve.eventsUrl });
  const first = await launch('worker');
  const ack = await slack.command(OPERATOR, 'selftest');
  const jobId = /Queued `([^`]+)`/.exec(ack.body)?.[1] ?? assert.fail(ack.body);
  const progress = await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId) && /✅ check queue/.test(text(m)), 15_000);

  // stop() SIGKILLs after 10 s: exiting by itself (below) is the bounded close.
  await first.proc.stop('SIGTERM', 10_000);
  assert.equal(first.proc.child.signalCode, null, 'exited by itself, not killed');
  assert.equal(first.proc.child.exitCode, 0, 'a clean shutdown');

  await launch('worker');
  await slack.waitForMessage((m) => m.ts === progress.ts && /selftest passed/.test(text(m)), 30_000);
  assert.equal(slack.messages().filter((m) => m.kind === 'channel' && text(m).includes(jobId)).length, 1, 'one progress message');
  const audit = await redis.command('XRANGE', 'ci-bot:audit', '-', '+');
  assert.equal((audit.match(/task_started/g) ?? []).length, 2, 'started, released, started again');
});

test('watch delivers messages and runs no tasks', async () => {
  for (const bot of bots.splice(0)) await bot.stop();
  const serve = await launch('serve');
  slack.setTarget({ mode: 'http', url: serve.eventsUrl });
  const watch = await startBot({
    role: 'watch',
    config: {},
    env: { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url },
  });
  bots.push(watch);
  // A message in the outbox, as a watcher would put it: the watch process delivers it.
  const producer = createProducerConnection({ url: redis.url });
  try {
    await waitFor(() => producer.status === 'ready', { what: 'redis' });
    await createRedisOutbox({ redis: producer, prefix: 'ci-bot' }).put({ key: 'alert:test', channel: 'C0CI000001', message: { text: 'watcher says hello' } });
    await slack.waitForMessage((m) => m.kind === 'channel' && /watcher says hello/.test(text(m)), 10_000);
  } finally {
    producer.disconnect();
  }
  // …and it runs no tasks: a queued selftest stays waiting.
  const ack = await slack.command(OPERATOR, 'selftest');
  const jobId = /Queued `([^`]+)`/.exec(ack.body)?.[1] ?? assert.fail(ack.body);
  await new Promise((r) => setTimeout(r, 2000)); // long enough for any worker to have taken it
  assert.match((await slack.command(OPERATOR, 'jobs')).body, new RegExp(`${jobId}\` selftest · waiting`));
});
