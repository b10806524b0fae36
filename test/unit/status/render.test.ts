/** Golden files for /ci status, /ci agents and /ci jenkins; every message within Block Kit limits. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../../src/core/errors.ts';
import { takeSnapshot } from '../../../src/cluster/snapshot.ts';
import { renderStatus } from '../../../src/chat/render/status.ts';
import { renderAgents } from '../../../src/chat/render/agents.ts';
import { renderJenkins } from '../../../src/chat/render/jenkins.ts';
import { count } from '../../../src/chat/render/status-format.ts';
import { isTimeZone } from '../../../src/chat/validators.ts';
import { clock } from '../../../src/features/failover/render.ts';
import type { RenderedMessage } from '../../../src/core/types.ts';
import { validateBlocks } from '../../../src/playground/slack-emulator/block-limits.ts';
import { assertGolden } from '../../support/golden.ts';
import { fakeReader, generatedAgents, T0, type FakeOptions } from './fake-cluster.ts';

const size = { cpus: 0.2, memMb: 512 };
const snap = (o: FakeOptions = {}) => takeSnapshot(fakeReader(o), { jenkinsLabel: 'mesos', now: () => T0 });

function valid(m: RenderedMessage): RenderedMessage {
  assert.deepEqual(validateBlocks(m.blocks), [], 'within Block Kit limits');
  assert.ok(m.blocks && m.blocks.length <= 50);
  assert.ok(m.text.length > 0 && m.text.length < 3000);
  return m;
}
const textOf = (m: RenderedMessage) => JSON.stringify(m.blocks);

const partial: FakeOptions = {
  fail: {
    jenkins: 'hang',
    marathon: new UpstreamError('marathon', 'GET /v2/apps/jenkins', { failure: 'refused' }),
    slaves: new UpstreamError('mesos', 'GET /master/slaves', { failure: 'bad_answer', detail: 'unexpected answer at slaves.0.id: expected string' }),
    zookeeper: new UpstreamError('zookeeper', 'srvr', { failure: 'timeout' }),
  },
  timeoutMs: 200,
};

describe('status rendering', () => {
  test('healthy seed cluster', async () => {
    const s = await snap();
    const status = valid(renderStatus(s, { agentSize: size }));
    assert.match(textOf(status), /2 active\*, 0 inactive/);
    assert.match(textOf(status), /room for \*8 more build agents\* \(0.2 cpu \/ 512 MB each\) on 2 hosts/, "slave1: min(3 by cpu, 2 by memory) + slave2: min(9, 6)");
    assert.match(textOf(status), /busiest `slave1` 70%, idlest `slave2` 14%/);
    assert.match(textOf(status), /on `slave1`: healthy, up 3 h 5 min/);
    assertGolden('status/seed-status', status);
    assertGolden('status/seed-agents', valid(renderAgents(s)));
    assertGolden('status/seed-jenkins', valid(renderJenkins(s)));
  });

  test('partial failure: each unreadable part says why, the rest still shows', async () => {
    const s = await snap(partial);
    const status = valid(renderStatus(s, { agentSize: size }));
    const t = textOf(status);
    assert.match(t, /\*Jenkins\*: no answer in 0.2 s/);
    assert.match(t, /Jenkins app \(Marathon\)\*: connection refused/);
    assert.match(t, /Capacity and balance\*: bad answer: unexpected answer at slaves.0.id/);
    assert.match(t, /ZooKeeper master:2181\*: no answer in 0.2 s/);
    assert.match(t, /2 active\*/, 'Mesos totals still shown');
    assertGolden('status/partial-status', status);
    assertGolden('status/partial-agents', valid(renderAgents(s)));
    assertGolden('status/partial-jenkins', valid(renderJenkins(s)));
  });

  test('empty cluster', async () => {
    const s = await snap({ agents: [], queue: 0, failingJobs: [] });
    const status = valid(renderStatus(s, { agentSize: size }));
    assert.match(textOf(status), /no active agents/);
    assertGolden('status/empty-status', status);
    assertGolden('status/empty-agents', valid(renderAgents(s)));
  });

  test('huge cluster: 10,000 agents render as top N and "and K more", within limits', async () => {
    const s = await snap({ agents: generatedAgents(10_000), queue: 250, failingJobs: Array.from({ length: 40 }, (_, i) => `job-${i}`) });
    const status = valid(renderStatus(s, { agentSize: size }));
    const agents = valid(renderAgents(s));
    assert.match(textOf(agents), /…and 9,900 more \(\d+ of them inactive\)/);
    assert.match(textOf(agents), /INACTIVE/, 'inactive agents come first');
    const jenkins = valid(renderJenkins(s));
    assert.match(textOf(jenkins), /and 30 more/);
    assertGolden('status/huge-status', status);
    assertGolden('status/huge-agents', agents);
    assertGolden('status/huge-jenkins', jenkins);
  });

  test('numbers are grouped, and UTC is taken as a time zone, without Intl (its first use maps ~6 MB of ICU data into the bot: TARGETS.md P5)', async (t) => {
    const s = await snap({ agents: generatedAgents(10_000), queue: 250 });
    const used: string[] = [];
    t.mock.method(Number.prototype, 'toLocaleString', function (this: number) { used.push('Number#toLocaleString'); return String(this); });
    t.mock.method(Intl, 'NumberFormat', function () { used.push('Intl.NumberFormat'); throw new Error('Intl used'); });
    t.mock.method(Intl, 'DateTimeFormat', function () { used.push('Intl.DateTimeFormat'); throw new Error('Intl used'); });
    const text = textOf(renderStatus(s, { agentSize: size })) + textOf(renderAgents(s)) + textOf(renderJenkins(s));
    assert.equal(isTimeZone('UTC'), true);
    assert.equal(clock(Date.UTC(2026, 0, 1, 0, 3, 7)), '00:03:07');
    t.mock.restoreAll();
    assert.deepEqual(used, []);
    assert.match(text, /9,900 more/);
    assert.equal(count(1_234_567.5), '1,234,567.5');
    for (const n of [0, 7, 999, 1000, -1234, 12_345_678_901, 0.1234, 2.5]) assert.equal(count(n), n.toLocaleString('en-US'), String(n));
    assert.equal(clock(Date.UTC(2026, 0, 1, 23, 59, 1)), clock(Date.UTC(2026, 0, 1, 23, 59, 1), 'Etc/UTC'), 'the same as Intl says');
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });

  test('one agent, and a host name with markup is escaped', async () => {
    const s = await snap({ agents: [{ hostname: 'a<b>&c', cpus: 1, cpusUsed: 0, memMb: 1024, memUsedMb: 0 }] });
    const status = valid(renderStatus(s, { agentSize: size }));
    assert.match(textOf(status), /one active agent, `a&lt;b&gt;&amp;c`/);
    valid(renderAgents(s));
  });
});
