/** Marathon's real event payloads (shared/fixtures/upstream/marathon/events) → the tracker's signals. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../support/fixtures-dir.ts';
import { resyncSignals, signalOf, type MarathonEventView } from '../../../src/cluster/failover/from-marathon.ts';

const event = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'marathon/events', name), 'utf8')) as MarathonEventView;

describe('Marathon events → incident signals', () => {
  test('status_update_event TASK_FAILED: the task, its state, host, agent and message; other apps ignored', () => {
    const e = event('status_update_event.TASK_FAILED.raml-events-txt.json');
    assert.deepEqual(signalOf(e, 'foo'), {
      kind: 'task', taskId: 'foo.0664256e-6771-11e5-94e1-be5b2935a987', state: 'TASK_FAILED', atMs: Date.parse('2015-09-30T12:44:45.681Z'),
      host: 'srv5.hw.ca1.mesosphere.com', agentId: '20150707-153709-218108076-5050-25588-S6', message: e.message,
    });
    assert.equal(signalOf(e, '/jenkins'), undefined);
  });

  test('both health events become health signals for the instance', () => {
    assert.deepEqual(signalOf(event('health_status_changed_event.event-bus-doc.json'), '/my-app'), {
      kind: 'health', instanceId: 'my-app.instance-c7c311a4-b669-11e6-a48f-0ea4f4b1778c', healthy: true, atMs: Date.parse('2014-03-01T23:29:30.158Z'),
    });
    assert.equal(signalOf(event('instance_health_changed_event.event-bus-doc.json'), '/app-id')?.kind, 'health');
  });

  test('deployments: a scale is not a planned restart; a RestartApplication step is (≥1.8 nested actions too)', () => {
    const scale = signalOf(event('deployment_info.event-bus-doc.json'), '/my-app');
    assert.deepEqual(scale && scale.kind === 'deployment' && [scale.phase, scale.replacesTasks], ['started', false]);
    const restart = signalOf({
      eventType: 'deployment_info', timestamp: '2026-12-01T12:00:00.000Z',
      plan: { id: 'd-1', steps: [{ actions: [{ action: 'RestartApplication', app: '/jenkins' }] }] },
    }, 'jenkins');
    assert.deepEqual(restart, { kind: 'deployment', deploymentId: 'd-1', phase: 'started', replacesTasks: true, atMs: Date.parse('2026-12-01T12:00:00.000Z') });
    assert.equal(signalOf(event('deployment_success.event-bus-doc.json'), 'x')?.kind, 'deployment');
  });

  test('a resync dates each task by its start and reads health from healthCheckResults', () => {
    const now = Date.parse('2026-12-01T12:10:00Z');
    const [a, b] = resyncSignals([
      { id: 'jenkins.instance-1._app.2', state: 'TASK_RUNNING', host: 'slave2', startedAt: '2026-12-01T12:03:54.000Z', healthCheckResults: [{ alive: true }] },
      { id: 'jenkins.instance-2._app.1', state: 'TASK_RUNNING', host: 'slave1', healthCheckResults: [] },
    ], now);
    assert.equal(a?.atMs, Date.parse('2026-12-01T12:03:54.000Z'));
    assert.equal(a?.healthy, true);
    assert.equal(b?.atMs, now);
    assert.equal(b?.healthy, null, 'no results yet: health unknown, not healthy');
  });
});
