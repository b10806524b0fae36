/**
 * The Home tab publisher's pace on a fake clock: the waits it asks for are the behaviour (Retry-After of a 429, the
 * gap between publishes, no republish of an unchanged view), so no test here reads a wall clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HomePublisher } from '../../../src/features/app-home/publisher.ts';
import { RetryLaterError } from '../../../src/core/errors.ts';
import type { Block } from '../../../src/core/types.ts';

function rig(failures: Error[] = []) {
  let nowMs = 1_000_000;
  const sleeps: number[] = [];
  const published: Array<{ user: string; atMs: number }> = [];
  const kv = new Map<string, unknown>();
  let body: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: 'Agents: *2 active*' } }];
  const publisher = new HomePublisher({
    home: {
      async publish(user) {
        const failure = failures.shift();
        if (failure) throw failure;
        published.push({ user, atMs: nowMs });
      },
    },
    state: { get: async (k) => kv.get(k), set: async (k, v) => void kv.set(k, v) },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    body: async () => body,
    now: () => nowMs,
    sleep: async (ms) => {
      sleeps.push(ms);
      nowMs += ms;
    },
  });
  return { publisher, sleeps, published, advance: (ms: number) => (nowMs += ms), change: (b: Block[]) => (body = b) };
}

test('a 429 pauses the next publish for exactly its Retry-After, then the view goes out', async () => {
  const r = rig([new RetryLaterError('views.publish: rate limited', 2000)]);
  await r.publisher.opened('U0ALICE001');
  assert.deepEqual(r.sleeps, [2000], 'the one wait is the Retry-After');
  assert.equal(r.published.length, 1);
});

test('publishes to several users are spaced by the gap; an unchanged view is not republished', async () => {
  const r = rig();
  await r.publisher.opened('U0ALICE001');
  await r.publisher.opened('U0BOB00001');
  assert.deepEqual(r.sleeps, [700], 'the second publish waits the 700 ms gap');
  r.advance(10_000);
  assert.equal(await r.publisher.refresh(), 0, 'nothing changed: nothing published');
  r.change([{ type: 'section', text: { type: 'mrkdwn', text: 'Agents: *3 active*' } }]);
  assert.equal(await r.publisher.refresh(), 2, 'both viewers get the changed view');
  await r.publisher.opened('U0ALICE001');
  assert.equal(r.published.length, 4, 'reopened with nothing changed within 30 s: not published again');
  r.advance(30_000);
  await r.publisher.opened('U0ALICE001');
  assert.equal(r.published.length, 5, 'after 30 s a reopen publishes again');
});

test('a third 429 in a row gives up on that publish (no endless loop)', async () => {
  const limited = () => new RetryLaterError('views.publish: rate limited', 1000);
  const r = rig([limited(), limited(), limited()]);
  await assert.rejects(r.publisher.opened('U0ALICE001'), RetryLaterError);
  assert.deepEqual(r.sleeps, [1000, 1000]);
});
