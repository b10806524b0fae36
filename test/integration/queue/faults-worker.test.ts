/** R1, R2, R17: worker processes killed or stopped mid-task (real Redis, real child processes). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { startRedis, type RedisServer } from '../../../src/playground/redis-server.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { start, type Started } from '../../../src/playground/process.ts';
import { TaskRegistry } from '../../../src/core/task-kind.ts';
import { selftestKind } from '../../../src/features/selftest/kind.ts';
import { createSchedulers } from '../../../src/queue/schedulers.ts';
import { engine, requester } from './engine-harness.ts';

const FIXTURE = fileURLToPath(new URL('../../support/worker-fixture.ts', import.meta.url));
let server: RedisServer;
const children: Started[] = [];
before(async () => {
  server = await startRedis({ aof: true });
});
after(async () => {
  for (const c of children) await c.stop('SIGKILL');
  await server.stop();
});

async function spawnWorker(prefix: string, o: { kind?: string; stepMs: number; graceMs?: number; maxStalled?: number; dieAfterOutcome?: boolean }) {
  const args = JSON.stringify({ url: server.url, prefix, kind: o.kind ?? 'selftest', lockMs: 1000, stalledMs: 500,
    stepMs: o.stepMs, graceMs: o.graceMs ?? 5000, maxStalled: o.maxStalled, dieAfterOutcome: o.dieAfterOutcome });
  const child = start(process.execPath, [FIXTURE, args]);
  children.push(child);
  await waitFor(() => child.output().includes('ready'), { what: 'worker ready', deadlineMs: 10_000 });
  return child;
}
const text = (m: { text: string; blocks?: unknown[] } | undefined) => JSON.stringify(m?.blocks ?? m?.text ?? '');

describe('worker faults', () => {
  test('R1: worker SIGKILLed mid-task → another worker resumes it; one progress message, updated', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const a = await spawnWorker(e.prefix, { stepMs: 400 });
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'r1' });
    await waitFor(() => e.notifier.calls.some((c) => /step 2\/4/.test(text(c.message))), { what: 'step 2', deadlineMs: 8000 });
    await a.stop('SIGKILL');
    const killedAt = Date.now();
    const b = await spawnWorker(e.prefix, { stepMs: 50 });
    // Resumed within lock + stalled interval: the deadline of this wait (lock 1 s, stalled 0.5 s, a start-up margin).
    await waitFor(() => b.output().includes(`start ${jobId}`), { what: 'resumed on b', deadlineMs: 1000 + 500 + 8000 });
    console.log(`# R1: resumed ${Date.now() - killedAt} ms after the kill`);
    await waitFor(() => e.notifier.calls.some((c) => /Done/.test(text(c.message))), { what: 'done', deadlineMs: 8000 });
    const mains = e.notifier.posts().filter((c) => !c.threadTs);
    assert.equal(mains.length, 1, 'progress message not duplicated');
    assert.match(text(e.notifier.latest(mains[0]!.ts)), /selftest passed/);
    await b.stop();
    await e.close();
  });

  test('R1: a task whose worker dies more often than tasks.maxStalledCount → failed, said in its one progress message and the audit, not run again', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'r1-deaths' });
    for (const name of ['a', 'b']) {
      const w = await spawnWorker(e.prefix, { stepMs: 2000, maxStalled: 1 });
      await waitFor(() => w.output().includes(`start ${jobId}`), { what: `started on ${name}`, deadlineMs: 10_000 });
      await w.stop('SIGKILL');
    }
    const c = await spawnWorker(e.prefix, { stepMs: 20, maxStalled: 1 });
    const failed = (m: { text: string; blocks?: unknown[] }) => /stopped 2 times/.test(text(m));
    await waitFor(() => e.notifier.calls.some((x) => failed(x.message)), { what: 'the failure shown', deadlineMs: 15_000 });
    assert.doesNotMatch(c.output(), new RegExp(`start ${jobId}`), 'not run a third time');
    const mains = e.notifier.posts().filter((x) => !x.threadTs);
    assert.equal(mains.length, 1, 'one progress message');
    const last = text(e.notifier.latest(mains[0]!.ts));
    assert.match(last, /stopped 2 times/);
    assert.match(last, /check queue/, `the checklist is kept: ${last}`);
    const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    assert.equal(await (await q.getJob(jobId))?.getState(), 'failed');
    await q.close();
    const finished = (await e.audit.recent(50)).filter((x) => x.kind === 'task_finished' && x.jobId === jobId);
    assert.equal(finished.length, 1, 'one task_finished');
    assert.equal(finished[0]!.outcome, 'failed');
    await c.stop();
    await e.close();
  });

  test('R1: worker SIGKILLed after the task outcome is recorded, before BullMQ marks it completed → the next worker completes it with that outcome, without running it again', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const a = await spawnWorker(e.prefix, { stepMs: 20, dieAfterOutcome: true });
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'r1-done' });
    await waitFor(() => a.child.signalCode === 'SIGKILL', { what: 'a killed itself after the outcome', deadlineMs: 10_000 });
    const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    assert.equal(await (await q.getJob(jobId))?.getState(), 'active', 'BullMQ had not recorded the completion');
    const b = await spawnWorker(e.prefix, { stepMs: 20 });
    await waitFor(async () => (await (await q.getJob(jobId))?.getState()) === 'completed', { what: 'completed on b', deadlineMs: 10_000 });
    assert.doesNotMatch(b.output(), new RegExp(`start ${jobId}`), 'not run again');
    assert.match((await q.getJob(jobId))?.returnvalue?.summary ?? '', /selftest passed/, 'the recorded result');
    const finished = (await e.audit.recent(50)).filter((x) => x.kind === 'task_finished' && x.jobId === jobId);
    assert.equal(finished.length, 1, 'one task_finished');
    const mains = e.notifier.posts().filter((x) => !x.threadTs);
    assert.equal(mains.length, 1, 'one progress message');
    assert.match(text(e.notifier.latest(mains[0]!.ts)), /selftest passed/);
    await q.close();
    await b.stop();
    await e.close();
  });

  test('R2: SIGTERM during a task → bounded close; task released and completed by another worker', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const a = await spawnWorker(e.prefix, { stepMs: 1000, graceMs: 300 });
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'r2' });
    await waitFor(() => a.output().includes(`start ${jobId}`), { what: 'started on a' });
    // stop() SIGKILLs after 10 s; a worker that exits by itself closed within its bound (grace 300 ms + abort).
    await a.stop('SIGTERM', 10_000);
    assert.equal(a.child.signalCode, null, 'exited by itself, not killed');
    assert.match(a.output(), /closed \d+/);
    const b = await spawnWorker(e.prefix, { stepMs: 20 });
    await waitFor(() => e.notifier.calls.some((c) => /Done/.test(text(c.message))), { what: 'done on b', deadlineMs: 8000 });
    const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    const job = await q.getJob(jobId);
    assert.equal(await job?.getState(), 'completed');
    assert.equal((b.output().match(new RegExp(`start ${jobId}`, 'g')) ?? []).length, 1, 'retried once');
    assert.equal(e.notifier.posts().filter((c) => !c.threadTs).length, 1);
    await q.close();
    await b.stop();
    await e.close();
  });

  test('R2: SIGTERM with enough grace → the running task completes before exit', async (t) => {
    const e = await engine(server, new TaskRegistry().register(selftestKind), t);
    const a = await spawnWorker(e.prefix, { stepMs: 150, graceMs: 5000 });
    const { jobId } = await e.client.enqueue('selftest', { requester, requestId: 'r2b' });
    await waitFor(() => a.output().includes(`start ${jobId}`), { what: 'started on a' });
    await a.stop('SIGTERM', 10_000);
    const q = new Queue('selftest', { connection: e.workerRedis, prefix: e.prefix });
    assert.equal(await (await q.getJob(jobId))?.getState(), 'completed');
    await q.close();
    await e.close();
  });

  test('R17: process killed during a scheduled digest → its slot posted at most once; scheduler intact', async (t) => {
    const e = await engine(server, new TaskRegistry(), t);
    const schedulers = createSchedulers({ redis: e.workerRedis, prefix: e.prefix });
    await schedulers.add({ id: 'd1', cron: '*/2 * * * * *', channel: 'C9', userId: 'U1' });
    const a = await spawnWorker(e.prefix, { kind: 'digest', stepMs: 1500 });
    await waitFor(() => /digest-put (\d+)/.exec(a.output()), { what: 'digest put', deadlineMs: 6000 });
    await a.stop('SIGKILL');
    const killedSlot = /digest-put (\d+)/.exec(a.output())![1]!;
    const b = await spawnWorker(e.prefix, { kind: 'digest', stepMs: 100 });
    await waitFor(() => b.output().includes(`digest-put ${killedSlot}`), { what: 'killed slot re-run', deadlineMs: 10_000 });
    await waitFor(() => (b.output().match(/digest-put/g) ?? []).length >= 2, { what: 'a later slot', deadlineMs: 6000 });
    await waitFor(async () => (await e.outbox.backlog()) === 0, { what: 'outbox drained' });
    const posted = e.notifier.posts().map((c) => c.message.text);
    assert.equal(posted.filter((t) => t === `digest d1 ${killedSlot}`).length, 1, 'killed slot posted once');
    assert.equal(new Set(posted).size, posted.length, `no slot posted twice: ${posted.join(", ")} / ${b.output()}`);
    assert.equal((await schedulers.list()).length, 1);
    await b.stop();
    await schedulers.remove('d1');
    await schedulers.close();
    await e.close();
  });
});
