/**
 * The audit log's appendOnce over a real Redis: the entry and its marker are written together, and only by the first
 * caller; the marker expires with its TTL. The task worker's completion marker rests on this.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { createProducerConnection } from '../../../src/queue/connection.ts';
import { createRedisAuditLog } from '../../../src/audit/redis-audit-log.ts';

let server: RedisServer;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server.stop();
});

test('appendOnce: first caller writes the entry and the marker; a second caller with the same key writes nothing', async (t) => {
  const redis = createProducerConnection({ url: server.url });
  t.after(() => redis.disconnect());
  await new Promise((resolve) => redis.once('ready', resolve));
  const audit = createRedisAuditLog({ redis, prefix: '{once}' });
  const entry = { kind: 'task_finished', jobId: 'j1', outcome: 'succeeded', detail: 'first' } as const;
  const once = { key: '{once}:jobx:j1:done', value: '{"outcome":"succeeded"}', ttlSec: 60 };
  const [a, b] = await Promise.all([
    audit.appendOnce(entry, once),
    audit.appendOnce({ ...entry, detail: 'second' }, { ...once, value: 'other' }),
  ]);
  assert.deepEqual([a, b], [true, false]);
  const rows = (await audit.recent(10)).filter((r) => r.jobId === 'j1');
  assert.deepEqual(rows.map((r) => r.detail), ['first']);
  assert.equal(await redis.get(once.key), once.value, 'the first value stays');
  const ttl = await redis.ttl(once.key);
  assert.ok(ttl > 0 && ttl <= 60, `marker expires (ttl ${ttl})`);
});
