/**
 * The Jenkins incident state machine under the sequences real Marathon 1.8–1.10 emits, per scenario of
 * shared/reference/MARATHON-FAILOVER.md (each test names the section and the upstream test or source it follows).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JenkinsIncidentTracker, type HealthMode, type Transition } from '../../../src/cluster/failover/jenkins-incidents.ts';
import type { JenkinsSignal, TaskStatusSignal } from '../../../src/cluster/failover/signals.ts';

const INSTANCE = 'jenkins.instance-0b0a5f3e-8d1c-11ee-b9d1-0242ac120002';
const OTHER = 'jenkins.instance-7c6e2a10-8d1c-11ee-b9d1-0242ac120002';
const T0 = Date.UTC(2026, 11, 1, 12, 3, 7);
const task = (n: number, state: string, host: string, atS: number, extra: Partial<TaskStatusSignal> = {}, instance = INSTANCE): TaskStatusSignal => ({
  kind: 'task', taskId: `${instance}._app.${n}`, state, host, atMs: T0 + atS * 1000, ...extra,
});

function run(health: HealthMode, signals: JenkinsSignal[], tracker = new JenkinsIncidentTracker({ health })): Transition[] {
  return signals.flatMap((s) => tracker.apply(s));
}

describe('Jenkins incidents under the real Marathon sequences', () => {
  test('S1 (src/docker/executor.cpp _reaped; Task.scala nextIncarnationFor): killed container → same instance, incarnation 2, same host → "restarted in place"', () => {
    const out = run('none', [
      task(1, 'TASK_RUNNING', 'slave1', -60),
      task(1, 'TASK_FAILED', 'slave1', 0, { message: 'Container exited with status 137' }),
      task(2, 'TASK_STARTING', 'slave1', 4),
      task(2, 'TASK_RUNNING', 'slave1', 12),
    ]);
    assert.deepEqual(out.map((t) => t.type), ['opened', 'resolved']);
    const [opened, resolved] = out.map((t) => t.incident);
    assert.equal(opened?.cause, 'TASK_FAILED: Container exited with status 137');
    assert.equal(opened?.downHost, 'slave1');
    assert.equal(resolved?.backHost, 'slave1');
    assert.equal(resolved?.downtimeMs, 12_000);
    assert.equal(resolved?.id, opened?.id, 'resolved in the same incident (one message, updated in place)');
  });

  test('S1: the relaunch lands on another agent (no same-host preference) → moved', () => {
    const out = run('none', [task(1, 'TASK_RUNNING', 'slave1', -60), task(1, 'TASK_FAILED', 'slave1', 0), task(2, 'TASK_RUNNING', 'slave2', 47)]);
    assert.equal(out.at(-1)?.incident.backHost, 'slave2');
    assert.equal(out.at(-1)?.incident.downHost, 'slave1');
    assert.equal(out.at(-1)?.incident.downtimeMs, 47_000);
  });

  test('S3 (health_check_tests.cpp ConsecutiveFailures; Task.scala updatedHealthOrState): MESOS_HTTP — back only on the TASK_RUNNING with healthy=true, once', () => {
    const out = run('mesos', [
      task(1, 'TASK_RUNNING', 'slave1', -60, { healthy: true }),
      task(1, 'TASK_RUNNING', 'slave1', -10, { healthy: false }),
      task(1, 'TASK_KILLED', 'slave1', 0, { healthy: false }),
      task(2, 'TASK_STARTING', 'slave2', 3),
      task(2, 'TASK_RUNNING', 'slave2', 5),
      task(2, 'TASK_RUNNING', 'slave2', 30, { healthy: true }),
      task(2, 'TASK_RUNNING', 'slave2', 31, { healthy: true }),
    ]);
    assert.deepEqual(out.map((t) => t.type), ['opened', 'resolved']);
    assert.equal(out[0]?.incident.cause, 'TASK_KILLED');
    assert.equal(out[1]?.incident.downtimeMs, 30_000, 'the healthy update, not the first TASK_RUNNING');
  });

  test('S2 (IT:HealthCheckIntegrationTest "kill instance with failing Marathon health checks"): the cause is the health kill', () => {
    const tracker = new JenkinsIncidentTracker({ health: 'marathon', maxConsecutiveFailures: 3 });
    const out = run('marathon', [
      task(1, 'TASK_RUNNING', 'slave1', -120),
      { kind: 'health', instanceId: INSTANCE, healthy: true, atMs: T0 - 100_000 },
      { kind: 'health', instanceId: INSTANCE, healthy: false, atMs: T0 - 4000 },
      { kind: 'health-kill', taskId: `${INSTANCE}._app.1`, host: 'slave1', atMs: T0 - 10 },
      task(1, 'TASK_KILLED', 'slave1', 0),
      task(2, 'TASK_RUNNING', 'slave1', 20),
      { kind: 'health', instanceId: INSTANCE, healthy: true, atMs: T0 + 40_000 },
    ], tracker);
    assert.deepEqual(out.map((t) => t.type), ['opened', 'resolved']);
    assert.equal(out[0]?.incident.cause, 'killed by Marathon: health check failed 3 times');
    assert.equal(out[1]?.incident.downtimeMs, 40_000, 'back when Marathon says healthy, not at TASK_RUNNING');
  });

  test('S4 default {0,0} (InstanceUpdaterTest "expunge threshold"; partition_tests.cpp): agent lost → new instance elsewhere; the agent coming back changes nothing', () => {
    const out = run('none', [
      task(1, 'TASK_RUNNING', 'slave1', -600),
      task(1, 'TASK_UNREACHABLE', 'slave1', 0, { message: 'health check timed out' }),
      task(1, 'TASK_RUNNING', 'slave2', 9, {}, OTHER),
      task(1, 'TASK_RUNNING', 'slave1', 300),
      task(1, 'TASK_KILLED', 'slave1', 301),
    ]);
    assert.deepEqual(out.map((t) => t.type), ['opened', 'resolved']);
    assert.equal(out[0]?.incident.cause, 'agent slave1 unreachable');
    assert.equal(out[1]?.incident.backHost, 'slave2');
  });

  test('S5 restart (TaskReplaceActor.scala): a restart deployment is planned, not an outage', () => {
    const out = run('none', [
      task(1, 'TASK_RUNNING', 'slave1', -600),
      { kind: 'deployment', deploymentId: 'd1', phase: 'started', replacesTasks: true, atMs: T0 - 1000 },
      task(1, 'TASK_KILLED', 'slave1', 0),
      task(1, 'TASK_RUNNING', 'slave2', 25, {}, OTHER),
      { kind: 'deployment', deploymentId: 'd1', phase: 'succeeded', replacesTasks: true, atMs: T0 + 26_000 },
    ]);
    assert.deepEqual(out.map((t) => [t.type, t.incident.planned]), [['opened', true], ['resolved', true]]);
  });

  test('S5 restart with minimumHealthCapacity 1: the new task is up before the old is killed → no incident at all', () => {
    const out = run('none', [
      task(1, 'TASK_RUNNING', 'slave1', -600),
      task(1, 'TASK_RUNNING', 'slave2', -5, {}, OTHER),
      task(1, 'TASK_KILLED', 'slave1', 0),
    ]);
    assert.deepEqual(out, []);
  });

  test('flapping: three restarts within 10 minutes are one incident with a count', () => {
    const out = run('none', [
      task(1, 'TASK_RUNNING', 'slave1', -600),
      task(1, 'TASK_FAILED', 'slave1', 0), task(2, 'TASK_RUNNING', 'slave1', 10),
      task(2, 'TASK_FAILED', 'slave1', 100), task(3, 'TASK_RUNNING', 'slave2', 115),
      task(3, 'TASK_FAILED', 'slave2', 200), task(4, 'TASK_RUNNING', 'slave1', 230),
    ]);
    assert.deepEqual(out.map((t) => t.type), ['opened', 'resolved', 'down-again', 'resolved', 'down-again', 'resolved']);
    assert.equal(new Set(out.map((t) => t.incident.id)).size, 1);
    const last = out.at(-1)?.incident;
    assert.equal(last?.downCount, 3);
    assert.equal(last?.downtimeMs, 10_000 + 15_000 + 30_000);
  });

  test('a failure after the flap window opens a new incident', () => {
    const out = run('none', [
      task(1, 'TASK_RUNNING', 'slave1', -600), task(1, 'TASK_FAILED', 'slave1', 0), task(2, 'TASK_RUNNING', 'slave1', 10),
      task(2, 'TASK_FAILED', 'slave1', 11 * 60), task(3, 'TASK_RUNNING', 'slave1', 11 * 60 + 10),
    ]);
    assert.equal(new Set(out.map((t) => t.incident.id)).size, 2);
  });

  test('R14: duplicate and out-of-order events change nothing (one incident per transition)', () => {
    const out = run('none', [
      task(1, 'TASK_RUNNING', 'slave1', -60),
      task(1, 'TASK_FAILED', 'slave1', 0),
      task(1, 'TASK_FAILED', 'slave1', 0),
      task(1, 'TASK_RUNNING', 'slave1', -60), // stale: older than what is known
      task(2, 'TASK_RUNNING', 'slave2', 20),
      task(2, 'TASK_RUNNING', 'slave2', 20),
      task(1, 'TASK_FAILED', 'slave1', 1), // an older incarnation after the relaunch
      task(1, 'TASK_RUNNING', 'slave1', 21), // a late update of the replaced incarnation must not count as a live Jenkins
      task(2, 'TASK_FAILED', 'slave2', 600),
    ]);
    assert.deepEqual(out.map((t) => t.type), ['opened', 'resolved', 'down-again']);
  });

  test('R13: a move during a stream gap is found by the resync, with the cause from lastTaskFailure', () => {
    const tracker = new JenkinsIncidentTracker({ health: 'none' });
    tracker.reconcile([task(1, 'TASK_RUNNING', 'slave1', -600)], T0 - 600_000);
    const gap = tracker.reconcile([task(1, 'TASK_RUNNING', 'slave2', 40, {}, OTHER)], T0 + 60_000, {
      taskId: `${INSTANCE}._app.1`, state: 'TASK_LOST', message: 'agent removed',
    });
    assert.deepEqual(gap.map((t) => t.type), ['opened', 'resolved']);
    assert.equal(gap[0]?.incident.cause, 'TASK_LOST: agent removed');
    assert.equal(gap[1]?.incident.backHost, 'slave2');
    assert.deepEqual(tracker.reconcile([task(1, 'TASK_RUNNING', 'slave2', 40, {}, OTHER)], T0 + 120_000), [], 'a second resync repeats nothing');
  });

  test('the state survives a hand-over: another tracker built from it resolves the open incident once', () => {
    const first = new JenkinsIncidentTracker({ health: 'none' });
    run('none', [task(1, 'TASK_RUNNING', 'slave1', -60), task(1, 'TASK_FAILED', 'slave1', 0)], first);
    const second = new JenkinsIncidentTracker({ health: 'none' }, JSON.parse(JSON.stringify(first.state())));
    const out = run('none', [task(2, 'TASK_RUNNING', 'slave2', 30), task(2, 'TASK_RUNNING', 'slave2', 30)], second);
    assert.deepEqual(out.map((t) => [t.type, t.incident.backHost]), [['resolved', 'slave2']]);
  });
});
