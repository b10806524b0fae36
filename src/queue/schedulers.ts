/**
 * Digest schedules as BullMQ job schedulers. Each slot's job id is `repeat:<id>:<slotMs>`; the worker adapter
 * passes `slotMs` to the handler, which names its outbox message `digestSlotKey(id, slotMs)` so a slot is posted
 * at most once even when the job runs again after a crash (R17).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import * as z from 'zod';

/** A digest schedule as the user declared it. */
export interface DigestSchedule {
  id: string;
  cron: string;
  /** IANA zone, e.g. `Europe/Berlin` (default UTC). */
  tz?: string;
  channel: string;
  /** Who created it (the requester of every digest job). */
  userId: string;
}

/** Outbox key of one digest slot. */
export function digestSlotKey(schedulerId: string, slotMs: number): string {
  return `digest:${schedulerId}:${slotMs}`;
}

const templateSchema = z.object({
  schedulerId: z.string(),
  requester: z.object({ userId: z.string(), channelId: z.string() }),
});

export interface Schedulers {
  add(s: DigestSchedule): Promise<void>;
  list(): Promise<Array<DigestSchedule & { next?: number }>>;
  remove(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface SchedulersOptions {
  redis: Redis;
  prefix: string;
  /** Queue the jobs go to (default `report`). */
  queue?: string;
  /** Job name (default `digest`). */
  jobName?: string;
  /**
   * Tries per scheduled job, the first included (default 2, as the digest kind declares). BullMQ takes this from
   * the template only: without it a transient failure would lose the slot.
   */
  attempts?: number;
  /** Base of the exponential retry backoff, ms (default 2000), ± 50 % jitter. */
  backoffMs?: number;
}

/** Schedulers producing jobs that are retried (only transient failures, the worker decides) like the digest kind. */
export function createSchedulers(opts: SchedulersOptions): Schedulers {
  const queue = new Queue(opts.queue ?? 'report', { connection: opts.redis, prefix: opts.prefix });
  const name = opts.jobName ?? 'digest';
  const retry = { attempts: opts.attempts ?? 2, backoff: { type: 'exponential', delay: opts.backoffMs ?? 2000, jitter: 0.5 } };
  return {
    async add(s) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(s.id)) throw new Error(`bad scheduler id "${s.id}"`);
      await queue.upsertJobScheduler(s.id, { pattern: s.cron, tz: s.tz ?? 'UTC' }, {
        name,
        data: { schedulerId: s.id, requester: { userId: s.userId, channelId: s.channel } },
        opts: { removeOnComplete: 100, removeOnFail: 100, ...retry },
      });
    },
    async list() {
      const all = await queue.getJobSchedulers(0, -1, true);
      return all.flatMap((j) => {
        const t = templateSchema.safeParse(j.template?.data);
        if (!t.success) return [];
        return [{ id: j.key, cron: j.pattern ?? '', tz: j.tz, channel: t.data.requester.channelId,
          userId: t.data.requester.userId, next: j.next }];
      });
    },
    remove: (id) => queue.removeJobScheduler(id),
    close: () => queue.close(),
  };
}
