/** The failover messages, as Slack gets them (golden files in test/golden/failover/). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGolden } from '../../support/golden.ts';
import { renderAgentChange, renderFailureBurst, renderIncident, renderTimeline } from '../../../src/features/failover/render.ts';
import type { Incident } from '../../../src/cluster/failover/jenkins-incidents.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 3, 7);
const open: Incident = {
  id: 'incident:jenkins.instance-0b0a5f3e._app.1', state: 'open', planned: false, downCount: 1, firstDownAtMs: T0, lastDownAtMs: T0,
  downHost: 'slave1', cause: 'TASK_FAILED: Container exited with status 137', downTaskId: 'jenkins.instance-0b0a5f3e._app.1', downtimeMs: 0,
  timeline: [{ atMs: T0, text: 'Jenkins down on slave1: TASK_FAILED: Container exited with status 137' }],
};
const moved: Incident = { ...open, state: 'resolved', backHost: 'slave2', backTaskId: 'jenkins.instance-0b0a5f3e._app.2', resolvedAtMs: T0 + 47_000, downtimeMs: 47_000 };
const hostPath = { kind: 'host-path', hostPath: '/srv/jenkins_home', safe: false } as const;
const lost = { kind: 'lost', hostname: 'slave2', key: 'agent-slave2-2', totals: { agents: 1, of: 2, cpus: 2, memMb: 3789 } } as const;

describe('failover messages', () => {
  test('down, then back on another host with the data check', () => {
    assertGolden('failover/incident-open', renderIncident({ incident: open, storage: hostPath }));
    const back = renderIncident({ incident: moved, storage: hostPath, data: { cameAlong: false, text: 'JENKINS_HOME did NOT come along: 0 of 37 jobs — it is a host path on slave1' } });
    assertGolden('failover/incident-moved', back);
    assert.equal(back.text, 'Jenkins back on slave2 after 47 s (moved from slave1)');
  });

  test('restarted in place, planned, flapping, pinned storage; the timeline; agent alerts', () => {
    const inPlace = { ...moved, backHost: 'slave1', resolvedAtMs: T0 + 12_000, downtimeMs: 12_000 };
    assertGolden('failover/incident-in-place', renderIncident({ incident: inPlace, storage: { kind: 'host-path-pinned', hostPath: '/srv/jenkins_home', pinnedTo: 'slave1', safe: true }, data: { cameAlong: true, text: 'JENKINS_HOME came along: 37 of 37 jobs' } }));
    assertGolden('failover/incident-flapping', renderIncident({ incident: { ...open, downCount: 3, lastDownAtMs: T0 + 200_000, downtimeMs: 25_000 }, storage: hostPath, agentLost: lost }));
    assertGolden('failover/incident-planned', renderIncident({ incident: { ...open, planned: true, cause: 'TASK_KILLED' }, storage: { kind: 'external', safe: true } }));
    assertGolden('failover/timeline', renderTimeline(moved));
    assertGolden('failover/agent-lost', renderAgentChange(lost));
    assert.equal(renderAgentChange(lost).text, 'agent slave2 lost — 1 of 2 agents left, 2 cpus / 3.7 GB');
    const apps = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`/app${i}`, i < 100 ? 6 : 4]));
    const storm = renderFailureBurst({ key: 'tasks:1', startedAtMs: T0, lastAtMs: T0 + 5000, count: 1000, apps, over: true });
    assertGolden('failover/task-failure-burst', storm);
    assert.match(storm.text, /^1,000 task failures in 5 s over 200 apps — top: .*, and 195 more · burst over$/);
  });
});
