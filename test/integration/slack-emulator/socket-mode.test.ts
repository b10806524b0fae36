/** The emulator serves Socket Mode to a real Bolt app: connections.open, hello, envelopes, acks, disconnect. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '@slack/bolt';
import type { SlackEmulator } from '../../support/slack-emulator/index.ts';
import { SECRETS, emulator, socketApp } from './bolt-app.ts';

describe('slack emulator: Socket Mode with a real Bolt app', () => {
  let slack: SlackEmulator;
  let app: App;
  const clicked: string[] = [];

  before(async () => {
    slack = await emulator({ ackWindowMs: 500 });
    app = socketApp(slack);
    app.command('/ci', async ({ command, ack, say }) => {
      if (command.text === 'slow') return; // never acks: the emulator must record a miss
      await ack({ text: `ok ${command.text}`, response_type: 'ephemeral' });
      await say({
        text: `posted ${command.text}`,
        blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' }, value: command.text }] }],
      });
    });
    app.action('go', async ({ ack, action }) => {
      await ack();
      clicked.push((action as { value: string }).value);
    });
    await app.start();
  });

  after(async () => {
    await app.stop();
    await slack.stop();
  });

  test('app.start() resolves after hello; the connection is visible', () => {
    assert.equal(slack.connected, true);
    assert.equal(slack.connectionsOpened, 1);
    assert.equal(slack.calls('apps.connections.open').length, 1);
  });

  test('a slash_commands envelope is acked with its payload and the latency is recorded', async () => {
    const ack = await slack.command('alice', 'one');
    assert.equal(ack.acked, true);
    assert.ok(ack.envelopeId);
    assert.deepEqual(JSON.parse(ack.body), { text: 'ok one', response_type: 'ephemeral' });
    const recorded = slack.acks().find((a) => a.envelopeId === ack.envelopeId);
    assert.ok(recorded && recorded.type === 'slash_commands' && !recorded.late && recorded.latencyMs >= 0, 'acked in the window, latency recorded');
    const shown = await slack.waitForMessage('ok one');
    assert.equal(shown.kind, 'ack');
    assert.equal(shown.visibleTo, slack.directory.user('alice').id);
  });

  test('an interactive envelope carries block_actions to the app', async () => {
    await slack.command('alice', 'two');
    const msg = await slack.waitForMessage('posted two');
    const ack = await slack.click(msg, 'go');
    assert.equal(ack.acked, true);
    assert.deepEqual(clicked, ['two']);
  });

  test('no ack within the window is recorded as a miss', async () => {
    const ack = await slack.command('alice', 'slow');
    assert.equal(ack.acked, false);
    assert.equal(ack.status, 0);
    assert.ok(slack.ackMisses().some((m) => m.envelopeId === ack.envelopeId && m.reason === 'timeout'));
  });

  test('disconnect (refresh_requested) makes the client reconnect through apps.connections.open', async () => {
    const opensBefore = slack.calls('apps.connections.open').length;
    assert.equal(slack.disconnectSockets('refresh_requested'), 1);
    await slack.waitForConnection(2, 10_000);
    assert.equal(slack.calls('apps.connections.open').length, opensBefore + 1);
    const ack = await slack.command('alice', 'three');
    assert.equal(ack.acked, true, 'envelopes flow on the new connection');
  });

  test('apps.connections.open checks the app token in the Authorization header', async () => {
    const open = (auth?: string) =>
      fetch(`${slack.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: auth ? { authorization: `Bearer ${auth}` } : {},
      }).then((r) => r.json() as Promise<{ ok: boolean; error?: string; url?: string }>);
    assert.deepEqual(await open('xapp-wrong'), { ok: false, error: 'invalid_auth' });
    assert.deepEqual(await open(), { ok: false, error: 'not_authed' });
    assert.deepEqual(await open(SECRETS.botToken), { ok: false, error: 'invalid_auth' });
    const good = await open(SECRETS.appToken);
    assert.match(good.url ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  });
});
