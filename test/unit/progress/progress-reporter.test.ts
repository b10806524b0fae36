import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutboxEntry } from '../../../src/core/ports.ts';
import type { ProgressStore, ProgressView } from '../../../src/core/progress-view.ts';
import { progressRenderer } from '../../../src/chat/render/progress.ts';
import { createProgressReporter } from '../../../src/queue/progress-reporter.ts';

class MemoryStore implements ProgressStore {
  readonly views = new Map<string, ProgressView>();
  readonly logs = new Map<string, string[]>();
  async load(id: string) { return this.views.get(id); }
  async save(v: ProgressView) { this.views.set(v.jobId, structuredClone(v)); }
  async appendLog(id: string, lines: readonly string[]) { this.logs.set(id, [...(this.logs.get(id) ?? []), ...lines]); }
}

function setup(store = new MemoryStore(), attempt = 1, minPublishMs = 0) {
  const puts: OutboxEntry[] = [];
  let now = 1000;
  const clock = { now: () => now };
  const r = createProgressReporter({ jobId: 'j1', title: 'T', channel: 'C1', requesterId: 'U1', attempt,
    outbox: { put: async (e) => { puts.push(e); } }, store, render: progressRenderer, clock, flushMs: 10_000, batchLines: 3, minPublishMs });
  return { r, puts, store, tick: (ms: number) => { now += ms; } };
}

test('steps move through states with elapsed times; every update uses the key job:<id>', async () => {
  const { r, puts, store, tick } = setup();
  await r.start();
  await r.plan(['a', 'b']);
  await r.step('a');
  tick(1500);
  await r.step('a', 'done');
  await r.step('extra', 'skipped');
  await r.finish({ summary: 'fine' });
  assert.ok(puts.every((p) => p.key === 'job:j1' && p.channel === 'C1'));
  const v = store.views.get('j1')!;
  assert.deepEqual(v.steps.map((s) => [s.name, s.state]), [['a', 'done'], ['b', 'pending'], ['extra', 'skipped']]);
  assert.equal(v.steps[0]!.endedAt! - v.steps[0]!.startedAt!, 1500);
  assert.equal(v.outcome, 'succeeded');
  assert.match(JSON.stringify(puts.at(-1)!.message), /Done.*fine/);
});

test('output is batched into thread replies under job:<id> and kept in the full log', async () => {
  const { r, puts, store } = setup();
  await r.start();
  r.output(['1', '2']);
  assert.equal(puts.filter((p) => p.threadOf).length, 0, 'below the batch size nothing is sent yet');
  r.output(['3']);
  await r.step('s', 'done'); // runs after the batch flush in the reporter's write order
  assert.equal(puts.filter((p) => p.threadOf).length, 1, 'a full batch is sent without waiting for the timer');
  r.output(['4']);
  await r.close();
  const replies = puts.filter((p) => p.threadOf === 'job:j1');
  assert.deepEqual(replies.map((p) => p.key), ['job:j1:out:0', 'job:j1:out:1']);
  assert.deepEqual(store.logs.get('j1'), ['1', '2', '3', '4']);
});

test('a resumed job continues the stored checklist and reply numbering (R1)', async () => {
  const first = setup();
  await first.r.start();
  await first.r.plan(['a', 'b']);
  await first.r.step('a', 'done');
  first.r.output(['x', 'y', 'z']);
  await first.r.close();
  const second = setup(first.store, 2);
  await second.r.start();
  await second.r.plan(['a', 'b']);
  second.r.output(['w']);
  await second.r.close();
  const v = first.store.views.get('j1')!;
  assert.equal(v.steps[0]!.state, 'done');
  assert.equal(v.attempt, 2);
  assert.equal(second.puts.find((p) => p.threadOf)?.key, 'job:j1:out:1');
});

test('steps reported while a write is under way join one publish of the latest state, in call order (P2)', async () => {
  // A store whose writes wait until released: what a busy Redis looks like to a recipe that reports every step.
  class GatedStore extends MemoryStore {
    gate = Promise.withResolvers<void>();
    saved: string[][] = [];
    override async save(v: ProgressView) {
      await this.gate.promise;
      this.saved.push(v.steps.map((s) => `${s.name}:${s.state}`));
      await super.save(v);
    }
  }
  const store = new GatedStore();
  const { r, puts, tick } = setup(store);
  const started = r.start();
  const calls = [r.plan(['a', 'b']), r.step('a')];
  tick(700);
  calls.push(r.step('a', 'done'), r.step('b'));
  tick(300);
  calls.push(r.step('b', 'done'));
  store.gate.resolve();
  await Promise.all([started, ...calls]);
  assert.deepEqual(store.saved, [[], ['a:done', 'b:done']], 'the start, then one write with every change made meanwhile');
  assert.equal(puts.length, 2, 'one outbox put per write, not one per step');
  const [a, b] = store.views.get('j1')!.steps;
  assert.equal(a!.endedAt! - a!.startedAt!, 700, 'times are those of the calls, not of the write');
  assert.equal(b!.endedAt! - b!.startedAt!, 300);
  await r.finish({ summary: 'fine' });
  assert.match(JSON.stringify(puts.at(-1)!.message), /Done.*fine/);
});

test('step changes within minPublishMs of the last publish wait for the interval and go out together; the plan and the outcome go at once (P2, R1)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const store = new MemoryStore();
  const saves: string[][] = [];
  const save = store.save.bind(store);
  store.save = async (v) => { saves.push(v.steps.map((s) => `${s.name}:${s.state}`)); await save(v); };
  const { r, puts, tick } = setup(store, 1, 250);
  await r.start();
  await r.plan(['a', 'b']);
  assert.deepEqual(saves, [[], ['a:pending', 'b:pending']], 'the plan is stored at once (a worker that dies now leaves it)');
  // Each call resolves at once: a recipe's markers, and a handler that awaits its step, do not wait for the interval.
  await r.step('a');
  tick(40);
  await r.step('a', 'done');
  await r.step('b');
  assert.equal(saves.length, 2, 'only the start and the plan are published yet');
  tick(210);
  t.mock.timers.tick(250);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(saves.slice(2), [['a:done', 'b:running']], 'one publish with every change of the interval, in call order');
  const a = store.views.get('j1')!.steps[0]!;
  assert.equal(a.endedAt! - a.startedAt!, 40, 'times are those of the calls');
  await r.step('b', 'done'); // within the interval again: waits…
  await r.step('extra', 'skipped');
  await r.finish({ summary: 'fine' }); // …and goes out with the outcome, at once
  assert.deepEqual(saves.at(-1), ['a:done', 'b:done', 'extra:skipped']);
  assert.equal(saves.length, 4);
  assert.equal(puts.length, 4, 'one outbox put per publish');
  assert.match(JSON.stringify(puts.at(-1)!.message), /Done.*fine/);
  t.mock.timers.tick(1000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(saves.length, 4, 'nothing is published after the outcome');
});
