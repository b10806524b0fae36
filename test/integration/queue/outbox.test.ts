import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { createWorkerConnection } from '../../../src/queue/connection.ts';
import { createRedisOutbox } from '../../../src/queue/outbox.ts';
import { startOutboxDrainer } from '../../../src/queue/outbox-drainer.ts';
import { RetryLaterError, PermanentError, UpstreamError } from '../../../src/core/errors.ts';
import { FakeNotifier } from './fake-notifier.ts';
import { probeCooldowns, setsBetween } from '../../support/cooldown-probe.ts';

let server: RedisServer;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server.stop();
});

const msg = (text: string) => ({ text });

function setup() {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const redis = createWorkerConnection({ url: server.url });
  const outbox = createRedisOutbox({ redis, prefix });
  return { prefix, redis, outbox };
}

describe('outbox', () => {
  test('R16: 429 then 5xx then OK → delivered in order, no drops, no duplicates, across a drainer restart', async (t) => {
    const { prefix, redis, outbox } = setup();
    t.after(() => redis.disconnect());
    const fake = new FakeNotifier();
    fake.failNext(new RetryLaterError('ratelimited', 300), new RetryLaterError('http 503', 100));
    const probe = await probeCooldowns(server.url, prefix, fake);
    t.after(() => probe.close());
    const notifier = probe.notifier;
    for (let i = 1; i <= 3; i++) await outbox.put({ key: `m${i}`, channel: 'C1', message: msg(`m${i}`) });
    let drainer = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 100, updateIntervalMs: 20 });
    t.after(() => drainer.close());
    await waitFor(() => fake.posts().length >= 1, { what: 'first post' });
    await drainer.close();
    // Puts while no drainer runs are kept in Redis.
    for (let i = 4; i <= 6; i++) await outbox.put({ key: `m${i}`, channel: 'C1', message: msg(`m${i}`) });
    drainer = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 100, updateIntervalMs: 20 });
    await waitFor(() => fake.posts().length >= 6, { what: 'six posts', deadlineMs: 8000 });
    await drainer.close();
    assert.deepEqual(fake.posts().map((c) => c.message.text), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    // The first post waited for the Retry-After of the 429 and of the 5xx (the pause each set, in Redis), and no call
    // went out while a pause held: shown by the pause keys' TTLs, not by a clock.
    assert.deepEqual([0, 1].map((i) => setsBetween(probe, i).map((x) => `${x.key} ${x.px}`)), [['any 300'], ['any 100']]);
    assert.deepEqual(probe.calls.filter((c) => c.anyTtlMs > 0 || (c.op === 'post' && c.postTtlMs > 0)), [], 'no call while paused');
    assert.equal(await outbox.backlog(), 0);
  });

  test('≤ 1 post per second per channel; updates are coalesced (latest wins) and update, not post', async (t) => {
    const { prefix, redis, outbox } = setup();
    t.after(() => redis.disconnect());
    const fake = new FakeNotifier();
    const probe = await probeCooldowns(server.url, prefix, fake);
    t.after(() => probe.close());
    const notifier = Object.assign(probe.notifier, { posts: () => fake.posts(), calls: fake.calls });
    await outbox.put({ key: 'a', channel: 'C2', message: msg('a1') });
    await outbox.put({ key: 'b', channel: 'C2', message: msg('b1') });
    await outbox.put({ key: 'c', channel: 'C3', message: msg('c1') });
    for (let v = 2; v <= 20; v++) await outbox.put({ key: 'a', channel: 'C2', message: msg(`a${v}`) });
    const drainer = startOutboxDrainer({ redis, prefix, notifier });
    t.after(() => drainer.close());
    await waitFor(() => notifier.posts().length >= 3, { what: 'three posts', deadlineMs: 5000 });
    const c2 = notifier.posts().filter((c) => c.channel === 'C2');
    assert.deepEqual(c2.map((c) => c.message.text), ['a20', 'b1'], 'coalesced to the latest content');
    // C2's second post waits its second; C3's first does not wait for it.
    const order = notifier.posts().map((c) => c.message.text);
    assert.ok(order.indexOf('c1') < order.indexOf('b1'), `another channel is not held back: ${order.join(', ')}`);
    await outbox.put({ key: 'a', channel: 'C2', message: msg('a21') });
    await waitFor(() => notifier.calls.some((c) => c.op === 'update'), { what: 'update' });
    const update = notifier.calls.find((c) => c.op === 'update')!;
    assert.equal(update.ts, c2[0]!.ts);
    assert.equal(update.message.text, 'a21');
    assert.equal(notifier.posts().length, 3, 'no duplicate post');
    // ≤ 1 post per second per channel, without a clock: each post set a 1,000 ms post pause on its channel, and the
    // next post went out only once that pause had run out (TTL -2).
    const c2posts = probe.calls.map((c, i) => ({ c, i })).filter(({ c }) => c.channel === 'C2' && c.op === 'post');
    assert.deepEqual(c2posts.map(({ i }) => setsBetween(probe, i).filter((x) => x.key === 'post').map((x) => x.px)), [[1000], [1000]]);
    assert.deepEqual(c2posts.map(({ c }) => c.postTtlMs <= 0), [true, true], 'no post while the post pause held');
  });

  test('thread replies wait for the parent ts; permanent errors are dead-lettered, not dropped silently', async () => {
    const { prefix, redis, outbox } = setup();
    const notifier = new FakeNotifier();
    notifier.failNext(new PermanentError('internal', 'channel_not_found'));
    await outbox.put({ key: 'bad', channel: 'C4', message: msg('bad') });
    await outbox.put({ key: 'p', channel: 'C4', message: msg('parent') });
    await outbox.put({ key: 'p:r1', channel: 'C4', message: msg('reply'), threadOf: 'p' });
    await outbox.put({ key: 'orphan', channel: 'C4', message: msg('orphan'), threadOf: 'bad' });
    const drainer = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 50, updateIntervalMs: 10 });
    await waitFor(async () => (await outbox.backlog()) === 0, { what: 'drained' });
    await drainer.close();
    const [parent, reply] = notifier.posts();
    assert.equal(parent?.message.text, 'parent');
    assert.equal(reply?.threadTs, parent?.ts);
    const dead = await outbox.deadLetters();
    assert.deepEqual(dead.map((d) => d.key).sort(), ['bad', 'orphan']);
    assert.match(dead.find((d) => d.key === 'bad')!.error, /channel_not_found/);
    redis.disconnect();
  });

  test('a corrupt stored entry at the head is dead-lettered, not retried forever; the channel moves on', async () => {
    const { prefix, redis, outbox } = setup();
    const notifier = new FakeNotifier();
    await outbox.put({ key: 'corrupt', channel: 'C6', message: msg('will be overwritten') });
    await outbox.put({ key: 'next', channel: 'C6', message: msg('next') });
    await redis.hset(`${prefix}:outbox:msg:corrupt`, 'message', '{"text": "cut off');
    const drainer = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 50, updateIntervalMs: 10 });
    try {
      await waitFor(() => notifier.posts().length >= 1, { what: 'the next message', deadlineMs: 3000 });
      assert.deepEqual(notifier.posts().map((c) => c.message.text), ['next']);
      const dead = await outbox.deadLetters();
      assert.deepEqual(dead.map((d) => d.key), ['corrupt']);
      assert.match(dead[0]!.error, /corrupt outbox entry/);
      assert.equal(await outbox.backlog(), 0);
    } finally {
      await drainer.close();
      redis.disconnect();
    }
  });

  test('a non-transient UpstreamError (a wrapped Slack ok:false) is dead-lettered without retries', async () => {
    const { prefix, redis, outbox } = setup();
    const notifier = new FakeNotifier();
    notifier.failNext(new UpstreamError('slack', 'chat.postMessage', { failure: 'bad_answer', detail: 'invalid_blocks' }));
    await outbox.put({ key: 'bad', channel: 'C7', message: msg('bad') });
    await outbox.put({ key: 'ok', channel: 'C7', message: msg('ok') });
    const drainer = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 50, updateIntervalMs: 10 });
    try {
      await waitFor(() => notifier.posts().length >= 1, { what: 'the next message', deadlineMs: 10_000 });
      assert.deepEqual(notifier.posts().map((c) => c.message.text), ['ok']);
      assert.equal(notifier.attempts.length, 2, 'one attempt at the bad message (never retried), then the good one');
      assert.deepEqual((await outbox.deadLetters()).map((d) => d.key), ['bad']);
    } finally {
      await drainer.close();
      redis.disconnect();
    }
  });

  test('two drainers on the same channel still deliver each message once, in order', async () => {
    const { prefix, redis, outbox } = setup();
    const notifier = new FakeNotifier();
    const d1 = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 20, updateIntervalMs: 5 });
    const d2 = startOutboxDrainer({ redis, prefix, notifier, postIntervalMs: 20, updateIntervalMs: 5 });
    for (let i = 0; i < 10; i++) await outbox.put({ key: `k${i}`, channel: 'C5', message: msg(`k${i}`) });
    await waitFor(() => notifier.posts().length >= 10, { what: 'ten posts', deadlineMs: 5000 });
    await Promise.all([d1.close(), d2.close()]);
    assert.deepEqual(notifier.posts().map((c) => c.message.text), [...Array(10).keys()].map((i) => `k${i}`));
    redis.disconnect();
  });
});
