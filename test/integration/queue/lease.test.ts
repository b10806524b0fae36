/**
 * The watcher lease over a real Redis, with replicas as child processes: exactly one works at a time; when the
 * holder is SIGKILLed another takes over within the TTL; a clean close hands over at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { start, type Started } from '../../../src/playground/process.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { createProducerConnection } from '../../../src/queue/connection.ts';
import { runUnderLease } from '../../../src/queue/lease.ts';

const HOLDER = fileURLToPath(new URL('../../support/fixtures/lease-holder.ts', import.meta.url));
const TTL_MS = 1500;

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/** Lines `working X` / `stopped X` in order, over all replicas. */
function replica(key: string, name: string, log: string[]): Started {
  const p = start(process.execPath, [HOLDER, redis.url, key, name, String(TTL_MS)]);
  p.child.stdout?.on('data', (b: Buffer) => log.push(...b.toString().trim().split('\n')));
  return p;
}

/** True when the log never has two replicas working at once. */
function neverTwo(log: readonly string[]): boolean {
  const working = new Set<string>();
  for (const line of log) {
    const [what, who = ''] = line.split(' ');
    if (what === 'working') working.add(who);
    if (what === 'stopped') working.delete(who);
    if (working.size > 1) return false;
  }
  return true;
}

describe('watcher lease', () => {
  test('two replicas: one works; SIGKILL it and the other takes over after the lease lapses, never both at once', async () => {
    const key = `lease-${randomUUID()}`;
    const log: string[] = [];
    const a = replica(key, 'a', log);
    await waitFor(() => log.includes('working a'), { what: 'a working', deadlineMs: 10_000 });
    const b = replica(key, 'b', log);
    try {
      // b competes while a renews: wait until a has renewed twice (the key's TTL went back up twice) after b started.
      let renewals = 0;
      let lastTtl = Infinity;
      await waitFor(async () => {
        const ttl = Number((await redis.command('PTTL', key)).replace(/\D/g, ''));
        if (ttl > lastTtl) renewals += 1;
        lastTtl = ttl;
        return renewals >= 2;
      }, { what: 'two renewals by a', deadlineMs: 10_000, intervalMs: 50 });
      assert.ok(!log.includes('working b'), 'b must not work while a renews');
      await a.stop('SIGKILL');
      log.push('stopped a'); // killed: its work ended with the process
      await waitFor(() => log.includes('working b'), { what: 'b takes over', deadlineMs: 10_000 });
      assert.ok(neverTwo(log), log.join(', '));
      assert.match(await redis.command('GET', key), /b/);
    } finally {
      await a.stop('SIGKILL');
      await b.stop();
    }
  });

  test('a clean close gives the lease up at once, and a lease taken by another replica stops the work', async () => {
    const key = `lease-${randomUUID()}`;
    const conn = createProducerConnection({ url: redis.url });
    await new Promise((resolve) => conn.once('ready', resolve)); // a fail-fast connection refuses commands before
    const events: string[] = [];
    const work = (name: string) => async (signal: AbortSignal) => {
      events.push(`working ${name}`);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      events.push(`stopped ${name}`);
    };
    const first = runUnderLease({ redis: conn, key, holder: 'first', ttlMs: 60_000, work: work('first') });
    let second: ReturnType<typeof runUnderLease> | undefined;
    try {
      await waitFor(() => first.held(), { what: 'first holds' });
      second = runUnderLease({ redis: conn, key, holder: 'second', ttlMs: 600, work: work('second') });
      const other = second;
      await first.close();
      assert.equal(await conn.get(key), null, 'released, not left to expire (its TTL was a minute)');
      await waitFor(() => other.held(), { what: 'second takes it', deadlineMs: 3000 });
      // Someone else's value in the key (e.g. after a failover of Redis): the holder notices on its next renewal.
      await conn.set(key, 'intruder', 'PX', 60_000);
      await waitFor(() => events.includes('stopped second'), { what: 'second stops', deadlineMs: 3000 });
      assert.ok(neverTwo(events), events.join(', '));
    } finally {
      await first.close();
      await second?.close();
      conn.disconnect();
    }
  });
});
