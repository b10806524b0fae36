/** `ci-bot worker`: task workers for every registered kind, plus the outbox drainer that talks to Slack. */
import type { Notifier, TaskHandler } from '../core/ports.ts';
import { startOutboxDrainer, type OutboxDrainer } from '../queue/outbox-drainer.ts';
import { createTaskWorker, type TaskWorker } from '../queue/task-worker.ts';
import type { AnyTaskKind } from '../core/task-kind.ts';
import { createSelftestHandler } from '../features/selftest/handler.ts';
import type { Runtime } from './runtime.ts';

export interface WorkerOptions {
  notifier: Notifier;
  /** Handlers of feature kinds, by kind name (selftest is built in). */
  handlers?: Readonly<Record<string, TaskHandler<never>>>;
  /** Run task workers (default true); `false` runs only the outbox drainer (the `watch` role). */
  tasks?: boolean;
}

export interface Working {
  close(opts?: { graceMs?: number }): Promise<void>;
}

export async function startWorker(rt: Runtime, opts: WorkerOptions): Promise<Working> {
  const t = rt.loaded.config.tasks;
  const handlers: Record<string, TaskHandler<never>> = {
    selftest: createSelftestHandler({ stepMs: t.selftestStepMs }) as TaskHandler<never>,
    ...rt.features.handlers,
    ...opts.handlers,
  };
  // One BullMQ worker per queue: it takes every job of its queue and picks the handler by the job's kind.
  const byQueue = new Map<string, Array<{ kind: AnyTaskKind; handler: TaskHandler<never> }>>();
  for (const kind of opts.tasks === false ? [] : rt.registry.all()) {
    const handler = handlers[kind.name];
    if (!handler) throw new Error(`no handler for task kind "${kind.name}"`);
    byQueue.set(kind.queue, [...(byQueue.get(kind.queue) ?? []), { kind, handler: timed(kind.name, handler as TaskHandler<unknown>, rt) as TaskHandler<never> }]);
  }
  const workers: TaskWorker[] = [...byQueue.values()].map(([first, ...rest]) => {
    const { kind, handler } = first as { kind: AnyTaskKind; handler: TaskHandler<never> };
    return createTaskWorker({
      kind: kind as never, handler, alsoHandles: rest, connection: rt.workerConnection(), prefix: rt.prefix,
      outbox: rt.outbox, audit: rt.audit, concurrency: t.concurrency,
      lockDurationMs: t.lockDurationMs, stalledIntervalMs: t.stalledIntervalMs,
      log: rt.logger.child({ src: 'worker', queue: kind.queue }),
    });
  });
  await Promise.all(workers.map((w) => w.ready()));
  const drainer: OutboxDrainer = startOutboxDrainer({
    redis: rt.workerConnection(), prefix: rt.prefix, notifier: opts.notifier, log: rt.logger.child({ src: 'outbox' }),
    lockMs: t.outboxLockMs,
  });
  if (opts.tasks === false) rt.logger.info('ci-bot watch is delivering messages');
  else rt.logger.info({ queues: [...byQueue.keys()] }, 'ci-bot worker is taking tasks');
  return {
    async close({ graceMs = 10_000 } = {}) {
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
