/**
 * P1's first request: the ack path's bounded waits on one Redis connection (the replay guard's SET, the command
 * audit) share one verdict, so a stalled Redis costs one budget in all before the enqueue, not one per write.
 * Timers are mocked: nothing here waits on the wall clock.
 */
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { BoundedWaits } from '../../../src/core/deadline.ts';
import { ReplayGuard } from '../../../src/store/replay-guard.ts';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

const never = () => new Promise<never>(() => undefined);
/** Lets pending promise reactions run (setImmediate is not mocked). */
const settle = () => new Promise((r) => setImmediate(r));
function tracked<T>(p: Promise<T>) {
  const t = { done: false, value: undefined as T | undefined };
  void p.then((v) => Object.assign(t, { done: true, value: v }));
  return t;
}

test('a write that answers in time: waited for, true', async () => {
  const waits = new BoundedWaits();
  assert.equal(await waits.within(Promise.resolve('OK'), 50), true);
});

test('a stalled write costs its budget once; later waits on the same connection do not wait until a write completes', async () => {
  const waits = new BoundedWaits();
  const first = tracked(waits.within(never(), 50));
  await settle();
  mock.timers.tick(49);
  await settle();
  assert.equal(first.done, false, 'waits its budget');
  mock.timers.tick(1);
  await settle();
  assert.deepEqual(first, { done: true, value: false });

  const second = tracked(waits.within(never(), 50));
  await settle();
  assert.deepEqual(second, { done: true, value: false }, 'no second budget while Redis is known slow');

  let answer!: () => void;
  const late = new Promise<void>((r) => { answer = r; });
  const third = tracked(waits.within(late, 50));
  await settle();
  assert.equal(third.done, true, 'still not waiting');
  answer();
  await settle();
  assert.equal(await waits.within(Promise.resolve(), 50), true, 'a completed write makes waits wait again');
  const fourth = tracked(waits.within(never(), 50));
  await settle();
  assert.equal(fourth.done, false, 'waiting again');
  mock.timers.tick(50);
  await settle();
});

test('the replay guard and the audit share the verdict: after the SET overran, the audit append is not waited for', async () => {
  const waits = new BoundedWaits();
  const stalled = { set: () => never() } as unknown as Redis;
  const guard = new ReplayGuard(stalled, 'p', { budgetMs: 30, waits });
  const seen = tracked(guard.firstSeen('sig-1'));
  await settle();
  assert.equal(seen.done, false, 'the SET gets its budget');
  mock.timers.tick(30);
  await settle();
  assert.deepEqual(seen, { done: true, value: true }, 'judged on local memory');
  const audit = tracked(waits.within(never(), 50));
  await settle();
  assert.deepEqual(audit, { done: true, value: false }, 'the audit does not wait a second budget');
  assert.equal(await guard.firstSeen('sig-1'), false, 'a replay is still refused from local memory');
});

test('the replay guard answers from Redis when it is in time: a signature another replica saw is refused', async () => {
  const redis = { set: async () => null } as unknown as Redis;
  assert.equal(await new ReplayGuard(redis, 'p').firstSeen('sig-2'), false);
  const fresh = { set: async () => 'OK' } as unknown as Redis;
  assert.equal(await new ReplayGuard(fresh, 'p').firstSeen('sig-3'), true);
});
