/**
 * The outbox over the real notifier stack: WebApiNotifier → @slack/web-api WebClient → Slack emulator. The other
 * outbox tests inject errors into a fake notifier; this one checks that what Slack really answers is classified
 * right (an `ok:false` answer is dead-lettered at once, not retried for seconds while the channel waits).
 */
import { after, before, describe, test } from 'node:test';
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
      await waitFor(() => slack.messages(channel).find((m) => m.text === `detail ${key}`), { what: 'thread reply', deadlineMs: 10_000 });
      await waitFor(async () => (await outbox.backlog()) === 0, { what: 'empty backlog', deadlineMs: 3000 });
      const parents = slack.allMessages().filter((m) => m.text === `incident ${key}`);
      assert.equal(parents.length, 1, 'posted once although the first answer was lost');
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
