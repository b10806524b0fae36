/** response_url semantics and the HTTP ack window, through a real Bolt app's respond(). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '@slack/bolt';
import type { SlackEmulator } from '../../../src/playground/slack-emulator/index.ts';
import { emulator, listen, startHttpApp } from './bolt-app.ts';

describe('slack emulator: response_url and ack window', () => {
  let slack: SlackEmulator;
  let app: App;

  before(async () => {
    slack = await emulator({ ackWindowMs: 400 });
    const started = await startHttpApp(slack);
    app = started.app;
    app.command('/ci', async ({ command, ack, respond }) => {
      if (command.text === 'hang') return; // no ack: Slack gives up after the window
      await ack();
      await respond({ text: `public ${command.text}`, response_type: 'in_channel' });
    });
    await listen(app, slack);
  });

  after(async () => {
    await app.stop();
    await slack.stop();
  });

  test('an empty ack records no message; an in_channel respond() is visible to everyone', async () => {
    const ack = await slack.command('carol', 'hello');
    assert.equal(ack.body, '');
    const m = await slack.waitForMessage('public hello');
    assert.equal(m.kind, 'response_url');
    assert.equal(m.responseType, 'in_channel');
    assert.equal(m.visibleTo, undefined);
    assert.equal(slack.messages().filter((x) => x.kind === 'ack').length, 0);
  });

  test('no answer within the ack window is a timeout', async () => {
    const ack = await slack.command('carol', 'hang');
    assert.equal(ack.acked, false);
    assert.equal(ack.status, 0);
    assert.equal(ack.latencyMs, 400);
  });

  test('a response_url works 5 times, then answers 404 expired_url; non-JSON bodies are refused', async () => {
    const ack = await slack.command('carol', 'count');
    await slack.waitForMessage('public count');
    const post = (body: string, type = 'application/json') =>
      fetch(ack.responseUrl, { method: 'POST', headers: { 'content-type': type }, body });
    assert.equal((await post('text=hi', 'application/x-www-form-urlencoded')).status, 400);
    for (let i = 2; i <= 5; i++) assert.equal((await post(JSON.stringify({ text: `use ${i}` }))).status, 200);
    const sixth = await post(JSON.stringify({ text: 'use 6' }));
    assert.equal(sixth.status, 404);
    assert.deepEqual(await sixth.json(), { ok: false, error: 'expired_url' });
    const ephemeral = await slack.waitForMessage('use 2');
    assert.equal(ephemeral.visibleTo, slack.directory.user('carol').id, 'response_type defaults to ephemeral');
  });
});
