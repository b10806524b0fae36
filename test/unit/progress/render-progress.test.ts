import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { renderOutput, renderProgress, formatDuration, type ProgressView } from '../../../src/chat/render/progress.ts';

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
