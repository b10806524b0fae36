/**
 * Health checks as real Marathon and Mesos run them (MARATHON-FAILOVER.md S2 and S3): Marathon-level HTTP/TCP
 * probes versus MESOS_HTTP checks run by the executor.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { eventsOf, story } from '../../support/simulator-story.ts';

let s: RunningSimulator | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

/** The setup of IT:HealthCheckIntegrationTest: grace 3 s, interval 1 s, maxConsecutiveFailures 3. */
function checked(protocol: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '/hc', cpus: 0.1, mem: 16,
    healthChecks: [{ protocol, path: '/health', portIndex: 0, gracePeriodSeconds: 3, intervalSeconds: 1, maxConsecutiveFailures: 3, delaySeconds: 3, ...extra }],
  };
}

async function healthyApp(def: Record<string, unknown>) {
  s = await startSimulator({ timeScale: 50, deployJenkins: false });
  const sim = s.sim;
  sim.deployments.createApp(def);
  const task = await waitFor(() => sim.marathon.tasksOf('/hc').find((t) => t.health?.alive), { what: 'hc healthy' });
  return { sim, task };
}

// IT:HealthCheckIntegrationTest "kill instance with failing Marathon health checks"; UT:core/health/impl/HealthCheckActorTest
// "task should be killed if health check fails" (count before the failure ≥ max → kill, i.e. the (max+1)-th failure).
test('Marathon HTTP check: failed_health_check_event per failure, alive:false, unhealthy_instance_kill_event on the 4th, TASK_KILLED, same instance N+1', async () => {
  const { sim, task } = await healthyApp(checked('HTTP'));
  const from = sim.bus.log.length;
  sim.failHealth(task.id);
  await waitFor(() => sim.marathon.tasksOf('/hc').some((t) => t.id !== task.id && t.state === 'TASK_RUNNING'), { what: 'replacement running' });
  const got = story(sim.bus.log, from);
  assert.deepEqual(got.slice(0, 8), [
    'failed_check', 'alive:false', 'failed_check', 'failed_check', 'failed_check', 'unhealthy_kill', 'status:TASK_KILLED@slave1', 'instance:Killed@slave1',
  ]);
  assert.equal(got.some((e) => e.startsWith('health:')), false, 'no instance_health_changed_event for Marathon-level checks');
  const kill = eventsOf(sim.bus.log, 'unhealthy_instance_kill_event', from)[0]!;
  assert.equal(kill.taskId, task.id);
  assert.equal(kill.instanceId, task.instanceId);
  const failed = eventsOf(sim.bus.log, 'failed_health_check_event', from)[0]!;
  assert.equal(failed.taskId, task.instanceId, 'the quirk: taskId holds the instance id');
  const [next] = sim.marathon.tasksOf('/hc');
  assert.equal(next!.id, `${task.instanceId}._app.2`, 'exactly one task, with a different id: the next incarnation');
  // UT:core/history/impl/HistoryActorTest "Store UnhealthyTaskKilled".
  const ltf = sim.state.apps.get('/hc')?.lastTaskFailure;
  assert.equal(ltf?.state, 'TASK_KILLED');
  assert.match(String(ltf?.message), /^Task was killed since health check failed\. Reason: /);
});

// tests/system/marathon_common_tests.py test_failing_health_check_results_in_unhealthy_app: maxConsecutiveFailures 0 never kills.
test('Marathon TCP check with maxConsecutiveFailures 0: never killed; tasksRunning 1, tasksHealthy 0, tasksUnhealthy 1', async () => {
  const { sim, task } = await healthyApp(checked('TCP', { maxConsecutiveFailures: 0 }));
  const from = sim.bus.log.length;
  sim.failHealth(task.id);
  await waitFor(() => eventsOf(sim.bus.log, 'failed_health_check_event', from).length >= 6, { what: 'six failures' });
  assert.equal(eventsOf(sim.bus.log, 'unhealthy_instance_kill_event', from).length, 0);
  const app = (await (await fetch(`${s!.urls.marathon}/v2/apps/hc`)).json()) as { app: Record<string, number> };
  assert.deepEqual([app.app.tasksRunning, app.app.tasksHealthy, app.app.tasksUnhealthy], [1, 0, 1]);
});

// IT:AppDeployIntegrationTest "an unhealthy app fails to deploy": failures outside the grace period are published, no deployment_success.
test('a check that never passes: failures after the grace period only, and the deployment never succeeds', async () => {
  s = await startSimulator({ timeScale: 50, deployJenkins: false });
  const sim = s.sim;
  const from = sim.bus.log.length;
  sim.marathon.onTaskChange((t) => void (t.appId === '/hc' && (t.failHealth = true))); // every incarnation fails
  sim.deployments.createApp(checked('HTTP', { gracePeriodSeconds: 5 }));
  await waitFor(() => eventsOf(sim.bus.log, 'failed_health_check_event', from).length >= 10, { what: '≥ 10 failed checks', deadlineMs: 8000 });
  assert.equal(eventsOf(sim.bus.log, 'deployment_success', from).length, 0);
  // maxConsecutiveFailures 3: killed and relaunched, never healthy.
  assert.ok(eventsOf(sim.bus.log, 'unhealthy_instance_kill_event', from).length >= 1);
});

// IT:HealthCheckIntegrationTest "kill instance with failing Mesos health checks"; src/tests/health_check_tests.cpp
// HealthCheckTest.ConsecutiveFailures; SRC:core/task/Task.scala#updatedHealthOrState, Instance.computeHealth.
test('MESOS_HTTP check: TASK_RUNNING healthy=false + instance_health_changed_event, no kill event, TASK_KILLED from the executor, healthy null', async () => {
  const { sim, task } = await healthyApp(checked('MESOS_HTTP'));
  const from = sim.bus.log.length;
  sim.failHealth(task.id);
  await waitFor(() => sim.marathon.tasksOf('/hc').some((t) => t.id !== task.id && t.state === 'TASK_RUNNING'), { what: 'replacement running' });
  const got = story(sim.bus.log, from);
  const upToKill = got.slice(0, got.indexOf('instance:Killed@slave1') + 2);
  assert.deepEqual(upToKill, [
    'status:TASK_RUNNING@slave1', // healthy=false: the first unhealthy update
    'health:false',
    'failed_check', // forwarded to Marathon's health actor (MarathonHealthCheckManager.update)
    'alive:false',
    'failed_check', // identical unhealthy updates: no more status or instance events
    'failed_check',
    'status:TASK_KILLED@slave1', // the executor kills on the 3rd consecutive failure
    'instance:Killed@slave1',
    'health:null',
  ]);
  assert.equal(eventsOf(sim.bus.log, 'unhealthy_instance_kill_event', from).length, 0, 'Mesos kills before Marathon would');
  assert.equal(sim.state.apps.get('/hc')?.lastTaskFailure, undefined, 'TASK_KILLED is not a task failure');
  assert.equal(sim.marathon.tasksOf('/hc')[0]!.id, `${task.instanceId}._app.2`);
});
