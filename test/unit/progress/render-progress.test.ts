import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { renderOutput, renderProgress } from '../../../src/chat/render/progress.ts';
import { formatDuration } from '../../../src/core/duration.ts';
import type { ProgressView } from '../../../src/core/progress-view.ts';
import { validateBlocks } from '../../../src/playground/slack-emulator/block-limits.ts';

const GOLDEN = new URL('../../golden/progress/', import.meta.url);
const T0 = 1_700_000_000_000;

const base: ProgressView = {
  jobId: 'setup-agent-slave2-abc', title: 'setup-agent slave2', channel: 'C1', requesterId: 'U1',
  startedAt: T0, outcome: 'running', attempt: 1, outputSeq: 0,
  steps: [
    { name: 'install packages', state: 'done', startedAt: T0, endedAt: T0 + 12_300 },
    { name: 'configure mesos-slave', state: 'changed', startedAt: T0 + 12_300, endedAt: T0 + 14_000 },
    { name: 'start services', state: 'running', startedAt: T0 + 14_000 },
    { name: 'verify registration', state: 'pending' },
  ],
};

function golden(name: string, value: unknown) {
  const file = new URL(`${name}.json`, GOLDEN);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name} (UPDATE_GOLDEN=1 to rewrite)`);
}

test('running: checklist with times, Cancel button with the job id, context', () => {
  const m = renderProgress(base, T0 + 75_000);
  golden('running', m);
  const actions = m.blocks?.find((b) => b.type === 'actions');
  assert.match(JSON.stringify(actions), /"action_id":"cancel_job","value":"setup-agent-slave2-abc"/);
});

test('finished: final line with duration, no Cancel button', () => {
  const done: ProgressView = { ...base, outcome: 'succeeded', endedAt: T0 + 90_000, result: 'slave2 joined: 3 agents',
    steps: base.steps.map((s) => ({ ...s, state: 'done', startedAt: s.startedAt ?? T0, endedAt: T0 + 90_000 })) };
  const m = renderProgress(done, T0 + 999_999);
  golden('succeeded', m);
  assert.ok(!m.blocks?.some((b) => b.type === 'actions'));
});

test('failed and cancelled outcomes; user text cannot inject mentions', () => {
  golden('failed', renderProgress({ ...base, outcome: 'failed', endedAt: T0 + 5000, result: 'host <!channel> unknown',
    steps: [{ name: 'ssh <@U2>', state: 'failed', startedAt: T0, endedAt: T0 + 5000, detail: 'exit 1' },
      { name: 'verify', state: 'skipped' }] }, T0 + 6000));
  const c = renderProgress({ ...base, outcome: 'cancelled', endedAt: T0 + 3000, result: 'by <@U9>' }, T0 + 3000);
  assert.match(JSON.stringify(c), /Cancelled/);
});

test('within Block Kit limits: 200 steps → ≤ 50 blocks, sections ≤ 3,000 chars', () => {
  const steps = Array.from({ length: 400 }, (_, i) => ({ name: `step ${i} ${'x'.repeat(200)}`, state: 'pending' as const }));
  const m = renderProgress({ ...base, steps }, T0);
  assert.ok((m.blocks?.length ?? 0) <= 50);
  for (const b of m.blocks ?? []) {
    const t = (b as { text?: { text: string } }).text?.text ?? '';
    assert.ok(t.length <= 3000, `section of ${t.length}`);
  }
});

/** 2,000 steps with names long enough that the full checklist needs far more than 46 sections. */
function manySteps(stateOf: (i: number) => ProgressView['steps'][number]['state']): ProgressView['steps'] {
  return Array.from({ length: 2000 }, (_, i) => ({ name: `step ${i} ${'x'.repeat(140)}`, state: stateOf(i) }));
}

function checklistText(m: ReturnType<typeof renderProgress>): string {
  return (m.blocks ?? []).slice(1, -1).map((b) => (b as { text?: { text: string } }).text?.text ?? '').join('\n');
}

test('2,000 steps: within 50 blocks, the running step is shown, finished ones counted, the rest "…and K more"', () => {
  const steps = manySteps((i) => (i < 1000 ? (i % 100 === 0 ? 'changed' : 'done') : i === 1000 ? 'running' : 'pending'));
  steps[1000] = { ...steps[1000]!, startedAt: T0 };
  const m = renderProgress({ ...base, steps }, T0 + 5000);
  assert.deepEqual(validateBlocks(m.blocks), []);
  const text = checklistText(m);
  assert.match(text, /⏳ step 1000 x+ — 5\.0 s/, 'the running step is shown');
  assert.match(text, /^✅ 1000 steps finished \(10 changed\)$/m);
  const shown = text.split('\n').filter((l) => l.startsWith('⬜ ')).length;
  const more = Number(/…and (\d+) more not shown/.exec(text)?.[1]);
  assert.ok(shown > 100, `pending steps still listed while room allows (${shown})`);
  assert.equal(1000 + 1 + shown + more, 2000, 'every step is shown or counted');
  assert.match(text, /⬜ step 1001 /, 'the next pending step comes first');
});

test('2,000 steps, failed run: the failed step is shown even far down the list', () => {
  const steps = manySteps((i) => (i < 1900 ? 'pending' : i === 1950 ? 'failed' : 'skipped'));
  const m = renderProgress({ ...base, outcome: 'failed', endedAt: T0 + 1000, steps }, T0 + 1000);
  assert.deepEqual(validateBlocks(m.blocks), []);
  const text = checklistText(m);
  assert.match(text, /❌ step 1950 /);
  assert.match(text, /^✅ 99 steps finished \(99 skipped\)$/m);
  assert.match(text, /…and \d+ more not shown/);
  assert.ok(text.indexOf('step 1950') > text.indexOf('⬜ step 0 '), 'steps keep their order');
});

test('2,000 short steps still fit in full, several per section', () => {
  const steps = Array.from({ length: 2000 }, (_, i) => ({ name: `s${i}`, state: 'done' as const }));
  const m = renderProgress({ ...base, steps }, T0);
  assert.deepEqual(validateBlocks(m.blocks), []);
  const text = checklistText(m);
  assert.ok(text.includes('✅ s0\n') && text.includes('✅ s1999'), 'all steps listed');
  assert.doesNotMatch(text, /more not shown/);
});

test('output: code blocks ≤ 3,000 chars, long lines cut, order kept', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `${i} ${'y'.repeat(i === 5 ? 5000 : 60)}`);
  const msgs = renderOutput(lines);
  assert.ok(msgs.length >= 3);
  const body = (m: (typeof msgs)[number]) => (m.blocks?.[0] as unknown as { text: { text: string } }).text.text;
  const joined = msgs.map(body).join('\n');
  for (const m of msgs) assert.ok(body(m).length <= 3000);
  assert.ok(joined.indexOf('\n99 ') > joined.indexOf('\n98 '));
  golden('output', renderOutput(['$ docker pull jenkins', 'Status: ```done```']));
});

test('durations', () => {
  assert.deepEqual([400, 12_300, 125_000, 3_720_000].map(formatDuration), ['0.4 s', '12 s', '2 m 05 s', '1 h 02 m']);
});
