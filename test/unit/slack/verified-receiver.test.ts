/**
 * Slack HTTP requests are verified once, in ops-server.ts, and handed to a real Bolt app through our receiver:
 * good requests reach the listener with the exact body that was signed; forged, stale and replayed ones are
 * refused with 401, reported to `onRejected` (which the serve role audits) and never reach Bolt.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSlackApp, type SlackApp } from '../../../src/slack/app.ts';
import { startOpsServer } from '../../../src/slack/ops-server.ts';
import { signature } from '../../../src/playground/slack-emulator/payloads.ts';
import { startSlackEmulator, type SlackEmulator } from '../../../src/playground/slack-emulator/index.ts';

const secret = randomBytes(16).toString('hex');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const rejected: string[] = [];
const heard: string[] = [];
const seen = new Set<string>();
let slack: SlackApp;
let emulator: SlackEmulator; // only for the app's start-up auth.test; requests are sent by hand below
let ops: Awaited<ReturnType<typeof startOpsServer>>;
let url: string;

before(async () => {
  const botToken = `xoxb-unit-${randomBytes(6).toString('hex')}`;
  emulator = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  slack = await createSlackApp({ mode: 'http', botToken, apiUrl: emulator.apiUrl, webApiRetries: 0, logger: quiet });
  slack.app.command('/ci', async ({ command, ack }) => {
    heard.push(command.text);
    await ack({ response_type: 'ephemeral', text: `heard ${command.text}` });
  });
  assert.ok(slack.handleVerified);
  ops = await startOpsServer({
    port: 0, host: '127.0.0.1', routes: {},
    slack: {
      signingSecret: secret, listener: slack.handleVerified,
      onRejected: (reason) => rejected.push(reason),
      firstSeen: async (sig) => !seen.has(sig) && Boolean(seen.add(sig)),
    },
  });
  url = `http://127.0.0.1:${ops.port}/slack/events`;
});
after(async () => {
  await ops.close();
  await slack.stop();
  await emulator.stop();
});

function send(body: string, opts: { secret?: string; skewSec?: number; type?: string; signature?: string } = {}) {
  const ts = Math.floor(Date.now() / 1000) - (opts.skewSec ?? 0);
  return fetch(url, {
    method: 'POST', body,
    headers: {
      'content-type': opts.type ?? 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts),
      'x-slack-signature': opts.signature ?? signature(opts.secret ?? secret, ts, body),
    },
  });
}

const command = (text: string) => new URLSearchParams({
  command: '/ci', text, user_id: 'U0ALICE001', channel_id: 'C0CI000001', team_id: 'T0CIBOT001', trigger_id: `t.${text}`,
  response_url: 'http://127.0.0.1:9/response', api_app_id: 'A0CIBOT001',
}).toString();

describe('Slack requests verified once, then handed to Bolt', () => {
  test('a signed slash command reaches the Bolt listener and its ack is the HTTP answer', async () => {
    const res = await send(command('status'));
    assert.equal(res.status, 200);
    assert.match(await res.text(), /heard status/);
    assert.deepEqual(heard, ['status']);
  });

  test('forged, stale and replayed requests get 401, are reported with their reason and never reach Bolt', async () => {
    heard.length = 0;
    rejected.length = 0;
    assert.equal((await send(command('forged'), { secret: 'not-the-secret' })).status, 401);
    assert.equal((await send(command('stale'), { skewSec: 301 })).status, 401);
    const body = command('once');
    const ts = Math.floor(Date.now() / 1000);
    const sig = signature(secret, ts, body);
    const replay = () => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig } });
    assert.equal((await replay()).status, 200);
    assert.equal((await replay()).status, 401);
    assert.deepEqual(rejected, ['bad signature', 'stale timestamp', 'replayed request']);
    assert.deepEqual(heard, ['once']);
  });

  test('url_verification is answered with its challenge; a malformed signed body is a 400, not a crash', async () => {
    const challenge = randomBytes(8).toString('hex');
    const res = await send(JSON.stringify({ type: 'url_verification', challenge }), { type: 'application/json' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { challenge });
    assert.equal((await send('{not json', { type: 'application/json' })).status, 400);
  });

  test("Slack's unsigned ssl_check gets 200 and nothing smuggled with it reaches Bolt", async () => {
    heard.length = 0;
    rejected.length = 0;
    const res = await send(`ssl_check=1&${command('smuggled')}`, { signature: 'v0=unsigned' });
    assert.equal(res.status, 200);
    assert.deepEqual(heard, []);
    assert.deepEqual(rejected, []);
  });
});
