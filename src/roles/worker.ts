/**
 * `ci-bot worker`: task workers for the built features' kinds, plus the outbox drainer that talks to Slack; in
 * `watch`, the drainer and the features' sources.
 */
import type { Notifier, TaskHandler } from '../core/ports.ts';
import { startOutboxDrainer, type OutboxDrainer } from '../queue/outbox-drainer.ts';
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
  for (const { kind, handler } of opts.tasks === false ? [] : rt.features.tasks) {
    byQueue.set(kind.queue, [...(byQueue.get(kind.queue) ?? []), { kind, handler: timed(kind.name, handler, rt) }]);
  }
  const workers: TaskWorker[] = [...byQueue.values()].flatMap(([first, ...rest]) => {
    if (!first) return [];
    const { kind, handler } = first;
    return createTaskWorker({
      kind, handler, alsoHandles: rest, connection: rt.workerConnection(), prefix: rt.prefix,
      outbox: rt.outbox, audit: rt.audit, render: progressRenderer, concurrency: t.concurrency,
      lockDurationMs: t.lockDurationMs, stalledIntervalMs: t.stalledIntervalMs,
      log: rt.logger.child({ src: 'worker', queue: kind.queue }),
    });
  });
  await Promise.all(workers.map((w) => w.ready()));
  const drainer: OutboxDrainer = startOutboxDrainer({
    redis: rt.workerConnection(), prefix: rt.prefix, notifier: opts.notifier, log: rt.logger.child({ src: 'outbox' }),
    lockMs: t.outboxLockMs,
  });
  // Sources (watchers) run until shutdown; one that ends early is logged, never restarted silently.
  const stopSources = new AbortController();
  const sources = (opts.sources ? rt.features.sources : []).map((s) =>
    s.run(stopSources.signal).catch((err: unknown) => rt.logger.error({ err, source: s.name }, 'source stopped')),
  );
  if (opts.tasks === false) rt.logger.info('ci-bot watch is delivering messages');
  else rt.logger.info({ queues: [...byQueue.keys()] }, 'ci-bot worker is taking tasks');
  return {
    async close({ graceMs = 10_000 } = {}) {
      stopSources.abort();
      await Promise.all(sources);
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
