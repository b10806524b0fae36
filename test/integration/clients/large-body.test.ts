/**
 * R3 — a heavy parse while a task runs. The simulator (its own process) holds 80,000 generated agents, so
 * `/master/slaves` is a real 50 MB answer; the real MesosClient reads it here while this process's real BullMQ
 * worker runs a task with a short lock, and a second worker process stands by whose stalled checker would take
 * the task over if the lock were lost. Holds: every agent read and validated, the task not taken over (no false
 * stall: it runs once, here, and completes). Printed, not asserted: event-loop lag (p50/p99/max, sampled with
 * perf_hooks.monitorEventLoopDelay during the read), the read's wall time and the RSS it added.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { MesosClient } from '../../../src/clients/mesos/client.ts';
import { progressRenderer } from '../../../src/chat/render/progress.ts';
import { selftestKind } from '../../../src/features/selftest/kind.ts';
import { TaskRegistry } from '../../../src/core/task-kind.ts';
import { createTaskWorker } from '../../../src/queue/task-worker.ts';
import { start, type Started } from '../../../src/playground/process.ts';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { engine, requester } from '../queue/engine-harness.ts';

const AGENTS = 80_000;
/** Short on purpose (renewed every LOCK_MS / 2): a parse holding the event loop ~half a second loses the lock. */
const LOCK_MS = 500;
const STALLED_MS = 250;
const FIXTURE = fileURLToPath(new URL('../../support/worker-fixture.ts', import.meta.url));
const SIM = fileURLToPath(new URL('../../../src/playground/simulator/main.ts', import.meta.url));

let redis: RedisServer;
let sim: Started;
let urls: { mesos: string; control: string };
const children: Started[] = [];

before(async () => {
  redis = await startRedis();
  sim = start(process.execPath, [SIM]);
  const line = await waitFor(() => sim.output().split('\n').find((l) => l.startsWith('{"urls"')), { deadlineMs: 15_000, what: 'simulator URLs' });
  urls = (JSON.parse(line) as { urls: typeof urls }).urls;
  const gen = await fetch(`${urls.control}/_control/generate`, { method: 'POST', body: JSON.stringify({ agents: AGENTS, tasks: 0 }) });
  assert.equal(gen.status, 200);
});
after(async () => {
  for (const c of children) await c.stop('SIGKILL');
  await sim?.stop();
  await redis?.stop();
});

/** Bytes of one answer, counted as they stream by (nothing kept). */
async function bodyBytes(url: string): Promise<number> {
  const res = await fetch(url);
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

test('R3: a 50 MB /master/slaves is stream-parsed while a task runs: no false stall, every agent read', async (t) => {
  const bytes = await bodyBytes(`${urls.mesos}/master/slaves`);
  assert.ok(bytes >= 50 * 1000 * 1000, `the body is ${bytes} bytes`);

  const e = await engine(redis, new TaskRegistry().register(selftestKind), t);
  const runs: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const worker = createTaskWorker({
    kind: selftestKind, connection: e.workerRedis, prefix: e.prefix, outbox: e.outbox, audit: e.audit, render: progressRenderer,
    lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_MS, progressFlushMs: 50,
    handler: async (_task, ctx) => {
      runs.push(`${ctx.jobId} ${ctx.attempt}`);
      await released;
      return { summary: 'held through the read' };
    },
  });
  t.after(() => (release(), worker.close({ graceMs: 100 })));
  await worker.ready();
  const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'r3' });
  await waitFor(() => runs.length === 1, { what: 'task running here' });

  // The stand-by worker: if our lock lapsed during the parse, its stalled checker would hand it the task.
  const args = JSON.stringify({ url: redis.url, prefix: e.prefix, kind: 'selftest', lockMs: LOCK_MS, stalledMs: STALLED_MS, stepMs: 10, graceMs: 100 });
  const standby = start(process.execPath, [FIXTURE, args]);
  children.push(standby);
  await waitFor(() => standby.output().includes('ready'), { what: 'stand-by worker ready', deadlineMs: 10_000 });

  const client = new MesosClient({ masters: [urls.mesos], timeoutMs: 30_000, retries: 0 });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  lag.enable();
  const t0 = performance.now();
  const { slaves } = await client.slaves();
  const wallMs = performance.now() - t0;
  // The monitor records a stall only when its timer fires after it: let one timers phase pass (two check phases).
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
  lag.disable();
  clearInterval(sampler);
  await client.close();
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  console.log(`R3: ${(bytes / 1e6).toFixed(1)} MB /master/slaves, ${slaves.length} agents in ${wallMs.toFixed(0)} ms; ` +
    `event-loop lag p50 ${ms(lag.percentile(50))} ms, p99 ${ms(lag.percentile(99))} ms, max ${ms(lag.max)} ms ` +
    `(target p99 ≤ 100 ms); RSS +${((peakRss - rss0) / 1048576).toFixed(0)} MB at peak`);

  assert.equal(slaves.length, AGENTS + 2, 'every agent (the seed two + the generated ones) read and validated');
  assert.match(slaves.at(-1)?.hostname ?? '', /^gen-agent-/);
  // Judge only after our lock was renewed twice more (≥ 2 stalled-check rounds of the stand-by after the read):
  // a lock lost during the parse would by then be gone or held by the stand-by.
  const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
  t.after(() => q.close());
  const lockKey = `${e.prefix}:selftest:${jobId}:lock`;
  let last = Number(await e.workerRedis.pttl(lockKey));
  let renewals = 0;
  await waitFor(async () => {
    const ttl = Number(await e.workerRedis.pttl(lockKey));
    if (ttl > last) renewals++;
    last = ttl;
    return renewals >= 2;
  }, { what: 'our lock renewed twice after the read', deadlineMs: 10_000, intervalMs: 50 });
  release();
  await waitFor(async () => (await q.getJob(jobId))?.finishedOn !== undefined, { what: 'task finished' });
  const job = await q.getJob(jobId);
  assert.equal(await job?.getState(), 'completed', job?.failedReason);
  assert.deepEqual(runs, [`${jobId} 1`], 'the task ran once, here');
  assert.doesNotMatch(standby.output(), new RegExp(`start ${jobId}`), 'the stand-by worker never took it over');
});
