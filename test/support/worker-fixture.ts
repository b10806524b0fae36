/**
 * A worker child process for fault tests (R1, R2, R17): `node test/support/worker-fixture.ts '<json options>'`.
 * Runs the real worker adapter for the selftest kind or a digest-like kind, prints `ready` and one
 * `start <jobId> <attempt>` line per handler start, and closes gracefully on SIGTERM.
 */
import { progressRenderer } from '../../src/chat/render/progress.ts';
import { z } from 'zod';
import { createWorkerConnection } from '../../src/queue/connection.ts';
import { createRedisOutbox } from '../../src/queue/outbox.ts';
import { createRedisAuditLog } from '../../src/audit/redis-audit-log.ts';
import { createTaskWorker } from '../../src/queue/task-worker.ts';
import { selftestKind } from '../../src/features/selftest/kind.ts';
import { defineTaskKind, requesterSchema } from '../../src/core/task-kind.ts';
import { digestSlotKey } from '../../src/queue/schedulers.ts';
import { createSelftestHandler } from '../../src/features/selftest/handler.ts';
import type { AuditEntry, AuditLog, TaskHandler } from '../../src/core/ports.ts';

const opts = z.object({
  url: z.string(), prefix: z.string(), kind: z.enum(['selftest', 'digest']),
  lockMs: z.number(), stalledMs: z.number(), stepMs: z.number(), graceMs: z.number(), maxStalled: z.number().optional(),
  /** SIGKILL this process as soon as a task's outcome is in the audit, before BullMQ records the completion. */
  dieAfterOutcome: z.boolean().optional(),
}).parse(JSON.parse(process.argv[2] ?? '{}'));

interface DigestTask { schedulerId: string; requester: { userId: string; channelId: string }; slotMs: number }

/** The digest-like kind of R17: queue `report`, one message per slot. */
export const fixtureDigestKind = defineTaskKind<DigestTask>({
  name: 'digest', queue: 'report',
  schema: z.object({ schedulerId: z.string(), requester: requesterSchema, slotMs: z.number() }),
  jobId: (d) => `${d.schedulerId}-${d.slotMs}`, title: () => 'Digest', progressMessage: false,
});

const redis = createWorkerConnection({ url: opts.url });
const outbox = createRedisOutbox({ redis, prefix: opts.prefix });
const redisAudit = createRedisAuditLog({ redis, prefix: opts.prefix });
const dieIfFinished = (entry: AuditEntry) => {
  if (opts.dieAfterOutcome && entry.kind === 'task_finished') process.kill(process.pid, 'SIGKILL');
};
const audit: AuditLog = {
  ...redisAudit,
  append: async (entry) => { await redisAudit.append(entry); dieIfFinished(entry); },
  appendOnce: async (entry, once) => { const written = await redisAudit.appendOnce(entry, once); dieIfFinished(entry); return written; },
};
const common = { connection: redis, prefix: opts.prefix, outbox, audit, render: progressRenderer, lockDurationMs: opts.lockMs,
  stalledIntervalMs: opts.stalledMs, maxStalledCount: opts.maxStalled, progressFlushMs: 50 };

function announce<T>(handler: TaskHandler<T>): TaskHandler<T> {
  return (task, ctx) => {
    process.stdout.write(`start ${ctx.jobId} ${ctx.attempt}\n`);
    return handler(task, ctx);
  };
}

const digestHandler: TaskHandler<DigestTask> = async (task, { signal }) => {
  await outbox.put({ key: digestSlotKey(task.schedulerId, task.slotMs), channel: task.requester.channelId,
    message: { text: `digest ${task.schedulerId} ${task.slotMs}` } });
  process.stdout.write(`digest-put ${task.slotMs}\n`);
  await new Promise((r) => {
    const t = setTimeout(r, opts.stepMs);
    signal.addEventListener('abort', () => { clearTimeout(t); r(undefined); }, { once: true });
  });
  return { summary: 'digest posted' };
};

const worker = opts.kind === 'selftest'
  ? createTaskWorker({ ...common, kind: selftestKind, handler: announce(createSelftestHandler({ stepMs: opts.stepMs })) })
  : createTaskWorker({ ...common, kind: fixtureDigestKind, handler: announce(digestHandler) });

process.on('SIGTERM', () => {
  const t0 = Date.now();
  void worker.close({ graceMs: opts.graceMs }).then(() => {
    process.stdout.write(`closed ${Date.now() - t0}\n`);
    redis.disconnect();
    process.exit(0);
  });
});
await worker.ready();
process.stdout.write('ready\n');
