/**
 * The outbox over the real notifier stack: WebApiNotifier → @slack/web-api WebClient → Slack emulator. The other
 * outbox tests inject errors into a fake notifier; this one checks that what Slack really answers is classified
 * right (an `ok:false` answer is dead-lettered at once, not retried for seconds while the channel waits), and
 * R16: the client configured as the outbox's (src/slack/app.ts: no retries of its own, 429s rejected) against the
 * emulator answering chat.postMessage with 429 (Retry-After) and then 5xx before it lets calls through: every
 * message delivered, in order, none dropped, none posted twice, and the channel waits out the Retry-After.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { startSlackEmulator, type SlackEmulator } from '../../../src/playground/slack-emulator/index.ts';
import { createWorkerConnection } from '../../../src/queue/connection.ts';
import { createRedisOutbox } from '../../../src/queue/outbox.ts';
import { startOutboxDrainer } from '../../../src/queue/outbox-drainer.ts';
import { probeCooldowns, setsBetween } from '../../support/cooldown-probe.ts';
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

function setup() {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const redis = createWorkerConnection({ url: server.url });
  const outbox = createRedisOutbox({ redis, prefix });
  const client = new WebClient(SECRETS.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  return { prefix, redis, outbox, notifier: new WebApiNotifier(client) };
}

describe('outbox over the real Slack notifier', () => {
  test('a post whose answer is lost (Slack took it, then answered 503) is found by its metadata tag, not posted twice', async () => {
    const { prefix, redis, outbox, notifier } = setup();
    const channel = 'C0SLACK0001';
    const key = `incident-${randomUUID()}`;
    await outbox.put({ key, channel, message: { text: `incident ${key}` } });
    await outbox.put({ key: `${key}-detail`, channel, threadOf: key, message: { text: `detail ${key}` } });
    slack.failNext('chat.postMessage', { status: 503, afterRun: true }); // the parent is posted; its answer is lost
    const drainer = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 50 });
    try {
      await waitFor(() => slack.allMessages().find((m) => m.text === `incident ${key}`), { what: 'the first attempt reached Slack' });
      // Newer content arrives before the retry: the message found again must get it.
      await outbox.put({ key, channel, message: { text: `incident ${key} resolved` } });
      await waitFor(() => slack.messages(channel).find((m) => m.text === `detail ${key}`), { what: 'thread reply', deadlineMs: 10_000 });
      await waitFor(async () => (await outbox.backlog()) === 0, { what: 'empty backlog', deadlineMs: 3000 });
      const parents = slack.allMessages().filter((m) => m.text.startsWith(`incident ${key}`));
      assert.equal(parents.length, 1, 'posted once although the first answer was lost');
      assert.equal(parents[0]?.text, `incident ${key} resolved`, 'and updated to the latest content');
      const reply = slack.allMessages().find((m) => m.text === `detail ${key}`);
      assert.equal(reply?.thread_ts, parents[0]?.ts, 'the reply went under the message found again');
      assert.ok(slack.calls('conversations.history').length >= 1, 'the retry looked in the history first');
    } finally {
      await drainer.close();
      redis.disconnect();
    }
  });

  test('an ok:false answer (channel_not_found) is dead-lettered at once; the next message goes right after', async () => {
    const { prefix, redis, outbox, notifier } = setup();
    const callsBefore = slack.calls('chat.postMessage').length;
    const channel = 'C0SLACK0001';
    await outbox.put({ key: 'bad', channel, message: { text: 'refused' } });
    await outbox.put({ key: 'good', channel, message: { text: 'delivered' } });
    // Only the first call fails: a retry (the bug) would then get the refused message posted instead of dead-lettered.
    slack.failNext('chat.postMessage', { ok: false, error: 'channel_not_found' });
    const drainer = startOutboxDrainer({ redis, prefix, notifier });
    try {
      const dead = await waitFor(async () => (await outbox.deadLetters()).find((d) => d.key === 'bad'), {
        what: 'dead letter', deadlineMs: 3000,
      });
      assert.match(dead.error, /channel_not_found/);
      await waitFor(() => slack.messages(channel).find((m) => m.text === 'delivered'), { what: 'next message', deadlineMs: 3000 });
      // Slack has the message before the drainer removes it from Redis: wait for the removal, do not race it.
      await waitFor(async () => (await outbox.backlog()) === 0, { what: 'empty backlog', deadlineMs: 3000 });
      // A retry (with or without backoff) would show as a third call or as the refused text posted after all.
      assert.equal(slack.calls('chat.postMessage').length - callsBefore, 2, 'one call for the refused message, one for the next');
      assert.ok(!slack.allMessages().some((m) => m.text === 'refused'), 'a refused message is not sent again');
    } finally {
      await drainer.close();
      redis.disconnect();
    }
  });
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
  const probe = await probeCooldowns(server.url, prefix, new WebApiNotifier(client));
  t.after(() => probe.close());
  const drainer = startOutboxDrainer({ redis, prefix, notifier: probe.notifier, postIntervalMs: 50, updateIntervalMs: 10 });
  t.after(() => drainer.close());

  // The second round of faults lands in the middle of the run, once three messages are through.
  await waitFor(() => slack.messages(channel).length >= 3, { what: 'three delivered', deadlineMs: 15_000 });
  slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
  slack.failNext('chat.postMessage', { status: 500 });
  await waitFor(() => slack.messages(channel).length >= texts.length, { what: 'all delivered', deadlineMs: 20_000 });
  await waitFor(async () => (await outbox.backlog()) === 0, { what: 'empty backlog', deadlineMs: 5000 });

  assert.deepEqual(slack.messages(channel).map((m) => m.text), texts, 'every message once, in order');
  assert.deepEqual(await outbox.deadLetters(), [], 'nothing dead-lettered');
  const calls = slack.calls('chat.postMessage').filter((c) => c.args.channel === channel);
  const statuses = calls.map((c) => c.status);
  assert.equal(statuses.filter((s) => s === 429).length, 2);
  assert.equal(statuses.filter((s) => s >= 500).length, 2);
  assert.equal(calls.length, texts.length + 4, 'one call per fault and one per message: nothing sent twice');
  // Retry-After without a clock: after each 429 the drainer paused the channel for exactly Retry-After (a Redis key
  // with PX 1000), and no call went out while any pause held (its TTL had run out, -2, at each next call).
  const probed = probe.calls.filter((c) => c.channel === channel && c.op === 'post');
  assert.equal(probed.length, calls.length, 'the probe saw every post the emulator got');
  for (const [i, c] of calls.entries()) {
    const at = probe.calls.indexOf(probed[i]!);
    if (c.status === 429) assert.deepEqual(setsBetween(probe, at).filter((x) => x.key === 'any').map((x) => x.px), [1000], `pause after the 429 of call ${i}`);
  }
  assert.deepEqual(probe.calls.filter((c) => c.anyTtlMs > 0 || (c.op === 'post' && c.postTtlMs > 0)), [], 'no call while the channel was paused');
});
