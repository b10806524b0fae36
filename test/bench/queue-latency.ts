/**
 * P6: enqueue → handler start latency at 50 jobs/s on loopback Redis with AOF everysec, ci-bot's path (task
 * client + worker adapter: validation, progress message, audit) side by side with a bare BullMQ queue + worker.
 * Bounded: BENCH_RUNS runs (default 3), each of `BENCH_JOBS` jobs per side (default 1,500, i.e. 30 s each), the two
 * sides alternating; prints each run's p50/p95/p99 and the median over the runs of each side's p99, and the ratio.
 */
import { readFileSync } from 'node:fs';
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
import { median } from './support/stats.ts';

const JOBS = Number.parseInt(process.env.BENCH_JOBS ?? '1500', 10);
const RUNS = Number.parseInt(process.env.BENCH_RUNS ?? '3', 10);
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
  const version = (name: string) => (JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  const redisVersion = /redis_version:(\S+)/.exec(await redis.command('INFO', 'server'))?.[1] ?? '?';
  console.log(`P6 enqueue → handler start, ${RUNS} × ${JOBS} jobs per side at ${RATE}/s, Redis ${redisVersion} AOF everysec, Node ${process.version}, BullMQ ${version('bullmq')}, ioredis ${version('ioredis')}`);
  await bare(redis.url, `${prefix}-warm`); // warm-up: JIT and Redis script cache
  const floors: number[] = [];
  const mines: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const floor = await bare(redis.url, `${prefix}-bare${run}`);
    const mine = await ours(redis.url, `${prefix}-ours${run}`);
    floors.push(pct(floor, 99));
    mines.push(pct(mine, 99));
    console.log(`  run ${run}: bare BullMQ worker ${fmt(floor)}; ci-bot worker ${fmt(mine)}; p99 ratio ${(pct(mine, 99) / pct(floor, 99)).toFixed(2)}×`);
  }
  const ratio = median(mines) / median(floors);
  console.log(`  median p99: bare ${median(floors).toFixed(2)} ms, ci-bot ${median(mines).toFixed(2)} ms = ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? 'met' : `NOT met, ${(median(mines) - 2 * median(floors)).toFixed(2)} ms over`})`);
} finally {
  await redis.stop();
}
