import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore } from '../../../src/ssh/semaphore.ts';

test('semaphore caps concurrency and hands slots over in order', async () => {
  const sem = new Semaphore(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 7 }, async (_, i) => {
      const release = await sem.acquire();
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      order.push(i);
      running--;
      release();
      release(); // idempotent
    }),
  );
  assert.equal(peak, 2);
  assert.equal(sem.held, 0);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6]);
});

test('an aborted waiter leaves the queue', async () => {
  const sem = new Semaphore(1);
  const release = await sem.acquire();
  const ctl = new AbortController();
  const waiting = sem.acquire(ctl.signal);
  ctl.abort(new Error('gone'));
  await assert.rejects(waiting, /gone/);
  release();
  assert.equal(sem.held, 0);
  const again = await sem.acquire();
  assert.equal(sem.held, 1);
  again();
});
