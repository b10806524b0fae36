import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerListeners } from '../../src/slack/listeners.ts';
import type { CommandOutcome } from '../../src/slack/command-flow.ts';
import { waitFor } from '../support/ports.ts';

type Handler = (args: Record<string, unknown>) => Promise<void>;

/** Just enough of a Bolt App to capture the listeners ci-bot registers. */
class CapturingApp {
  commands = new Map<string, Handler>();
  actions: Array<[string | RegExp, Handler]> = [];
  command(name: string, fn: Handler) {
    this.commands.set(name, fn);
  }
  action(id: string | RegExp, fn: Handler) {
    this.actions.push([id, fn]);
  }
}

const reply = (text: string) => ({ message: { text }, visibility: 'ephemeral' as const });
const command = { user_id: 'U1', user_name: 'u', team_id: 'T1', channel_id: 'C1', text: 'status' };

function setup(outcome: () => Promise<CommandOutcome>, ackDeadlineMs: number) {
  const app = new CapturingApp();
  const events: Array<[string, unknown, number]> = [];
  const started = Date.now();
  registerListeners(app as never, {
    flow: { command: outcome } as never,
    ackDeadlineMs,
    actions: {},
    logError: (err) => events.push(['error', err, Date.now() - started]),
  });
  const run = () =>
    (app.commands.get('/ci') as Handler)({
      command,
      ack: async (body: unknown) => void events.push(['ack', body, Date.now() - started]),
      respond: async (body: unknown) => void events.push(['respond', body, Date.now() - started]),
    });
  return { app, events, run };
}

test('our own ack deadline: a slow answer is acked in time and delivered afterwards on response_url', async () => {
  // The answer is held back until the ack has been sent: the ack can only come from our own deadline (50 ms).
  let release: (o: CommandOutcome) => void = () => {};
  const { events, run } = setup(() => new Promise((r) => (release = r)), 50);
  const running = run();
  await waitFor(() => events.length > 0, { deadlineMs: 10_000, what: 'the ack while the answer is still being worked on' });
  assert.deepEqual(events.map((e) => e[0]), ['ack']);
  release({ ack: reply('slow answer') });
  await running;
  const [first, second] = events;
  assert.match(JSON.stringify(first?.[1]), /Working on it/);
  assert.equal(second?.[0], 'respond');
  assert.match(JSON.stringify(second?.[1]), /slow answer/);
  assert.equal(events.length, 2);
});

test('a fast answer is the ack itself; deferred work is answered after the ack', async () => {
  const fast = setup(async () => ({ ack: reply('fast') }), 1000);
  await fast.run();
  assert.deepEqual(fast.events.map((e) => e[0]), ['ack']);
  assert.match(JSON.stringify(fast.events[0]?.[1]), /fast/);

  const order: string[] = [];
  const deferred = setup(async () => ({ later: async () => (order.push('upstream read'), reply('status')) }), 1000);
  await deferred.run();
  assert.deepEqual(deferred.events.map((e) => e[0]), ['ack', 'respond']);
  assert.equal(deferred.events[0]?.[1], undefined, 'empty ack before any upstream read');
  assert.deepEqual(order, ['upstream read']);
});

test('unknown action ids are acknowledged, not left to time out', async () => {
  const { app } = setup(async () => ({}), 1000);
  const catchAll = app.actions.find(([id]) => id instanceof RegExp);
  assert.ok(catchAll);
  const re = catchAll[0] as RegExp;
  assert.ok(re.test('no_such_action'));
  assert.ok(!re.test('ci_confirm') && !re.test('ci_confirm_cancel'));
  let acked = false;
  await catchAll[1]({ ack: async () => void (acked = true) });
  assert.ok(acked);
});

test('everything sent to Slack passes through scrub', async () => {
  const app = new CapturingApp();
  const events: unknown[] = [];
  registerListeners(app as never, {
    flow: { command: async () => ({ ack: { message: { text: 'token xoxb-leak', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'xoxb-leak' } }] }, visibility: 'ephemeral' } }) } as never,
    ackDeadlineMs: 1000, actions: {}, logError: () => undefined, scrub: (t) => t.replaceAll('xoxb-leak', '[redacted]'),
  });
  await (app.commands.get('/ci') as Handler)({ command, ack: async (b: unknown) => void events.push(b), respond: async () => undefined });
  assert.doesNotMatch(JSON.stringify(events), /xoxb-leak/);
  assert.match(JSON.stringify(events), /\[redacted\]/);
});
