/**
 * `ci-bot worker`: task workers for the built features' kinds, plus the outbox drainer that talks to Slack; in
 * `watch`, the drainer and the features' sources.
 */
import type { Notifier, TaskHandler } from '../core/ports.ts';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { runUnderLease } from '../queue/lease.ts';
import { startOutboxDrainer, type OutboxDrainer } from '../queue/outbox-drainer.ts';
import { createRedisOutbox } from '../queue/outbox.ts';
import { createRedisAuditLog } from '../audit/redis-audit-log.ts';
import { createTaskWorker, type TaskWorker } from '../queue/task-worker.ts';
import type { BoundTask } from '../core/task-kind.ts';
import { progressRenderer } from '../chat/render/progress.ts';
import type { Runtime } from './runtime.ts';

export interface WorkerOptions {
  notifier: Notifier;
  /** Run task workers (default true); `false` runs only the outbox drainer (the `watch` role). */
  tasks?: boolean;
  /** Run the features' sources (the `watch` role; default false). */
  sources?: boolean;
}

export interface Working {
  close(opts?: { graceMs?: number }): Promise<void>;
}

export async function startWorker(rt: Runtime, opts: WorkerOptions): Promise<Working> {
  const t = rt.loaded.config.tasks;
  // One BullMQ worker per queue: it takes every job of its queue and picks the handler by the job's kind.
  const byQueue = new Map<string, BoundTask[]>();
  // Tasks write their progress and audit entries over a worker connection, which waits across a Redis restart
  // (R5). Over the front door's fail-fast producer, a task running through the restart failed its audit write as
  // "internal error" and could not even post that failure: its message said "Running" for ever.
  const taskRedis = rt.workerConnection();
  const outbox = createRedisOutbox({ redis: taskRedis, prefix: rt.prefix });
  const audit = createRedisAuditLog({ redis: taskRedis, prefix: rt.prefix, maxLen: rt.loaded.config.redis.auditMaxLen });
  for (const { kind, handler } of opts.tasks === false ? [] : rt.features.tasks) {
    byQueue.set(kind.queue, [...(byQueue.get(kind.queue) ?? []), { kind, handler: timed(kind.name, handler, rt) }]);
  }
  const workers: TaskWorker[] = [...byQueue.values()].flatMap(([first, ...rest]) => {
    if (!first) return [];
    const { kind, handler } = first;
    return createTaskWorker({
      kind, handler, alsoHandles: rest, connection: rt.workerConnection(), prefix: rt.prefix,
      outbox, audit, render: progressRenderer, concurrency: t.concurrency,
      lockDurationMs: t.lockDurationMs, stalledIntervalMs: t.stalledIntervalMs, maxStalledCount: t.maxStalledCount,
      progressPublishMs: t.progressIntervalMs, log: rt.logger.child({ src: 'worker', queue: kind.queue }),
    });
  });
  await Promise.all(workers.map((w) => w.ready()));
  const drainer: OutboxDrainer = startOutboxDrainer({
    redis: rt.workerConnection(), prefix: rt.prefix, notifier: opts.notifier, log: rt.logger.child({ src: 'outbox' }),
    lockMs: t.outboxLockMs,
  });
  // Sources (watchers) run under the watcher lease: one active replica at a time, another takes over within the
  // lease TTL when it dies. A source that ends early is logged; the lease restarts its work.
  const sources = opts.sources ? rt.features.sources : [];
  const lease = sources.length === 0 ? undefined : runUnderLease({
    redis: rt.producer, key: `${rt.prefix}:lease:watch`, holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    ttlMs: rt.loaded.config.watch.leaseTtlMs, log: rt.logger.child({ src: 'lease' }),
    work: async (signal) => {
      await Promise.all(sources.map((s) => s.run(signal).catch((err: unknown) => rt.logger.error({ err, source: s.name }, 'source stopped'))));
    },
  });
  if (opts.tasks === false) rt.logger.info('ci-bot watch is delivering messages');
  else rt.logger.info({ queues: [...byQueue.keys()] }, 'ci-bot worker is taking tasks');
  return {
    async close({ graceMs = 10_000 } = {}) {
      await lease?.close();
      await Promise.all(workers.map((w) => w.close({ graceMs })));
      await drainer.close({ graceMs: Math.min(graceMs, 5000) });
    },
  };
}

/** Records each run's duration and outcome (ok, failed, cancelled) in the task-duration histogram. */
function timed(kind: string, handler: TaskHandler<unknown>, rt: Runtime): TaskHandler<unknown> {
  return async (task, ctx) => {
    const started = performance.now();
    const observe = (outcome: string) => rt.metrics.taskDuration.observe({ kind, outcome }, (performance.now() - started) / 1000);
    try {
      const result = await handler(task, ctx);
      observe('ok');
      return result;
    } catch (err) {
      observe(ctx.signal.aborted ? 'cancelled' : 'failed');
      throw err;
    }
  };
}
