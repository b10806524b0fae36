/** The emulator's Web API, driven by a real Bolt app's WebClient (`app.client`): store, limits, faults. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { App } from '@slack/bolt';
import { WebClientEvent } from '@slack/web-api';
import { waitFor } from '../../../src/playground/ports.ts';
import type { SlackEmulator } from '../../../src/playground/slack-emulator/index.ts';
import { SECRETS, emulator, startHttpApp } from './bolt-app.ts';

const errorCode = (err: unknown) => (err as { data?: { error?: string } }).data?.error;

describe('slack emulator: Web API', () => {
  let slack: SlackEmulator;
  let app: App;

  before(async () => {
    slack = await emulator({ usergroups: [{ id: 'S0OPS00001', handle: 'ops', users: ['U0ALICE001'] }] });
    app = (await startHttpApp(slack)).app;
  });
  beforeEach(() => slack.clearFaults());
  after(() => slack.stop());

  test('new App() verified its token with auth.test against the emulator', async () => {
    await waitFor(() => slack.calls('auth.test').length > 0, { what: 'auth.test from the constructor' });
    const auth = await app.client.auth.test();
    assert.equal(auth.user_id, slack.workspace.botUserId);
    assert.equal(auth.bot_id, slack.workspace.botId);
  });

  test('chat.postMessage is recorded with a realistic ts and found by waitForMessage', async () => {
    const waiting = slack.waitForMessage(/nightly build #\d+ passed/);
    const res = await app.client.chat.postMessage({ channel: 'C0CI000001', text: 'nightly build #12 passed' });
    const m = await waiting;
    assert.equal(m.ts, res.ts);
    assert.match(m.ts, /^\d{10}\.\d{6}$/);
    assert.equal(m.kind, 'channel');
    const call = slack.calls('chat.postMessage').at(-1);
    assert.equal(call?.args.text, 'nightly build #12 passed');
    assert.equal(call?.args.token, undefined, 'tokens are not kept in the call record');
  });

  test('thread replies, ephemeral messages, updates with history, and deletes', async () => {
    const parent = await app.client.chat.postMessage({ channel: 'C0CI000001', text: 'parent' });
    const reply = await app.client.chat.postMessage({ channel: 'C0CI000001', text: 'reply', thread_ts: parent.ts });
    const eph = await app.client.chat.postEphemeral({ channel: 'C0CI000001', user: 'U0BOB00001', text: 'psst' });
    await app.client.chat.update({ channel: 'C0CI000001', ts: String(parent.ts), text: 'parent v2' });
    const stored = slack.messages('C0CI000001');
    const p = stored.find((m) => m.ts === parent.ts);
    assert.equal(p?.text, 'parent v2');
    assert.deepEqual(p?.history.map((h) => h.text), ['parent']);
    assert.equal(stored.find((m) => m.ts === reply.ts)?.kind, 'thread');
    assert.equal(stored.find((m) => m.ts === eph.message_ts)?.visibleTo, 'U0BOB00001');
    await assert.rejects(app.client.chat.update({ channel: 'C0CI000001', ts: String(eph.message_ts), text: 'x' }),
      (e) => errorCode(e) === 'cant_update_message');
    await app.client.chat.delete({ channel: 'C0CI000001', ts: String(reply.ts) });
    assert.equal(slack.messages().some((m) => m.ts === reply.ts), false);
  });

  test('a 429 with Retry-After is honoured by the WebClient, which then succeeds', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    // The client reads Retry-After from the emulator's answer and says so before it waits (and then retries).
    const rateLimited: number[] = [];
    const onLimit = (sec: number) => rateLimited.push(sec);
    app.client.on(WebClientEvent.RATE_LIMITED, onLimit);
    const res = await app.client.chat.postMessage({ channel: 'C0CI000001', text: 'after the rate limit' }).finally(() => app.client.off(WebClientEvent.RATE_LIMITED, onLimit));
    assert.equal(res.ok, true);
    assert.deepEqual(rateLimited, [1], 'Retry-After: 1 reached the client');
    const statuses = slack.calls('chat.postMessage').slice(-2).map((c) => c.status);
    assert.deepEqual(statuses, [429, 200]);
  });

  test('a 500 is retried; a fault count beyond the retries fails the call', async () => {
    slack.failNext('users.info', { status: 500 });
    assert.equal((await app.client.users.info({ user: 'U0ALICE001' })).user?.name, 'alice');
    slack.failNext('users.info', { status: 503 }, 3);
    await assert.rejects(app.client.users.info({ user: 'U0ALICE001' }));
  });

  test('an injected ok:false error reaches the caller as a platform error', async () => {
    slack.failNext('conversations.info', { ok: false, error: 'channel_not_found' });
    await assert.rejects(app.client.conversations.info({ channel: 'C0CI000001' }), (e) => errorCode(e) === 'channel_not_found');
    assert.equal((await app.client.conversations.info({ channel: 'C0CI000001' })).channel?.name, 'ci');
  });

  test('the per-channel rate limiter answers 429 for a second post within the second', async () => {
    slack.rateLimit({ method: 'chat.postMessage', perSec: 1, retryAfterSec: 7 });
    await app.client.chat.postMessage({ channel: 'C0CI000002', text: 'first' });
    await app.client.chat.postMessage({ channel: 'C0CI000003', text: 'other channel is fine' });
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRETS.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0CI000002', text: 'second' }),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
    assert.deepEqual(await res.json(), { ok: false, error: 'ratelimited' });
  });

  test('51 blocks give invalid_blocks with a json-pointer, as Slack answers', async () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    await assert.rejects(app.client.chat.postMessage({ channel: 'C0CI000001', text: 'x', blocks }), (e) => {
      const data = (e as { data: { error: string; errors: string[] } }).data;
      return data.error === 'invalid_blocks' && data.errors.some((m) => m.includes('[json-pointer:/blocks]'));
    });
    const tooLong = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    await assert.rejects(app.client.chat.postMessage({ channel: 'C0CI000001', text: 'x', blocks: tooLong }), (e) =>
      (e as { data: { errors: string[] } }).data.errors[0] === 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]');
    const button = [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } }] }];
    await assert.rejects(app.client.chat.postMessage({ channel: 'C0CI000001', text: 'x', blocks: button }), (e) => errorCode(e) === 'invalid_blocks');
    const exactly50 = Array.from({ length: 50 }, () => ({ type: 'divider' }));
    assert.equal((await app.client.chat.postMessage({ channel: 'C0CI000001', text: 'x', blocks: exactly50 })).ok, true);
  });

  test('over-long text: postMessage truncates at 40,000, chat.update answers msg_too_long', async () => {
    const res = await app.client.chat.postMessage({ channel: 'C0CI000001', text: 'y'.repeat(40_001) });
    assert.equal(slack.messages().find((m) => m.ts === res.ts)?.text.length, 40_000);
    await assert.rejects(app.client.chat.update({ channel: 'C0CI000001', ts: String(res.ts), text: 'y'.repeat(40_001) }),
      (e) => errorCode(e) === 'msg_too_long');
  });

  test('tokens are checked: a wrong bot token is invalid_auth, JSON without a Bearer is not_authed', async () => {
    const call = (headers: Record<string, string>, body: string) =>
      fetch(`${slack.apiUrl}auth.test`, { method: 'POST', headers, body }).then((r) => r.json());
    assert.deepEqual(await call({ 'content-type': 'application/x-www-form-urlencoded' }, 'token=xoxb-wrong'), { ok: false, error: 'invalid_auth' });
    assert.deepEqual(await call({ 'content-type': 'application/json' }, JSON.stringify({ token: SECRETS.botToken })), { ok: false, error: 'not_authed' });
    const viaForm = (await call({ 'content-type': 'application/x-www-form-urlencoded' }, `token=${SECRETS.botToken}`)) as { ok: boolean };
    assert.equal(viaForm.ok, true);
  });

  test('users.info and usergroups.users.list answer from the configured directory', async () => {
    assert.deepEqual((await app.client.usergroups.users.list({ usergroup: 'S0OPS00001' })).users, ['U0ALICE001']);
    await assert.rejects(app.client.usergroups.users.list({ usergroup: 'S0NONE0001' }), (e) => errorCode(e) === 'no_such_subteam');
    await assert.rejects(app.client.users.info({ user: 'U0NOBODY01' }), (e) => errorCode(e) === 'user_not_found');
  });

  test('onRecord sees posts and updates as they happen', async () => {
    const seen: string[] = [];
    const off = slack.onRecord((e) => seen.push(`${e.type}:${e.message.text}`));
    const res = await app.client.chat.postMessage({ channel: 'C0CI000001', text: 'watch me' });
    await app.client.chat.update({ channel: 'C0CI000001', ts: String(res.ts), text: 'watched' });
    off();
    assert.deepEqual(seen, ['posted:watch me', 'updated:watched']);
  });
});
