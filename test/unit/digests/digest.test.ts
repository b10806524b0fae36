/** Digest model, schedule checks, the digest handler (one message per slot, R17) and digest golden files. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UserFacingError } from '../../../src/core/errors.ts';
import type { OutboxEntry, TaskContext } from '../../../src/core/ports.ts';
import { diffDigest } from '../../../src/cluster/digest-model.ts';
import type { DigestRecord } from '../../../src/core/digest-store.ts';
import { checkSchedule, scheduleId } from '../../../src/features/status/schedule-spec.ts';
import { takeSnapshot } from '../../../src/cluster/snapshot.ts';
import { changesText, renderDigest } from '../../../src/chat/render/digest.ts';
import { createDigestHandler } from '../../../src/features/status/digest-handler.ts';
import { validateBlocks } from '../../../src/playground/slack-emulator/block-limits.ts';
import { assertGolden } from '../../support/golden.ts';
import { fakeReader, generatedAgents, seedAgents, T0, type FakeOptions } from '../status/fake-cluster.ts';
import { MemoryDigestStore } from './memory-digest-store.ts';

const size = { cpus: 0.2, memMb: 512 };
const DAY = 86_400_000;

describe('diffDigest', () => {
  const prev: DigestRecord = { atMs: T0 - DAY, agents: ['slave1', 'slave2'], failingJobs: ['a'], jenkinsQueue: 4 };
  test('agents joined and left by name, jobs newly failing and fixed, peak in the period only', () => {
    const cur: DigestRecord = { atMs: T0, agents: ['slave2', 'slave3'], failingJobs: ['b'], jenkinsQueue: 0 };
    const samples = [
      { atMs: T0 - 2 * DAY, cpu: 0.99, mem: 0.99 }, // before the period: ignored
      { atMs: T0 - 3_600_000, cpu: 0.7, mem: 0.4 },
      { atMs: T0 - 60_000, cpu: 0.2, mem: 0.8 },
    ];
    const c = diffDigest(prev, cur, samples);
    assert.deepEqual([c.joined, c.left, c.newlyFailing, c.fixed, c.queueBefore], [['slave3'], ['slave1'], ['b'], ['a'], 4]);
    assert.equal(c.peak?.utilisation, 0.8);
    assert.equal(c.peak?.atMs, T0 - 60_000);
    assert.equal(c.incidents, undefined, 'no incident source: nothing said, not zero');
  });

  test('what could not be read then or now is left out, not reported as a change', () => {
    const c = diffDigest(prev, { atMs: T0 }, []);
    assert.deepEqual([c.joined, c.left, c.newlyFailing, c.peak], [undefined, undefined, undefined, undefined]);
    assert.equal(diffDigest(undefined, { atMs: T0, agents: ['x'] }, []).joined, undefined, 'first digest: no baseline');
  });

  test('incidents, once a source exists, are filtered to the period', () => {
    const c = diffDigest(prev, { atMs: T0 }, [], [{ atMs: T0 - 1000, text: 'Jenkins moved to slave2' }, { atMs: T0 - 2 * DAY, text: 'old' }]);
    assert.deepEqual(c.incidents?.map((i) => i.text), ['Jenkins moved to slave2']);
  });
});

describe('checkSchedule', () => {
  test('accepts 5-field cron in a zone and names the next run', () => {
    const s = checkSchedule(' 0  9 * * 1-5 ', 'Europe/Berlin', T0); // Monday 09:00 UTC = 11:00 Berlin
    assert.equal(s.cron, '0 9 * * 1-5');
    assert.equal(new Date(s.nextMs).toISOString(), '2024-05-07T07:00:00.000Z', 'Tuesday 9:00 in Berlin (UTC+2)');
  });
  const refuses = (cron: string, re: RegExp) => {
    assert.throws(() => checkSchedule(cron, 'UTC', T0), (e: unknown) => e instanceof UserFacingError && e.code === 'bad_arguments' && re.test(e.message));
  };
  test('refuses wrong field counts, garbage and schedules faster than once a minute, with an example', () => {
    refuses('0 9 * *', /has 4 fields.*"0 9 \* \* 1-5"/);
    refuses('0 99 * * *', /not a valid cron expression/);
    refuses('* * * * * *', /more than once a minute/);
    assert.equal(checkSchedule('* * * * *', 'UTC', T0).cron, '* * * * *', 'every minute is allowed');
  });
  test('one schedule per (channel, cron, zone)', () => {
    assert.equal(scheduleId('C1', '0 9 * * 1-5', 'UTC'), scheduleId('C1', '0 9 * * 1-5', 'UTC'));
    assert.notEqual(scheduleId('C1', '0 9 * * 1-5', 'UTC'), scheduleId('C2', '0 9 * * 1-5', 'UTC'));
    assert.match(scheduleId('C1', '0 9 * * *', 'UTC'), /^d[0-9a-f]{10}$/);
  });
});

class FakeOutbox {
  readonly puts: OutboxEntry[] = [];
  async put(e: OutboxEntry): Promise<void> {
    this.puts.push(e);
  }
}

function ctx(jobId: string): TaskContext {
  return {
    jobId, attempt: 1, signal: new AbortController().signal, log: () => undefined,
    progress: { plan: async () => undefined, step: async () => undefined, output: () => undefined },
  };
}

describe('digest handler', () => {
  const slotKey = (id: string, slotMs: number) => `digest:${id}:${slotMs}`;
  const setup = (o: { current?: FakeOptions; clock: { t: number } }) => {
    const store = new MemoryDigestStore();
    const outbox = new FakeOutbox();
    const handler = createDigestHandler({
      snapshot: () => takeSnapshot(fakeReader(o.current), { jenkinsLabel: 'mesos', now: () => o.clock.t }),
      store, outbox, slotKey, agentSize: size,
    });
    return { store, outbox, handler };
  };
  const requester = { userId: 'U1', channelId: 'C0DIGEST' };

  test('a slot run twice (crash, restart) puts the same key with the same changes: one Slack message', async () => {
    const clock = { t: T0 - DAY };
    const current: FakeOptions = {};
    const { outbox, handler } = setup({ current, clock });
    await handler({ requester, schedulerId: 'd1', slotMs: T0 - DAY }, ctx('repeat:d1:1'));
    clock.t = T0;
    current.agents = [seedAgents[1]!, { hostname: 'slave3', cpus: 2, cpusUsed: 0, memMb: 3789, memUsedMb: 0 }];
    await handler({ requester, schedulerId: 'd1', slotMs: T0 }, ctx('repeat:d1:2'));
    await handler({ requester, schedulerId: 'd1', slotMs: T0 }, ctx('repeat:d1:2')); // the same slot again
    assert.deepEqual(outbox.puts.map((p) => p.key), [`digest:d1:${T0 - DAY}`, `digest:d1:${T0}`, `digest:d1:${T0}`]);
    assert.deepEqual(outbox.puts[2]?.message, outbox.puts[1]?.message, 'the re-run compares with the same baseline');
    const text = JSON.stringify(outbox.puts[2]?.message.blocks);
    assert.match(text, /1 joined: `slave3`/);
    assert.match(text, /1 left: `slave1`/);
    assert.ok(outbox.puts.every((p) => p.channel === 'C0DIGEST'));
  });

  test('/ci digest now posts under its own key each time', async () => {
    const { outbox, handler } = setup({ clock: { t: T0 } });
    await handler({ requester, requestId: 'r1' }, ctx('r1'));
    await handler({ requester, requestId: 'r2' }, ctx('r2'));
    assert.deepEqual(outbox.puts.map((p) => p.key), ['digest-now:r1', 'digest-now:r2']);
    assert.match(JSON.stringify(outbox.puts[1]?.message.blocks), /Since the last digest/);
  });
});

describe('digest rendering', () => {
  const prev: DigestRecord = { atMs: T0 - DAY, agents: ['slave1', 'slave2', 'slave9'], failingJobs: [], jenkinsQueue: 7 };
  const render = async (o: FakeOptions, baseline: DigestRecord | undefined) => {
    const s = await takeSnapshot(fakeReader(o), { jenkinsLabel: 'mesos', now: () => T0 });
    const rec = { atMs: T0, ...(s.mesos.agents.ok ? { agents: s.mesos.agents.value.filter((a) => a.active).map((a) => a.hostname).sort() } : {}), ...(s.jenkins.ok ? { failingJobs: s.jenkins.value.jobs.failing, jenkinsQueue: s.jenkins.value.queue } : {}) };
    const m = renderDigest(s, diffDigest(baseline, rec, [{ atMs: T0 - 3_600_000, cpu: 0.91, mem: 0.5 }]), { agentSize: size, scheduleId: 'd0123456789' });
    assert.deepEqual(validateBlocks(m.blocks), []);
    return m;
  };
  test('seed cluster with changes', async () => {
    const m = await render({}, prev);
    assert.match(JSON.stringify(m.blocks), /1 left: `slave9`[\s\S]*Peak utilisation: 91%[\s\S]*Newly failing jobs: `integration`/);
    assertGolden('digests/seed-changes', m);
  });
  test('first digest of a schedule', async () => assertGolden('digests/first', await render({}, undefined)));
  test('incidents in the period: how many, the downtime in all, how many moves, then each', () => {
    const text = changesText({
      sinceMs: T0 - DAY,
      incidents: [
        { atMs: T0 - 7_200_000, text: 'Jenkins back on slave2 after 47 s (moved from slave1)', downtimeMs: 47_000, moved: true },
        { atMs: T0 - 3_600_000, text: 'Jenkins restarted in place on slave1 after 12 s', downtimeMs: 12_000, moved: false },
      ],
    });
    assert.match(text, /2 incidents, 59 s of downtime in all, 1 move:\n• .* Jenkins back on slave2 after 47 s \(moved from slave1\)\n• .* restarted in place/);
    assert.match(changesText({ sinceMs: T0 - DAY, incidents: [] }), /Incidents: none/);
  });
  test('partial failure: no agent changes claimed when agents cannot be read', async () => {
    const m = await render({ fail: { slaves: new Error('garbage'), jenkins: 'hang' }, timeoutMs: 100 }, prev);
    assert.doesNotMatch(JSON.stringify(m.blocks), /joined|left:|Agents: no change/);
    assertGolden('digests/partial', m);
  });
  test('huge cluster: 10,000 agents joined, names trimmed', async () => {
    const m = await render({ agents: generatedAgents(10_000) }, prev);
    assert.match(JSON.stringify(m.blocks), /9,896 joined: .* and 9,886 more/);
    assertGolden('digests/huge', m);
  });
});
