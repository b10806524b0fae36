/**
 * The producer side of the task engine, used by the Slack front door: enqueue a task, list queued and running
 * tasks, cancel one, read its log, report queue depths. Every call runs under a short deadline and turns a down
 * or stalled Redis into `UserFacingError('queue_unavailable')` (R6): the ack is never held up.
 */
import { Queue, type Job } from 'bullmq';
import { ReplyError, type Redis } from 'ioredis';
import type { EnqueueResult, JobSummary, TaskQueue } from '../core/ports.ts';
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

  type Item = { kind: ReturnType<TaskRegistry['get']>; data: unknown; jobId: string; queue: Queue };
  const itemOf = ({ kind: kindName, data }: { kind: string; data: unknown }): Item => {
    const kind = registry.get(kindName);
    const parsed = kind.schema.safeParse(data);
    if (!parsed.success) {
      throw new UserFacingError('bad_arguments', `invalid ${kind.name} request: ${parsed.error.issues[0]?.message}`);
    }
    return { kind, data: parsed.data, jobId: safeJobId(`${kind.name}-${kind.jobId(parsed.data)}`), queue: queueOf(kind.queue) };
  };
  const jobOf = (it: Item) => ({
    name: it.kind.name,
    data: it.data,
    opts: {
      jobId: it.jobId,
      attempts: it.kind.attempts,
      backoff: { type: 'jittered', delay: it.kind.backoffMs },
      removeOnComplete: { age: keepSec, count: 1000 },
      removeOnFail: { age: keepSec, count: 1000 },
    },
  });
  /** One `addBulk` (one MULTI) per queue, all sent at once; a lone task is a plain `add` (one script call). */
  const addAll = (items: readonly Item[]) =>
    Promise.all([...new Set(items.map((it) => it.queue))].map((queue) => {
      const jobs = items.filter((it) => it.queue === queue).map(jobOf);
      return jobs.length === 1 ? queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts) : queue.addBulk(jobs);
    }));
  /**
   * Marks each item the last one of its single-flight key (GETSET, sent together and run by Redis in request
   * order) and says, for each, whether the task it replaced is still live: then the new one waits behind it.
   */
  const placeAll = async (items: readonly Item[]): Promise<EnqueueResult[]> => {
    const prevs = await Promise.all(items.map((it) => (it.kind.exclusiveKey ? redis.getset(excl.last(it.kind.exclusiveKey(it.data)), it.jobId) : null)));
    const states = await Promise.all(prevs.map(async (prev, i) => (prev && prev !== items[i]!.jobId ? (await findJob(prev))?.getState() : undefined)));
    return items.map(({ jobId }, i) => {
      const live = states[i] !== undefined && (LIVE_STATES as readonly string[]).includes(states[i]!);
      return live ? { jobId, state: 'queued_behind', behind: prevs[i]! } : { jobId, state: 'queued' };
    });
  };

  /**
   * Every request under one deadline and in a fixed number of round trips, whatever their count: the duplicate
   * lookups together, then the adds, then the single-flight keys, then the states of the tasks those name. The
   * lookups are answered before any add is sent (not pipelined with them): when Redis stalls during the lookups,
   * the user is told nothing was queued, and no add is waiting in the socket to run when Redis wakes up (R6).
   */
  const enqueueMany = (requests: ReadonlyArray<{ kind: string; data: unknown }>): Promise<EnqueueResult[]> => {
    // Set once the adds are on their way: a deadline after that point cannot say "nothing was queued".
    let sent: string[] = [];
    return guarded(async () => {
      const items = requests.map(itemOf);
      // Deterministic ids: the same request twice (a Slack retry, or a host named twice) collapses into one job.
      const found = await Promise.all(items.map((it) => it.queue.getJob(it.jobId)));
      const seen = new Set<string>();
      const fresh = items.filter((it, i) => !found[i] && !seen.has(it.jobId) && seen.add(it.jobId));
      sent = fresh.map((it) => it.jobId);
      await addAll(fresh);
      const placed = new Map((await placeAll(fresh)).map((r) => [r.jobId, r]));
      return items.map(({ jobId }) => {
        const res = placed.get(jobId);
        placed.delete(jobId); // a later request with the same id is the duplicate
        return res ?? { jobId, state: 'duplicate' as const };
      });
    }).catch((err: unknown) => {
      if (sent.length === 0 || !(err instanceof UserFacingError) || err.code !== 'queue_unavailable') throw err;
      // Redis answered with an error, or the cluster client refused the MULTI before sending it (keys in several
      // slots): the adds were refused, so "nothing was queued" holds.
      if (err.cause instanceof ReplyError || /should belong to the same slot/.test(String(err.cause))) throw err;
      throw notConfirmed(sent, err.cause ?? err);
    });
  };

  return {
    enqueue: async (kind, data) => (await enqueueMany([{ kind, data }]))[0]!,
    enqueueMany,
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

/** The adds were sent but Redis did not answer in time: each task may or may not be queued. */
function notConfirmed(jobIds: readonly string[], cause: unknown): UserFacingError {
  const ids = jobIds.map((id) => `\`${id}\``).join(', ');
  const [may, lists] = jobIds.length === 1 ? ['it may or may not be', 'lists it if it is'] : ['they may or may not be', 'lists those that are'];
  return new UserFacingError('queue_unavailable',
    `Redis did not confirm ${ids} in time, so ${may} queued: \`/ci tasks\` ${lists}. Redis is slow or not answering right now.`,
    { cause });
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
