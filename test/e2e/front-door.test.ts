/**
 * The chat front door end to end: ci-bot as its own process, driven through Bolt by the Slack emulator over
 * HTTP and Socket Mode, with a real Redis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ALICE = 'U0ALICE001'; // admin
const BOB = 'U0BOB00001'; // operator through the user group S0OPS00001
const CAROL = 'U0CAROL001'; // nobody: default role viewer
const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

let redis: RedisServer;
let slack: SlackEmulator;
let bot: BotProcess;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
const appToken = `xapp-e2e-${randomBytes(8).toString('hex')}`;
const prefix = `e2e${randomBytes(3).toString('hex')}`;

const config = {
  redis: { prefix },
  roles: { default: 'viewer', admins: [ALICE], operators: ['S0OPS00001'], confirmTtlMs: 2000 },
  inventory: { hosts: [{ name: 'slave1', address: '127.0.0.1', roles: ['agent'] }] },
  tasks: { selftestStepMs: 1000 },
};
const env = () => ({
  SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
});
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

before(async () => {
  redis = await startRedis();
  slack = await startSlackEmulator({
    signingSecret: secret, botToken, appToken,
    usergroups: [{ id: 'S0OPS00001', handle: 'ops', users: [BOB] }],
  });
  bot = await startBot({ config, env: env() });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await redis?.stop();
});

describe('HTTP mode', () => {
  test('/ci help is answered in the ack, generated from the registry', async () => {
    const ack = await slack.command(ALICE, 'help');
    assert.equal(ack.status, 200, 'acked within Slack\'s window (the emulator answers 0 past it)');
    assert.match(ack.body, /\/ci selftest/);
    assert.match(ack.body, /\/ci trust-host <host> <SHA256:fingerprint>/);
  });

  test('a forged signature and a stale timestamp get 401 and change nothing', async () => {
    const before = await redis.command('XLEN', `${prefix}:audit`);
    const forged = await slack.command(ALICE, 'selftest', { forgeSecret: 'not-the-secret' });
    assert.equal(forged.status, 401);
    const stale = await slack.command(ALICE, 'selftest', { staleBySec: 301 });
    assert.equal(stale.status, 401);
    const entries = await redis.command('XRANGE', `${prefix}:audit`, '-', '+');
    assert.equal((entries.match(/rejected_request/g) ?? []).length, 2, 'both rejections are audited');
    assert.doesNotMatch(entries, /selftest/, 'no command was run');
    assert.notEqual(await redis.command('XLEN', `${prefix}:audit`), before);
  });

  test('a denied role is told which role it needs, ephemerally, and nothing is queued', async () => {
    const ack = await slack.command(CAROL, 'selftest');
    assert.equal(ack.status, 200);
    const body = JSON.parse(ack.body) as { response_type: string; text: string };
    assert.equal(body.response_type, 'ephemeral');
    assert.match(body.text, /needs the \*operator\* role; you are \*viewer\*/);
    const jobs = await slack.command(CAROL, 'jobs');
    assert.match(jobs.body, /none/);
    const audit = await redis.command('XRANGE', `${prefix}:audit`, '-', '+');
    assert.match(audit, /denied[\s\S]*U0CAROL001|U0CAROL001[\s\S]*denied/);
    const history = await slack.command(CAROL, 'history 3');
    assert.match(history.body, /Audit trail \(newest first\)/);
    assert.match(history.body, /command · <@U0CAROL001> · \/ci jobs/, 'the newest entry first');
    assert.match(history.body, /denied · <@U0CAROL001> · \/ci selftest/);
  });

  test('S1: a replayed request (same signed body, within the window) gets 401 and runs nothing the second time', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const body = new URLSearchParams({
      token: 'x', team_id: 'T0CIBOT001', channel_id: 'C0CI000001', channel_name: 'ci', user_id: BOB, user_name: 'bob',
      command: '/ci', text: 'selftest', api_app_id: 'A0CIBOT001', is_enterprise_install: 'false',
      response_url: `${slack.origin}/response/replay-test`, trigger_id: 'replay.1',
    }).toString();
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    const send = () => fetch(bot.eventsUrl, {
      method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
    });
    const first = await send();
    assert.equal(first.status, 200);
    assert.match(await first.text(), /Queued `/);
    const again = await send();
    assert.equal(again.status, 401);
    const audit = await redis.command('XRANGE', `${prefix}:audit`, '-', '+');
    assert.match(audit, /replayed request/);
  });

  test('a user-group member gets the group role', async () => {
    const ack = await slack.command(BOB, 'selftest');
    assert.match(ack.body, /Queued `/);
    await slack.waitForMessage((m) => m.kind === 'channel' && /selftest passed/i.test(text(m)), 15_000);
  });

  test('confirmation: someone else is refused, Cancel does nothing, Confirm runs once, a second click is harmless', async () => {
    await slack.command(ALICE, `trust-host slave1 ${FINGERPRINT}`);
    const prompt = await slack.waitForMessage((m) => /Confirm `\/ci trust-host/.test(text(m)), 5000);
    const other = await slack.click(prompt, 'ci_confirm', { user: BOB });
    assert.equal(other.status, 200);
    await slack.waitForMessage((m) => /Only <@U0ALICE001>/.test(text(m)), 5000);
    assert.equal(await redis.command('SMEMBERS', `${prefix}:pins:slave1`), '*0\r\n', 'nothing pinned by a stranger');

    // Two clicks racing (a double click): one runs, the other is told it was already answered.
    await Promise.all([slack.click(prompt, 'ci_confirm', { user: ALICE }), slack.click(prompt, 'ci_confirm', { user: ALICE })]);
    await slack.waitForMessage((m) => /Pinned `SHA256:A+` for \*slave1\*/.test(text(m)), 5000);
    await waitFor(() => slack.calls('response_url').some((c) => /already answered/.test(String(c.args.text))), { deadlineMs: 5000, what: 'the second click answered' });
    assert.match(await redis.command('SMEMBERS', `${prefix}:pins:slave1`), /SHA256:A{43}/);
    const audit = await redis.command('XRANGE', `${prefix}:audit`, '-', '+');
    assert.equal((audit.match(/\bconfirmed\b/g) ?? []).length, 1, 'confirmed once');

    await slack.command(ALICE, `trust-host slave1 SHA256:${'B'.repeat(43)}`);
    const second = await slack.waitForMessage((m) => /Confirm `\/ci trust-host slave1 SHA256:B/.test(text(m)), 5000);
    await slack.click(second, 'ci_confirm_cancel', { user: ALICE });
    await slack.waitForMessage((m) => /Cancelled `\/ci trust-host/.test(text(m)), 5000);
    assert.doesNotMatch(await redis.command('SMEMBERS', `${prefix}:pins:slave1`), /SHA256:B/);
  });

  test('a confirmation expires', async () => {
    await slack.command(ALICE, `trust-host slave1 SHA256:${'C'.repeat(43)}`);
    const prompt = await slack.waitForMessage((m) => /Confirm `\/ci trust-host slave1 SHA256:C/.test(text(m)), 5000);
    await new Promise((r) => setTimeout(r, 2200)); // the configured TTL is 2 s: waiting past it is the point
    await slack.click(prompt, 'ci_confirm', { user: ALICE });
    await slack.waitForMessage((m) => /expired or was already answered/.test(text(m)), 5000);
    assert.doesNotMatch(await redis.command('SMEMBERS', `${prefix}:pins:slave1`), /SHA256:C/);
  });

  test('429 from Slack on a progress post: delivered after Retry-After, once', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const ack = await slack.command(ALICE, 'selftest');
    const jobId = /Queued `([^`]+)`/.exec(ack.body)?.[1];
    assert.ok(jobId, ack.body);
    const posted = await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId), 10_000);
    // The first post got the 429 and the outbox posted it again later (the pause itself: outbox-slack.test.ts).
    const tries = slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.args).includes(jobId));
    assert.deepEqual(tries.map((c) => c.status), [429, 200], 'rate limited once, then posted once');
    await waitFor(() => /selftest passed/i.test(text(posted)) || /selftest passed/i.test(text(slack.messages().find((m) => m.ts === posted.ts) ?? posted)), { deadlineMs: 15_000, what: 'final state' });
    const copies = slack.messages().filter((m) => m.kind === 'channel' && text(m).includes(jobId));
    assert.equal(copies.length, 1, 'one progress message, updated in place');
  });

  test('a queued task: one live progress message, output in its thread, and Cancel mid-way', async () => {
    const ack = await slack.command(BOB, 'selftest');
    const jobId = /Queued `([^`]+)`/.exec(ack.body)?.[1] ?? assert.fail(ack.body);
    const progress = await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId) && /⏳ check queue/.test(text(m)) && /\[ Cancel \]/.test(text(m)), 10_000);
    const click = await slack.click(progress, 'cancel_job', { user: BOB });
    assert.equal(click.status, 200);
    await slack.waitForMessage((m) => m.ts === progress.ts && /Cancelled/.test(text(m)), 10_000);
    const final = slack.messages().find((m) => m.ts === progress.ts) ?? assert.fail('progress message gone');
    assert.ok(final.history.length >= 1, 'the message was updated in place');
    assert.doesNotMatch(text(final), /\[ Cancel \]/, 'no Cancel button once finished');
    assert.doesNotMatch(text(final), /verify — /, 'the last step never ran');
    await slack.waitForMessage((m) => m.kind === 'thread' && m.thread_ts === progress.ts && /step 1\/4/.test(text(m)), 10_000);
    assert.equal(slack.messages().filter((m) => m.kind === 'channel' && text(m).includes(jobId)).length, 1);
    const log = await slack.command(BOB, `jobs ${jobId}`);
    assert.match(log.body, /step 1\/4: check queue/, '/ci jobs <id> shows the kept log');
  });

  test('bad input never crashes the process', async () => {
    const bad = [
      { rawBody: 'command=%2Fci&text=%E0%A4' }, // broken percent-encoding
      { rawBody: 'payload=%7Bnot-json' }, // invalid JSON in payload
      { rawBody: '' },
      { rawBody: 'payload=%7B%22type%22%3A%22block_actions%22%7D' }, // missing fields
      { rawBody: 'x'.repeat(2_000_000) }, // over the body limit
      { rawBody: 'command=%2Fci', contentType: 'application/json' },
    ];
    for (const opts of bad) {
      const res = await slack.command(ALICE, 'help', opts);
      assert.ok([200, 400, 401, 404, 413].includes(res.status) || res.status === 0, `status ${res.status}`);
    }
    const unknownButton = await slack.click(
      { ...(await slack.waitForMessage(() => true, 1000)), blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'no_such_action', value: 'x', text: { type: 'plain_text', text: 'X' } }] }] },
      'no_such_action',
      { user: ALICE },
    );
    assert.equal(unknownButton.status, 200);
    const long = await slack.command(ALICE, `help ${'é'.repeat(6000)}`);
    assert.match(long.body, /too long/);
    const health = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(bot.proc.child.exitCode, null);
  });
});

describe('operations', () => {
  test('/healthz, /readyz and /metrics', async () => {
    await slack.command(ALICE, 'help');
    const base = `http://127.0.0.1:${bot.port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    const body = (await ready.json()) as { ready: boolean; redis: { ok: boolean }; slack: { connected: boolean } };
    assert.equal(ready.status, 200);
    assert.deepEqual([body.ready, body.redis.ok, body.slack.connected], [true, true, true]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /cibot_commands_total\{name="help",outcome="ok"\} [1-9]/);
    assert.match(metrics, /cibot_commands_total\{name="selftest",outcome="denied"\} [1-9]/);
    assert.match(metrics, /cibot_ack_latency_seconds_count [1-9]/);
    assert.match(metrics, /cibot_task_duration_seconds_count\{kind="selftest",outcome="ok"\} [1-9]/);
    assert.match(metrics, /cibot_queue_depth\{/);
    assert.match(metrics, /cibot_outbox_backlog \d/);
  });
});

describe('Socket Mode', () => {
  let socketBot: BotProcess;
  before(async () => {
    socketBot = await startBot({ role: 'serve', config, env: { ...env(), SLACK_APP_TOKEN: appToken } });
    slack.setTarget({ mode: 'socket' });
    await slack.waitForConnection(1, 10_000);
  });
  after(async () => {
    await socketBot?.stop();
    slack.setTarget({ mode: 'http', url: bot.eventsUrl });
  });

  test('/ci help over the socket, and again after a disconnect (refresh) and reconnect', async () => {
    const ack = await slack.command(ALICE, 'help');
    assert.ok(ack.acked);
    assert.match(ack.body, /\/ci selftest/);
    const opened = slack.connectionsOpened;
    slack.disconnectSockets('refresh_requested');
    await waitFor(() => slack.connectionsOpened > opened && slack.connected, { deadlineMs: 20_000, what: 'reconnect' });
    const again = await slack.command(CAROL, 'selftest');
    assert.ok(again.acked);
    assert.match(again.body, /needs the \*operator\* role/);
  });

  test('confirmation over the socket', async () => {
    await slack.command(ALICE, `trust-host slave1 SHA256:${'D'.repeat(43)}`);
    const prompt = await slack.waitForMessage((m) => /Confirm `\/ci trust-host slave1 SHA256:D/.test(text(m)), 5000);
    const click = await slack.click(prompt, 'ci_confirm', { user: ALICE });
    assert.ok(click.acked);
    await slack.waitForMessage((m) => /Pinned `SHA256:D+` for \*slave1\*\. It replaces `SHA256:A+`, which is no longer trusted/.test(text(m)), 5000);
    const pins = await redis.command('SMEMBERS', `${prefix}:pins:slave1`);
    assert.match(pins, /SHA256:D{43}/);
    assert.doesNotMatch(pins, /SHA256:A{43}/, 'the key pinned before is no longer trusted');
  });
});
