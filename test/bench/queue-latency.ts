/**
 * P6: enqueue → handler start latency at 50 jobs/s on loopback Redis with AOF everysec, ci-bot's path (task
 * client + worker adapter: validation, progress message, audit) side by side with a bare BullMQ queue + worker.
 * Bounded: `BENCH_JOBS` jobs per side (default 300, i.e. 6 s each). Prints p50/p95/p99 and the ratio.
 */
import { progressRenderer } from '../../src/chat/render/progress.ts';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { z } from 'zod';
import { startRedis } from '../../src/playground/redis-server.ts';
import { waitFor } from '../../src/playground/ports.ts';
import { createProducerConnection, createWorkerConnection } from '../../src/queue/connection.ts';
import { createTaskClient } from '../../src/queue/task-client.ts';
import { createTaskWorker } from '../../src/queue/task-worker.ts';
import { TaskRegistry, defineTaskKind, requesterSchema } from '../../src/core/task-kind.ts';
import { createRedisOutbox } from '../../src/queue/outbox.ts';
import { createRedisAuditLog } from '../../src/audit/redis-audit-log.ts';

const JOBS = Number.parseInt(process.env.BENCH_JOBS ?? '300', 10);
const RATE = 50;
const now = () => performance.timeOrigin + performance.now();

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2)} / p95 ${pct(xs, 95).toFixed(2)} / p99 ${pct(xs, 99).toFixed(2)} ms`;

async function paced(send: (i: number) => Promise<unknown>): Promise<void> {
  const t0 = now();
  for (let i = 0; i < JOBS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await send(i);
  }
}

async function bare(url: string, prefix: string): Promise<number[]> {
  const lat: number[] = [];
  const conn = createWorkerConnection({ url });
  const queue = new Queue('bare', { connection: conn, prefix });
  const worker = new Worker('bare', async (job) => {
    lat.push(now() - (job.data as { sentAt: number }).sentAt);
  }, { connection: conn, prefix });
  await worker.waitUntilReady();
  await paced((i) => queue.add('bare', { sentAt: now() }, { jobId: `b-${i}`, removeOnComplete: true }));
  await waitFor(() => lat.length >= JOBS, { deadlineMs: 30_000, what: 'bare jobs' });
  await worker.close();
  await queue.close();
  conn.disconnect();
  return lat;
}

async function ours(url: string, prefix: string): Promise<number[]> {
  const lat: number[] = [];
  const kind = defineTaskKind<{ requester: { userId: string; channelId: string }; i: number; sentAt: number }>({
    name: 'bench', queue: 'bench', title: () => 'bench', jobId: (d) => String(d.i),
    schema: z.object({ requester: requesterSchema, i: z.number(), sentAt: z.number() }),
  });
  const producer = createProducerConnection({ url });
  const conn = createWorkerConnection({ url });
  await waitFor(() => producer.status === 'ready');
  const client = createTaskClient({ redis: producer, prefix, registry: new TaskRegistry().register(kind) });
  const worker = createTaskWorker({ kind, connection: conn, prefix, outbox: createRedisOutbox({ redis: conn, prefix }),
    audit: createRedisAuditLog({ redis: conn, prefix }), render: progressRenderer, handler: async (task) => {
      lat.push(now() - task.sentAt);
      return { summary: 'ok' };
    } });
  await worker.ready();
  const requester = { userId: 'U1', channelId: 'C1' };
  await paced((i) => client.enqueue('bench', { requester, i, sentAt: now() }));
  await waitFor(() => lat.length >= JOBS, { deadlineMs: 30_000, what: 'ci-bot jobs' });
  await worker.close({ graceMs: 1000 });
  await client.close();
  producer.disconnect();
  conn.disconnect();
  return lat;
}

const redis = await startRedis({ aof: true });
try {
  const prefix = `bench-${randomUUID().slice(0, 6)}`;
  await bare(redis.url, `${prefix}-warm`); // warm-up: JIT and Redis script cache
  const floor = await bare(redis.url, `${prefix}-bare`);
  const mine = await ours(redis.url, `${prefix}-ours`);
  console.log(`P6 enqueue → handler start, ${JOBS} jobs at ${RATE}/s, Redis AOF everysec, node ${process.version}`);
  console.log(`  bare BullMQ worker: ${fmt(floor)}`);
  console.log(`  ci-bot worker:      ${fmt(mine)}`);
  console.log(`  p99 ratio: ${(pct(mine, 99) / pct(floor, 99)).toFixed(2)}× (target ≤ 2×)`);
} finally {
  await redis.stop();
}
