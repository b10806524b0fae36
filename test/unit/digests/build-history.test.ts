/** Jenkins builds in digests: the recent-builds view, the period filter and counts, the rendering and golden file. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RecentBuildSchema, RootSchema, STATUS_ROOT_TREE, type JobRef } from '../../../src/clients/jenkins/schemas.ts';
import { toRecentBuilds as recentBuildsView } from '../../../src/clients/jenkins/to-domain.ts';
import { buildsInPeriod, RECENT_BUILDS_PER_JOB } from '../../../src/cluster/build-history.ts';
import type { ClusterReader } from '../../../src/cluster/cluster-reader.ts';
import { diffDigest, digestRecord, periodBuilds } from '../../../src/cluster/digest-model.ts';
import type { DigestRecord } from '../../../src/core/digest-store.ts';
import { takeSnapshot } from '../../../src/cluster/snapshot.ts';
import { buildsText, renderDigest } from '../../../src/chat/render/digest.ts';
import type { OutboxEntry, TaskContext } from '../../../src/core/ports.ts';
import { createDigestHandler } from '../../../src/features/status/digest-handler.ts';
import { MemoryDigestStore } from './memory-digest-store.ts';
import { validateBlocks } from '../../../src/playground/slack-emulator/block-limits.ts';
import { assertGolden } from '../../support/golden.ts';
import { fakeReader, T0, type FakeOptions } from '../status/fake-cluster.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A finished build that ended `endAgoMs` before T0 after running `durMs`. */
const done = (number: number, result: string, endAgoMs: number, durMs = 5 * MIN) =>
  ({ number, result, timestamp: T0 - endAgoMs - durMs, duration: durMs, building: false });
const running = (number: number) => ({ number, result: null, timestamp: T0 - MIN, duration: 0, building: true });

/** Jobs as the root read with STATUS_ROOT_TREE returns them (through the client's schema). */
const jobsOf = (jobs: Array<{ name: string; color?: string; builds?: unknown[] }>): JobRef[] => RootSchema.parse({ jobs }).jobs ?? [];

describe('recentBuildsView', () => {
  test('nothing known when no job carries a builds list (not "no builds")', () => {
    assert.equal(recentBuildsView(jobsOf([{ name: 'a', color: 'blue' }, { name: 'folder' }])), undefined);
    assert.deepEqual(recentBuildsView(jobsOf([{ name: 'a', builds: [] }])), { finished: [], running: 0, cut: [] });
  });

  test('running builds are counted apart; builds missing times are skipped; lists at the bound are cut', () => {
    const full = Array.from({ length: 3 }, (_, i) => done(10 - i, 'SUCCESS', (i + 1) * HOUR));
    const v = recentBuildsView(jobsOf([
      { name: 'a', builds: [running(3), done(2, 'FAILURE', HOUR), { number: 1, result: 'SUCCESS' }] },
      { name: 'busy', builds: full },
    ]), 3);
    assert.equal(v?.running, 1);
    assert.deepEqual(v?.finished.map((b) => `${b.job}#${b.number}`), ['a#2', 'busy#10', 'busy#9', 'busy#8']);
    assert.deepEqual(v?.cut, [{ job: 'busy', oldestStartMs: full[2]!.timestamp }]);
  });
});

describe('recent builds from real answers', () => {
  const fixtures = new URL('../../../../shared/fixtures/upstream/jenkins/', import.meta.url);
  test('the build fields the tree asks for parse as Jenkins writes them (upstream build fixtures)', () => {
    for (const name of ['build_api_json.node-jenkins.json', 'build_api_json.parameterized.cdancy.json']) {
      const b = RecentBuildSchema.parse(JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')));
      const v = recentBuildsView(jobsOf([{ name: 'j', builds: [b] }]));
      assert.deepEqual(v?.finished, [{ job: 'j', number: b.number, result: 'SUCCESS', startedMs: b.timestamp, durationMs: b.duration }], name);
    }
  });
});

describe('buildsInPeriod', () => {
  const from = T0 - DAY;
  const recent = recentBuildsView(jobsOf([
    { name: 'app', builds: [running(9), done(8, 'SUCCESS', MIN), done(7, 'FAILURE', 2 * HOUR), done(6, 'SUCCESS', 3 * HOUR, 40 * MIN)] },
    { name: 'deploy', builds: [done(4, 'UNSTABLE', HOUR), done(3, 'ABORTED', 5 * HOUR)] },
    // Ends exactly at the previous digest: belongs to the previous period. Started before it, ended after: counts.
    { name: 'nightly', builds: [done(2, 'SUCCESS', DAY - HOUR, 2 * HOUR), done(1, 'FAILURE', DAY)] },
    { name: 'old', builds: [done(5, 'FAILURE', 2 * DAY)] },
  ]))!;

  test('only builds that finished in (from, to]; counts by result, failures newest first, longest, per job', () => {
    const b = buildsInPeriod(recent, from, T0);
    assert.equal(b.total, 6);
    assert.deepEqual(b.byResult, { SUCCESS: 3, FAILURE: 1, UNSTABLE: 1, ABORTED: 1 });
    assert.deepEqual(b.failed.map((f) => `${f.job}#${f.number} ${f.result}`), ['deploy#4 UNSTABLE', 'app#7 FAILURE']);
    assert.deepEqual([b.longest?.job, b.longest?.number, b.longest?.durationMs], ['nightly', 2, 2 * HOUR]);
    assert.deepEqual(b.perJob, [{ job: 'app', total: 3, failed: 1 }, { job: 'deploy', total: 2, failed: 1 }, { job: 'nightly', total: 1, failed: 0 }]);
    assert.equal(b.running, 1);
    assert.deepEqual(b.cutJobs, []);
  });

  test('a build ending exactly at "to" counts; one ending after the read does not', () => {
    assert.equal(buildsInPeriod(recent, T0 - 2 * MIN, T0 - MIN).total, 1, 'app#8 ends at T0 - 1 min');
    assert.equal(buildsInPeriod(recent, T0 - MIN, T0).total, 0, 'the same build is not counted in the next period');
  });

  test('an empty period is zero builds, not unknown', () => {
    const b = buildsInPeriod(recent, T0 - 30_000, T0);
    assert.deepEqual([b.total, b.failed, b.longest, b.perJob], [0, [], undefined, []]);
  });

  test('a job whose bounded list starts inside the period makes the counts lower bounds', () => {
    const busy = recentBuildsView(jobsOf([{ name: 'busy', builds: [done(3, 'SUCCESS', MIN), done(2, 'SUCCESS', 2 * MIN), done(1, 'SUCCESS', 3 * MIN)] }]), 3)!;
    assert.deepEqual(buildsInPeriod(busy, T0 - HOUR, T0).cutJobs, ['busy'], 'older builds may have ended in the last hour');
    // #1, the oldest listed, started at T0 - 8 min; an older build ended before it started (no concurrent builds).
    assert.deepEqual(buildsInPeriod(busy, T0 - 8 * MIN - 1, T0).cutJobs, ['busy'], 'the list starts inside the period');
    assert.deepEqual(buildsInPeriod(busy, T0 - 8 * MIN, T0).cutJobs, [], 'the list reaches back to the period start');
  });
});

/** The fake cluster, its Jenkins answering the status read with these jobs. */
function readerWith(jobs: Array<{ name: string; color?: string; builds?: unknown[] }>, o: FakeOptions = {}): ClusterReader {
  return fakeReader({ ...o, jobs });
}

const seedBuilds = [
  { name: 'build-app', color: 'blue', builds: [done(12, 'SUCCESS', HOUR), done(11, 'SUCCESS', 5 * HOUR), done(10, 'FAILURE', 9 * HOUR)] },
  { name: 'deploy', color: 'blue_anime', builds: [running(31), done(30, 'SUCCESS', 2 * HOUR, 65 * MIN), done(29, 'ABORTED', 3 * HOUR)] },
  { name: 'integration', color: 'red', builds: [done(41, 'FAILURE', 30 * MIN, 22 * MIN), done(40, 'UNSTABLE', 4 * HOUR)] },
  { name: 'nightly', color: 'notbuilt', builds: [] },
];

describe('digest with builds', () => {
  const prev: DigestRecord = { atMs: T0 - DAY, agents: ['slave1', 'slave2'], failingJobs: [], jenkinsQueue: 1 };
  const digest = async (reader: ClusterReader, baseline: DigestRecord | undefined) => {
    const s = await takeSnapshot(reader, { jenkinsLabel: 'mesos', now: () => T0 });
    const changes = diffDigest(baseline, digestRecord(s), []);
    const builds = periodBuilds(s, baseline?.atMs ?? T0 - DAY);
    if (builds) changes.builds = builds;
    const m = renderDigest(s, changes, { agentSize: { cpus: 0.2, memMb: 512 }, scheduleId: 'd0123456789' });
    assert.deepEqual(validateBlocks(m.blocks), []);
    return { s, m, text: JSON.stringify(m.blocks) };
  };

  test('the status tree asks for the builds, and the digest lists the period builds', async () => {
    const { text, m } = await digest(readerWith(seedBuilds), prev);
    assert.match(STATUS_ROOT_TREE, new RegExp(`builds\\[number,result,timestamp,duration,building\\]\\{0,${RECENT_BUILDS_PER_JOB}\\}`));
    assert.match(text, /Jenkins builds\* since the last digest: \*7 builds\* \(3 succeeded, 2 failed, 1 aborted, 1 unstable\) · 1 running now/);
    assert.match(text, /Failed: `integration` #41, `integration` #40 \(unstable\), `build-app` #10/);
    assert.match(text, /Longest: `deploy` #30, 1 h 5 min \(succeeded\)/);
    assert.match(text, /Per job: `build-app` 3 \(1 failed\), `deploy` 2, `integration` 2 \(2 failed\)/);
    assertGolden('digests/builds', m);
  });

  test('first digest: builds of the last 24 h', async () => {
    const { text } = await digest(readerWith(seedBuilds), undefined);
    assert.match(text, /Jenkins builds\* in the last 24 h: \*7 builds\*/);
  });

  test('Jenkins unreadable now: nothing said about builds (never "0 builds")', async () => {
    const { s, text } = await digest(readerWith(seedBuilds, { fail: { jenkins: new Error('down') } }), prev);
    assert.equal(s.jenkins.ok, false);
    assert.equal(periodBuilds(s, T0 - DAY), undefined);
    assert.doesNotMatch(text, /Jenkins builds|none finished/);
  });

  test('build lists not in the answer: nothing said; an idle period: "none finished"', async () => {
    assert.doesNotMatch((await digest(fakeReader(), prev)).text, /Jenkins builds/);
    const idle = await digest(readerWith([{ name: 'a', color: 'blue', builds: [done(1, 'SUCCESS', 2 * DAY)] }]), prev);
    assert.match(idle.text, /Jenkins builds\* since the last digest: none finished"/);
  });
});

describe('buildsText limits', () => {
  test('many jobs: failures trimmed, no per-job list, cut lists flagged as "at least"', () => {
    const jobs = Array.from({ length: 30 }, (_, i) => ({
      name: `job-${String(i).padStart(2, '0')}`,
      builds: Array.from({ length: 3 }, (_, k) => done(3 - k, 'FAILURE', (i * 3 + k + 1) * MIN)),
    }));
    const b = buildsInPeriod(recentBuildsView(jobsOf(jobs), 3)!, T0 - DAY, T0);
    const text = buildsText(b, false);
    assert.match(text, /\*at least 90 builds\* \(90 failed\)/);
    assert.match(text, /Failed: `job-00` #3, `job-00` #2, `job-00` #1, `job-01` #3.* and 80 more/);
    assert.doesNotMatch(text, /Per job/);
    assert.match(text, new RegExp(`Lower bounds: only each job's newest ${RECENT_BUILDS_PER_JOB} builds are read, and \`job-00\`.* and 25 more ran more`));
    assert.ok(text.length < 3000);
  });
});

describe('digest handler: the period is the previous digest of the schedule', () => {
  test('builds that ended before the previous slot are not counted again; Jenkins down: no builds line', async () => {
    const clock = { t: T0 - 6 * HOUR };
    const jobs: Array<{ name: string; color?: string; builds?: unknown[] }> = [{ name: 'app', builds: [done(1, 'FAILURE', 7 * HOUR)] }];
    const fail: FakeOptions = {};
    const puts: OutboxEntry[] = [];
    const handler = createDigestHandler({
      snapshot: () => takeSnapshot(readerWith(jobs, fail), { jenkinsLabel: 'mesos', now: () => clock.t }),
      store: new MemoryDigestStore(), outbox: { put: async (e) => void puts.push(e) },
      slotKey: (id, slot) => `${id}:${slot}`, agentSize: { cpus: 0.2, memMb: 512 },
    });
    const ctx: TaskContext = {
      jobId: 'j', attempt: 1, signal: new AbortController().signal, log: () => undefined,
      progress: { plan: async () => undefined, step: async () => undefined, output: () => undefined },
    };
    const run = async (slotMs: number) => {
      clock.t = slotMs;
      await handler({ requester: { userId: 'U1', channelId: 'C1' }, schedulerId: 'd1', slotMs }, ctx);
      return JSON.stringify(puts.at(-1)?.message.blocks);
    };
    assert.match(await run(T0 - 6 * HOUR), /Jenkins builds\* in the last 24 h: \*1 build\* \(1 failed\)/);
    jobs[0]!.builds = [done(3, 'SUCCESS', MIN), done(2, 'SUCCESS', 2 * HOUR), done(1, 'FAILURE', 7 * HOUR)];
    assert.match(await run(T0), /Jenkins builds\* since the last digest: \*2 builds\* \(2 succeeded\)/);
    fail.fail = { jenkins: new Error('down') };
    assert.doesNotMatch(await run(T0 + HOUR), /Jenkins builds/);
  });
});
