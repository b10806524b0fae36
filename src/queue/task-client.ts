/**
 * The producer side of the task engine, used by the Slack front door: enqueue a task, list queued and running
 * tasks, cancel one, read its log, report queue depths. Every call runs under a short deadline and turns a down
 * or stalled Redis into `UserFacingError('queue_unavailable')` (R6): the ack is never held up.
 */
import { Queue, type Job } from 'bullmq';
import { ReplyError, type Redis } from 'ioredis';
import type { JobSummary, TaskQueue } from '../core/ports.ts';
import { UserFacingError } from '../core/errors.ts';
import type { TaskRegistry } from '../core/task-kind.ts';
import { safeJobId } from '../core/task-kind.ts';
import { exclusiveKeys } from './exclusive-lock.ts';
import { createJobStore } from './job-store.ts';
import { queueUnavailable, withQueueDeadline } from './deadline.ts';
import { cancelKeys } from './cancel-bus.ts';

export interface TaskClientOptions {
  /** A producer connection (createProducerConnection). */
  redis: Redis;
  prefix: string;
  registry: TaskRegistry;
  /** Deadline of each call (default 1000 ms). */
  deadlineMs?: number;
  /** How long finished jobs are kept for `/ci jobs <id>` (default 24 h; count bound 1000). */
  keepFinishedSec?: number;
}

export interface TaskClient extends TaskQueue {
  /** Job counts by queue and state (the queue depth metric). */
  queueDepths(): Promise<Array<{ queue: string; state: string; count: number }>>;
  close(): Promise<void>;
}

const LIVE_STATES = ['active', 'waiting', 'delayed', 'prioritized'] as const;

/** Creates the producer-side client over one producer connection. */
export function createTaskClient(opts: TaskClientOptions): TaskClient {
  const { redis, prefix, registry } = opts;
  const deadlineMs = opts.deadlineMs ?? 1000;
  const keepSec = opts.keepFinishedSec ?? 24 * 3600;
  const queues = new Map(
    registry.queues().map((name) => [name, new Queue(name, { connection: redis, prefix, skipWaitingForReady: true })]),
  );
  const excl = exclusiveKeys(prefix);
  const store = createJobStore({ redis, prefix });
  const guarded = <T>(work: () => Promise<T>) => {
    if (redis.status !== 'ready') return Promise.reject(queueUnavailable(new Error(`redis ${redis.status}`)));
    return withQueueDeadline(deadlineMs, work);
  };
  const findJob = async (jobId: string): Promise<Job | undefined> => {
    for (const q of queues.values()) {
      const job = await q.getJob(jobId);
      if (job) return job;
    }
    return undefined;
  };
  const queueOf = (name: string) => {
    const q = queues.get(name);
    if (!q) throw new Error(`no queue "${name}"`);
    return q;
  };

  return {
    enqueue: (kindName, data) => {
      // Set once the add is on its way: a deadline after that point cannot say "nothing was queued".
      let sent: string | undefined;
      return guarded(async () => {
        const kind = registry.get(kindName);
        const parsed = kind.schema.safeParse(data);
        if (!parsed.success) {
          throw new UserFacingError('bad_arguments', `invalid ${kind.name} request: ${parsed.error.issues[0]?.message}`);
        }
        const jobId = safeJobId(`${kind.name}-${kind.jobId(parsed.data)}`);
        const queue = queueOf(kind.queue);
        // Deterministic ids: the same request twice (a Slack retry) collapses into the job already there. The lookup
        // is answered before the add is sent (not pipelined with it): when Redis stalls during the lookup, the user
        // is told nothing was queued, and no add is waiting in the socket to run when Redis wakes up (R6).
        if (await queue.getJob(jobId)) return { jobId, state: 'duplicate' as const };
        sent = jobId;
        await queue.add(kind.name, parsed.data, {
          jobId,
          attempts: kind.attempts,
          backoff: { type: 'jittered', delay: kind.backoffMs },
          removeOnComplete: { age: keepSec, count: 1000 },
          removeOnFail: { age: keepSec, count: 1000 },
        });
        if (!kind.exclusiveKey) return { jobId, state: 'queued' as const };
        const prev = await redis.getset(excl.last(kind.exclusiveKey(parsed.data)), jobId);
        if (!prev || prev === jobId) return { jobId, state: 'queued' as const };
        const prevState = await (await findJob(prev))?.getState();
        const live = prevState !== undefined && (LIVE_STATES as readonly string[]).includes(prevState);
        return live ? { jobId, state: 'queued_behind' as const, behind: prev } : { jobId, state: 'queued' as const };
      }).catch((err: unknown) => {
        if (sent === undefined || !(err instanceof UserFacingError) || err.code !== 'queue_unavailable') throw err;
        // Redis answered with an error: the add was refused, so "nothing was queued" holds.
        if (err.cause instanceof ReplyError) throw err;
        throw new UserFacingError('queue_unavailable',
          `Redis did not confirm \`${sent}\` in time, so it may or may not be queued: \`/ci tasks\` lists it if it is. Redis is slow or not answering right now.`,
          { cause: err.cause ?? err });
      });
    },
    listJobs: () =>
      guarded(async () => {
        // Every queue × state at once (ioredis pipelines them): one round trip's wait, not one per pair, so the
        // list fits the front door's deadline however many queues the features declare.
        const reads = [...queues].flatMap(([queue, q]) =>
          LIVE_STATES.map(async (state) => (await q.getJobs([state], 0, 99)).map((job) => summarize(job, queue, state))));
        return (await Promise.all(reads)).flat();
      }),
    cancel: (jobId, by) =>
      guarded(async () => {
        const job = await findJob(jobId);
        const state = await job?.getState();
        if (!job || state === undefined || !(LIVE_STATES as readonly string[]).includes(state)) {
          throw new UserFacingError('not_found', `no queued or running job \`${jobId}\``);
        }
        const owner = (job.data as { requester?: { userId?: string } }).requester?.userId;
        if (by.role === 'viewer' || (by.role === 'operator' && owner !== by.userId)) {
          throw new UserFacingError('denied', 'only the requester (operator) or an admin can cancel this job');
        }
        const ck = cancelKeys(prefix);
        await redis.set(ck.flag(jobId), by.userId, 'EX', 3600);
        if (state !== 'active') {
          // A job a worker took meanwhile cannot be removed: the flag set above cancels it instead (checked next).
          await job.remove().catch(() => undefined);
          if (!(await job.isActive())) return { state: 'removed' as const };
        }
        await redis.publish(ck.channel, JSON.stringify({ jobId, by: by.userId }));
        return { state: 'cancelling' as const };
      }),
    readLog: (jobId) => guarded(() => store.readLog(jobId)),
    queueDepths: () =>
      guarded(async () => {
        const out: Array<{ queue: string; state: string; count: number }> = [];
        for (const [queue, q] of queues) {
          const counts = await q.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'failed', 'completed');
          for (const [state, count] of Object.entries(counts)) out.push({ queue, state, count });
        }
        return out;
      }),
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

function summarize(job: Job, queue: string, state: JobSummary['state']): JobSummary {
  const req = (job.data as { requester?: { userId?: string; channelId?: string } }).requester ?? {};
  return {
    jobId: job.id ?? '',
    kind: job.name,
    queue,
    state,
    requesterId: req.userId ?? '',
    channelId: req.channelId ?? '',
    createdAt: job.timestamp,
  };
}
