/** The emulator drives a real Bolt app's HTTPReceiver with signed slash commands and block_actions. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '@slack/bolt';
import { waitFor } from '../../../src/playground/ports.ts';
import type { SlackEmulator } from '../../../src/playground/slack-emulator/index.ts';
import { emulator, listen, startHttpApp } from './bolt-app.ts';

describe('slack emulator: HTTP mode with a real Bolt app', () => {
  let slack: SlackEmulator;
  let app: App;
  const received: Array<Record<string, unknown>> = [];
  const clicks: Array<Record<string, unknown>> = [];
  const triggerErrors: string[] = [];

  before(async () => {
    slack = await emulator();
    const started = await startHttpApp(slack);
    app = started.app;
    app.command('/ci', async ({ command, ack, say, respond, client }) => {
      received.push({ ...command });
      if (command.text === 'modal') {
        await ack();
        await client.views.open({ trigger_id: command.trigger_id, view: modal() });
        await client.views.open({ trigger_id: command.trigger_id, view: modal() }).catch((err: unknown) => {
          triggerErrors.push((err as { data?: { error?: string } }).data?.error ?? String(err));
        });
        return;
      }
      await ack(`working on ${command.text}`);
      await say({ text: `status for ${command.text}`, blocks: approvalBlocks(command.text) });
      await respond({ text: `done: ${command.text}`, replace_original: true });
    });
    app.action('approve', async ({ ack, body, action, respond }) => {
      await ack();
      clicks.push({ body, action });
      await respond({ text: 'approved by <@someone>', replace_original: true });
    });
    await listen(app, slack);
  });

  after(async () => {
    await app.stop();
    await slack.stop();
  });

  test('a signed slash command is accepted, acked with text, and answered by say() and respond()', async () => {
    const ack = await slack.command('alice', 'build-42');
    assert.equal(ack.status, 200);
    assert.equal(ack.acked, true);
    assert.equal(ack.body, 'working on build-42');
    assert.ok(ack.latencyMs > 0, 'the latency is recorded (an ack past the 3 s window would be status 0)');
    const posted = await slack.waitForMessage('status for build-42');
    assert.equal(posted.kind, 'channel');
    assert.match(posted.ts, /^\d{10}\.\d{6}$/);
    const replaced = await slack.waitForMessage('done: build-42');
    assert.equal(replaced.kind, 'ack', 'respond(replace_original) replaced the immediate ack response');
    assert.equal(replaced.visibleTo, slack.directory.user('alice').id);
    assert.equal(replaced.history[0]?.text, 'working on build-42');
  });

  test('the app receives every slash command field as Slack sends it', () => {
    const cmd = received.find((c) => c.text === 'build-42');
    assert.ok(cmd);
    for (const field of ['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name',
      'command', 'text', 'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id']) {
      assert.equal(typeof cmd[field], 'string', field);
    }
    assert.equal(cmd.is_enterprise_install, 'false');
    assert.equal(cmd.command, '/ci');
    assert.equal(cmd.user_name, 'alice');
  });

  test('a forged signature is refused with 401 and never reaches the listener', async () => {
    const before = received.length;
    const ack = await slack.command('alice', 'forged', { forgeSecret: 'not-the-secret' });
    assert.equal(ack.status, 401);
    assert.equal(ack.acked, false);
    assert.equal(received.length, before);
  });

  test('a stale timestamp (301 s old) is refused with 401', async () => {
    const ack = await slack.command('alice', 'stale', { staleBySec: 301 });
    assert.equal(ack.status, 401);
    assert.equal(received.some((c) => c.text === 'stale'), false);
  });

  test('charset in the content type breaks Bolt (400), which is why the emulator sends the bare type', async () => {
    const ack = await slack.command('alice', 'charset', { contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
    assert.equal(ack.status, 400);
  });

  test('a block_actions click on a recorded message reaches the app with the message and container', async () => {
    await slack.command('bob', 'deploy-7');
    const msg = await slack.waitForMessage((m) => m.kind === 'channel' && m.text === 'status for deploy-7');
    const ack = await slack.click(msg, 'approve', { user: 'bob' });
    assert.equal(ack.status, 200);
    const click = clicks.at(-1) as {
      body: { type: string; container: unknown; message: { ts: string }; user: { id: string } };
      action: { value: string; action_id: string };
    };
    assert.equal(click.action.value, 'deploy-7');
    assert.equal(click.action.action_id, 'approve');
    assert.equal(click.body.type, 'block_actions');
    assert.deepEqual(click.body.container, { type: 'message', message_ts: msg.ts, channel_id: msg.channel, is_ephemeral: false });
    assert.equal(click.body.message.ts, msg.ts);
    assert.equal(click.body.user.id, slack.directory.user('bob').id);
    const updated = await slack.waitForMessage('approved by');
    assert.equal(updated.ts, msg.ts, 'replace_original from an action replaces the clicked message');
    assert.equal(updated.history.length, 1);
  });

  test('views.open accepts a fresh trigger_id once, then answers exchanged_trigger_id', async () => {
    await slack.command('alice', 'modal');
    await waitFor(() => triggerErrors.length > 0, { what: 'the second views.open to fail' });
    assert.equal(slack.views().length, 1);
    assert.deepEqual(triggerErrors, ['exchanged_trigger_id']);
  });
});

function approvalBlocks(value: string) {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*Pipeline* ${value}` } },
    { type: 'actions', elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value }] },
  ];
}

function modal() {
  return { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Confirm' }, blocks: [] };
}
