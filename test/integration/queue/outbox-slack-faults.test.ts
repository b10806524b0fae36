/**
 * R16 through the real Slack client: outbox → drainer → WebApiNotifier → @slack/web-api WebClient (configured as
 * the outbox's client in src/slack/app.ts: no retries of its own, 429s rejected) → the Slack emulator, which
 * answers chat.postMessage with 429 (Retry-After) and then 5xx before it lets calls through. Holds: every message
 * delivered, in order, none dropped, none posted twice, one Slack call per fault plus one per message, and the
 * channel waited out the Retry-After before the next call.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { startRedis, type RedisServer } from '../../support/redis.ts';
import { waitFor } from '../../support/ports.ts';
import { startSlackEmulator, type SlackEmulator } from '../../support/slack-emulator/index.ts';
import { createWorkerConnection } from '../../../src/queue/connection.ts';
import { createRedisOutbox } from '../../../src/queue/outbox.ts';
import { startOutboxDrainer } from '../../../src/queue/outbox-drainer.ts';
import { WebApiNotifier } from '../../../src/slack/notifier.ts';

const SECRETS = {
  signingSecret: 'test-signing-secret-0123456789abcdef',
  botToken: 'xoxb-0000-emulated-bot-token',
  appToken: 'xapp-1-A0CIBOT001-emulated-app-token',
};

let server: RedisServer;
let slack: SlackEmulator;
before(async () => {
  server = await startRedis();
  slack = await startSlackEmulator(SECRETS);
});
after(async () => {
  await slack.stop();
  await server.stop();
});

test('R16: 429 (Retry-After) then 5xx then OK, twice in a run of messages: delivered in order, no drops, no duplicates', async (t) => {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const redis = createWorkerConnection({ url: server.url });
  t.after(() => redis.disconnect());
  const outbox = createRedisOutbox({ redis, prefix });
  const client = new WebClient(SECRETS.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000 });
  const channel = 'C0SLACK0016';
  const texts = Array.from({ length: 6 }, (_, i) => `message ${i + 1} of 6`);
  for (const [i, text] of texts.entries()) await outbox.put({ key: `r16-${i}`, channel, message: { text } });

  slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
  slack.failNext('chat.postMessage', { status: 503 });
  const drainer = startOutboxDrainer({ redis, prefix, notifier: new WebApiNotifier(client), postIntervalMs: 50, updateIntervalMs: 10 });
  t.after(() => drainer.close());

  // The second round of faults lands in the middle of the run, once three messages are through.
  await waitFor(() => slack.messages(channel).length >= 3, { what: 'three delivered', deadlineMs: 15_000 });
  slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
  slack.failNext('chat.postMessage', { status: 500 });
  await waitFor(() => slack.messages(channel).length >= texts.length, { what: 'all delivered', deadlineMs: 20_000 });
  await waitFor(async () => (await outbox.backlog()) === 0, { what: 'empty backlog', deadlineMs: 5000 });

  assert.deepEqual(slack.messages(channel).map((m) => m.text), texts, 'every message once, in order');
  assert.deepEqual(await outbox.deadLetters(), [], 'nothing dead-lettered');
  const calls = slack.calls('chat.postMessage');
  const statuses = calls.map((c) => c.status);
  assert.equal(statuses.filter((s) => s === 429).length, 2);
  assert.equal(statuses.filter((s) => s >= 500).length, 2);
  assert.equal(calls.length, texts.length + 4, 'one call per fault and one per message: nothing sent twice');
  // Retry-After is a floor, not a timing target: a drainer that ignored it would call again within ~50 ms.
  for (const [i, c] of calls.entries()) {
    if (c.status === 429) assert.ok(calls[i + 1]!.atMs - c.atMs >= 950, `waited ${calls[i + 1]!.atMs - c.atMs} ms after a 429 with Retry-After: 1`);
  }
});
