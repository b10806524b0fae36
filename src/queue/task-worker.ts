/**
 * The worker adapter: runs a plain handler `(task, ctx)` for one task kind on BullMQ. It re-validates job data
 * (Redis content is untrusted), enforces per-key single flight, passes BullMQ's AbortSignal, reports progress,
 * audits start/finish, and maps failures: permanent → `UnrecoverableError`; transient → retried with jittered
 * exponential backoff; cancel → no retry; shutdown → released for another worker (R2).
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditLog, Clock, Outbox, TaskHandler, TaskResult } from '../core/ports.ts';
import { systemClock } from '../core/ports.ts';
import { createProgressReporter } from './progress-reporter.ts';
import type { BoundTask, TaskKind } from '../core/task-kind.ts';
import { createJobStore } from './job-store.ts';
import { jitteredBackoffMs } from './backoff.ts';
import { cancelKeys, subscribeCancels } from './cancel-bus.ts';
import { acquireExclusive, exclusiveKeys, releaseExclusive, renewExclusive } from './exclusive-lock.ts';
import { classifyFailure, type FailureLogger } from './failure.ts';
import { withDeadlineOr } from '../core/deadline.ts';
import { safeJson } from '../core/safe-json.ts';
import * as z from 'zod';
import type { ProgressRenderer, ProgressStore } from '../core/progress-view.ts';
import { retryTransientReplies } from './transient-replies.ts';

export interface TaskWorkerOptions<T extends { requester: { userId: string; channelId: string } }> {
  kind: TaskKind<T>;
  handler: TaskHandler<T>;
  /**
   * Further kinds on the same queue, each with its handler. A BullMQ worker takes every job of its queue, so all
   * kinds sharing a queue must be served by one worker that picks the handler by job name.
   */
  alsoHandles?: readonly BoundTask[];
  /** A worker connection (createWorkerConnection); duplicated for BullMQ's blocking and pub/sub clients. */
  connection: Redis;
  prefix: string;
  outbox: Outbox;
  audit: AuditLog;
  /** Renders the progress message and thread output (src/chat/render/progress.ts `progressRenderer`). */
  render: ProgressRenderer;
  /** Jobs run at once by this worker (default 1). */
  concurrency?: number;
  /** BullMQ job lock; a crashed worker's job is taken over after about lock + stalled interval (default 30 000). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 30 000 ms). */
  stalledIntervalMs?: number;
  /**
   * Worker deaths a task survives (default 2): a task whose worker died more often than this is failed, with a
   * final progress message and a `task_finished` audit line saying so, instead of being run again.
   */
  maxStalledCount?: number;
  /** When a single-flight key is held, retry the job after this long (default 1000 ms). */
  exclusiveRetryMs?: number;
  /** Thread output batching (default 2000 ms). */
  progressFlushMs?: number;
  /** Step changes on a progress message are published at most this often (default 1000 ms; see ProgressReporterOptions). */
  progressPublishMs?: number;
  clock?: Clock;
  log?: FailureLogger;
}

/** A running worker. */
export interface TaskWorker {
  /** Resolves once the worker is connected and listening for cancels. */
  ready(): Promise<void>;
  /**
   * Stops taking jobs; running jobs get `graceMs` (default 10 000) to finish, then are aborted and released back
   * to the queue (delayed, attempt not counted) for another worker.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

/** Creates and starts a worker for `kind`. */
export function createTaskWorker<T extends { requester: { userId: string; channelId: string } }>(
  opts: TaskWorkerOptions<T>,
): TaskWorker {
  const { prefix, connection: redis } = opts;
  const byName = new Map<string, BoundTask>([
    [opts.kind.name, { kind: opts.kind, handler: opts.handler }],
    ...(opts.alsoHandles ?? []).map((h) => [h.kind.name, h] as const),
  ]);
  for (const { kind } of byName.values()) {
    if (kind.queue !== opts.kind.queue) throw new Error(`task kind "${kind.name}" is on queue "${kind.queue}", not "${opts.kind.queue}"`);
  }
  const clock = opts.clock ?? systemClock;
  // A task's own writes — progress state, log, message, audit and outcome — ride out the replies a Redis gives
  // for a while during a failover (transient-replies.ts): refused, they failed the task, and its final message was
  // lost with them (H1 under load: the promoted primary refused writes until its replicas caught up).
  const jobStore = createJobStore({ redis, prefix });
  const store: ProgressStore = {
    load: (jobId) => jobStore.load(jobId),
    save: (view) => retryTransientReplies(() => jobStore.save(view)),
    appendLog: (jobId, lines) => retryTransientReplies(() => jobStore.appendLog(jobId, lines)),
  };
  const outbox: Outbox = { put: (entry) => retryTransientReplies(() => opts.outbox.put(entry)) };
  const audit: AuditLog = {
    ...opts.audit,
    append: (entry) => retryTransientReplies(() => opts.audit.append(entry)),
    appendOnce: (entry, once) => retryTransientReplies(() => opts.audit.appendOnce(entry, once)),
  };
  const doneKey = (jobId: string) => `${prefix}:jobx:${jobId}:done`;
  const excl = exclusiveKeys(prefix);
  const lockMs = opts.lockDurationMs ?? 30_000;
  const state = { shuttingDown: false };

  const reporterFor = <D extends { requester: { userId: string; channelId: string } }>(kind: TaskKind<D>, data: D, jobId: string, attempt: number) =>
    createProgressReporter({
      jobId, title: kind.title(data), channel: data.requester.channelId, requesterId: data.requester.userId, attempt,
      outbox: kind.progressMessage === false ? silentOutbox : outbox, store, render: opts.render, clock, flushMs: opts.progressFlushMs,
      minPublishMs: opts.progressPublishMs,
      onError: (err) => opts.log?.warn({ err, jobId }, 'progress update failed'),
    });

  const processor = async (job: Job, token: string | undefined, signal: AbortSignal | undefined) => {
    const jobId = job.id ?? '';
    const entry = byName.get(job.name);
    if (!entry) throw new UnrecoverableError(`no handler for job "${job.name}" on queue "${opts.kind.queue}"`);
    const { kind, handler } = entry;
    const parsed = kind.schema.safeParse(withSlot(job));
    if (!parsed.success) throw new UnrecoverableError(`invalid ${kind.name} job data: ${parsed.error.issues[0]?.message}`);
    const data = parsed.data;
    // A task taken again (its worker died, or a retry) may have finished already: its worker can die after recording
    // the outcome and before BullMQ records the completion. The outcome then stands, and the handler is not run again.
    // Only a resumed task pays this round trip (P6).
    if (job.attemptsStarted > 1 || job.stalledCounter > 0 || job.attemptsMade > 0) {
      const done = outcomeSchema.safeParse(safeJson(await redis.get(doneKey(jobId)) ?? 'null'));
      if (done.success) {
        opts.log?.warn({ jobId, outcome: done.data.outcome }, 'task taken again after its outcome was recorded; not run again');
        if (done.data.outcome === 'succeeded') return done.data.result;
        throw new UnrecoverableError(done.data.message);
      }
    }
    const exclKey = kind.exclusiveKey ? excl.lock(kind.exclusiveKey(data)) : undefined;
    if (exclKey && !(await acquireExclusive(redis, exclKey, jobId, lockMs))) {
      await job.moveToDelayed(clock.now() + (opts.exclusiveRetryMs ?? 1000), token);
      throw new DelayedError();
    }
    // A failed renewal is tried again at the next tick; if Redis stays away the lock expires on its own.
    const renew = exclKey ? setInterval(() => void renewExclusive(redis, exclKey, jobId, lockMs).catch(() => undefined), lockMs / 3) : undefined;
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
    // Attached after an await: a cancel or shutdown that came during it fired no event and must not be lost.
    if (signal?.aborted) abort.abort(signal.reason);
    const attempt = job.attemptsMade + 1;
    const reporter = reporterFor(kind, data, jobId, attempt);
    const startedAt = clock.now();
    try {
      // Cancel flag and audit: one round trip, sent first so their replies do not queue behind the progress
      // message's writes (P6). The progress message is shown while the handler starts: the reporter orders its own
      // writes, and a failed progress write is reported through onError, never failing the task.
      const checked = Promise.all([
        redis.get(cancelKeys(prefix).flag(jobId)),
        audit.append({ kind: 'task_started', user: data.requester.userId, command: kind.name, channel: data.requester.channelId, jobId }),
      ]);
      reporter.start().catch(() => undefined);
      const [cancelledBy] = await checked;
      if (cancelledBy) abort.abort(cancelReason(cancelledBy));
      abort.signal.throwIfAborted();
      const result: TaskResult = await handler(data, { jobId, attempt, signal: abort.signal, progress: reporter, log: reporter.log });
      await reporter.finish(result);
      const outcome: RecordedOutcome = { outcome: 'succeeded', result };
      await audit.appendOnce(
        { kind: 'task_finished', user: data.requester.userId, command: kind.name, jobId, outcome: 'succeeded', detail: `${clock.now() - startedAt} ms` },
        { key: doneKey(jobId), value: JSON.stringify(outcome), ttlSec: DONE_TTL_SEC },
      );
      return result;
    } catch (err) {
      const failure = classifyFailure(err, { signal: abort.signal, shuttingDown: state.shuttingDown, attempt, attempts: kind.attempts, log: opts.log, jobId });
      await reportFailure(failure, reporter, audit, { user: data.requester.userId, command: kind.name, jobId }, doneKey(jobId));
      if (failure.outcome === 'released') {
        await job.moveToDelayed(clock.now(), token);
        throw new DelayedError();
      }
      throw failure.error;
    } finally {
      clearInterval(renew);
      // Clean-up after the run: a failed flush or release must not replace the handler's outcome (the lock has a TTL).
      await reporter.close().catch(() => undefined);
      if (exclKey) await releaseExclusive(redis, exclKey, jobId).catch(() => undefined);
    }
  };

  const worker = new Worker(opts.kind.queue, processor, {
    connection: redis,
    prefix,
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 2,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: { opts: { backoff?: unknown } }) => {
        const delay = (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? opts.kind.backoffMs;
        return jitteredBackoffMs(attemptsMade, delay);
      },
    },
  });
  worker.on('error', (err) => opts.log?.warn({ err, queue: opts.kind.queue }, 'worker error'));
  // A job that stalled more often than maxStalledCount is failed by BullMQ when a worker next takes it, without
  // calling the processor: say so in its progress message and the audit, or it shows "running" for ever.
  worker.on('failed', (job, err) => {
    if (!job?.deferredFailure) return;
    void reportWorkerDeaths(job, err.message).catch((e: unknown) => opts.log?.warn({ err: e, jobId: job.id }, 'reporting a stalled task failed'));
  });
  const reportWorkerDeaths = async (job: Job, reason: string) => {
    const entry = byName.get(job.name);
    const parsed = entry?.kind.schema.safeParse(withSlot(job));
    if (!entry || !parsed?.success) return;
    const jobId = job.id ?? '';
    const deaths = Math.max(job.stalledCounter, (opts.maxStalledCount ?? 2) + 1);
    const message = `the worker running it stopped ${deaths} times, so it is not run again (${reason})`;
    const failure = { outcome: 'failed', message, error: new UnrecoverableError(message) } as const;
    const reporter = reporterFor(entry.kind, parsed.data, jobId, job.attemptsMade + 1);
    try {
      await reporter.load();
      await reportFailure(failure, reporter, audit, { user: parsed.data.requester.userId, command: entry.kind.name, jobId }, doneKey(jobId));
    } finally {
      await reporter.close().catch(() => undefined);
    }
  };
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  const unsubscribe = subscribeCancels(subscriber, prefix, (jobId, by) => {
    worker.cancelJob(jobId, cancelReason(by));
  });
  unsubscribe.catch((err: unknown) => opts.log?.warn({ err }, 'cancel subscription failed'));

  return {
    async ready() {
      await worker.waitUntilReady();
      await unsubscribe;
    },
    async close({ graceMs = 10_000 } = {}) {
      state.shuttingDown = true;
      const closing = worker.close();
      closing.catch(() => undefined); // observed here, awaited below under the grace deadline
      const timedOut = await withDeadlineOr(closing.then(() => false), graceMs, true);
      if (timedOut) {
        worker.cancelAllJobs('shutdown');
        const done = await withDeadlineOr(closing.then(() => true), 2000, false);
        // Forced close is best effort: the process is on its way out either way.
        if (!done) await worker.close(true).catch(() => undefined);
      }
      // The subscriber queues commands offline and retries forever: with Redis down or stalled an awaited
      // UNSUBSCRIBE would never answer. Give it a moment, then drop the connection (that unsubscribes too).
      const unsubscribed = unsubscribe.then((off) => off()).catch(() => undefined);
      await withDeadlineOr(unsubscribed, UNSUBSCRIBE_WAIT_MS, undefined);
      subscriber.disconnect();
    },
  };
}

/** A task's recorded outcome (its completion marker), kept as long as job progress state (7 days). */
const outcomeSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('succeeded'), result: z.object({ summary: z.string(), changed: z.boolean().optional(), details: z.array(z.string()).readonly().optional() }) }),
  z.object({ outcome: z.enum(['failed', 'cancelled']), message: z.string() }),
]);
type RecordedOutcome = z.infer<typeof outcomeSchema>;
const DONE_TTL_SEC = 7 * 24 * 3600;

/** How long close() waits for the cancel subscription to end cleanly before disconnecting it, ms. */
const UNSUBSCRIBE_WAIT_MS = 500;

/** Progress of kinds without a progress message still goes to the job log, but not to chat. */
const silentOutbox: Outbox = { put: async () => undefined };

/** The abort reason of a user cancel (BullMQ carries reasons as strings); shutdown uses `shutdown`. */
function cancelReason(by: string): string {
  return `cancelled by ${by}`;
}

/** Scheduled jobs (ids `repeat:<scheduler>:<slotMs>`) get their slot time as `slotMs` (R17: one post per slot). */
function withSlot(job: Job): unknown {
  const m = /^repeat:.+:(\d+)$/.exec(job.id ?? '');
  if (!m || typeof job.data !== 'object' || job.data === null) return job.data;
  return { ...(job.data as object), slotMs: Number(m[1]) };
}

async function reportFailure(
  failure: ReturnType<typeof classifyFailure>,
  reporter: ReturnType<typeof createProgressReporter>,
  audit: AuditLog,
  who: { user: string; command: string; jobId: string },
  doneKey: string,
) {
  const show = {
    cancelled: () => reporter.cancelled(failure.message),
    failed: () => reporter.fail(failure.message),
    retrying: () => reporter.retrying(failure.message),
    released: () => reporter.retrying(failure.message),
  }[failure.outcome];
  // The outcome is decided; a lost progress update or audit line must not turn it into another failure.
  await show().catch(() => undefined);
  const kind = failure.outcome === 'cancelled' ? 'cancelled' : 'task_finished';
  const entry = { kind, ...who, outcome: failure.outcome, detail: failure.message } as const;
  // A final outcome is recorded once, with its completion marker; a retry or release is not final.
  const final = failure.outcome === 'failed' || failure.outcome === 'cancelled'
    ? audit.appendOnce(entry, { key: doneKey, value: JSON.stringify({ outcome: failure.outcome, message: failure.error.message } satisfies RecordedOutcome), ttlSec: DONE_TTL_SEC })
    : audit.append(entry);
  await final.catch(() => undefined);
}
