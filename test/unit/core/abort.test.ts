/** P5: child signals that leave nothing behind on their long-lived parents (src/core/abort.ts). Timers are mocked. */
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { childSignal, withChildSignal } from '../../../src/core/abort.ts';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('aborts with the parent, with its reason; then it no longer listens to the parent', () => {
  const parent = new AbortController();
  const child = childSignal(parent.signal, 1000);
  assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
  parent.abort('lease lost');
  assert.equal(child.signal.aborted, true);
  assert.equal(child.signal.reason, 'lease lost');
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
});

test('times out with a TimeoutError, and detaches from the parent', () => {
  const parent = new AbortController();
  const child = childSignal(parent.signal, 1000);
  mock.timers.tick(999);
  assert.equal(child.signal.aborted, false);
  mock.timers.tick(1);
  assert.equal(child.signal.aborted, true);
  assert.equal((child.signal.reason as Error).name, 'TimeoutError');
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  assert.equal(parent.signal.aborted, false, 'the parent is not touched');
});

test('any of several parents; an already aborted one aborts at once; undefined parents are ignored', () => {
  const a = new AbortController();
  const b = new AbortController();
  const child = childSignal([a.signal, undefined, b.signal]);
  b.abort('woken');
  assert.equal(child.signal.reason, 'woken');
  assert.equal(getEventListeners(a.signal, 'abort').length, 0);
  const late = childSignal([a.signal, b.signal]);
  assert.equal(late.signal.aborted, true);
  assert.equal(late.signal.reason, 'woken');
  assert.equal(childSignal(undefined).signal.aborted, false);
});

test('a long-lived parent keeps nothing of 10,000 children once each is disposed (or its work has settled)', async () => {
  const parent = new AbortController();
  for (let i = 0; i < 5000; i++) childSignal(parent.signal, 60_000).dispose();
  for (let i = 0; i < 5000; i++) await withChildSignal([parent.signal], 60_000, async (s) => s.aborted);
  await assert.rejects(withChildSignal(parent.signal, 60_000, async () => { throw new Error('read failed'); }), /read failed/);
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0, 'no listener left on the parent');
  mock.timers.tick(60_000); // a disposed child's timer was cleared: nothing aborts late
  assert.equal(parent.signal.aborted, false);
});
