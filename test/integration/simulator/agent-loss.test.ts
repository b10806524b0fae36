/**
 * Agent loss, partition, return, reboot and MARK_AGENT_GONE, and a Mesos master failover, as Mesos 1.10 and
 * Marathon 1.8–1.10 handle them (MARATHON-FAILOVER.md S4). Ping timeout 15 s × 5 = 75 s runs under the time scale.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { MesosClient } from '../../../src/clients/mesos/client.ts';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { eventsOf, story } from '../../support/simulator-story.ts';

let s: RunningSimulator | undefined;
let mesos: MesosClient | undefined;
afterEach(async () => {
  await mesos?.close();
  await s?.stop();
  s = mesos = undefined;
});

async function seed(timeScale = 500) {
  s = await startSimulator({ timeScale });
  mesos = new MesosClient({ masters: [s.urls.mesos] });
  const sim = s.sim;
  await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.health?.alive), { what: 'jenkins healthy' });
  return sim;
}

// Mesos src/tests/partition_tests.cpp PartitionTest.PartitionedSlave (+ ReregisterSlavePartitionAware);
// Marathon UT:core/instance/update/InstanceUpdaterTest "…expunge threshold is reached" (default strategy {0,0}).
test('partition: active:true until the ping timeout, then TASK_UNREACHABLE (REASON_SLAVE_REMOVED), expunged, a NEW instance replaces it', async () => {
  const sim = await seed(50); // 75 s → 1.5 s real: a busy machine still reads /master/slaves before pings time out
  const [old] = sim.marathon.tasksOf('/jenkins');
  const from = sim.bus.log.length;
  sim.partitionAgent('slave1');
  const before = await mesos!.slaves();
  assert.equal(before.slaves.find((a) => a.hostname === 'slave1')?.active, true, 'a partitioned agent looks active until pings time out');
  await waitFor(() => story(sim.bus.log, from).includes('health:true'), { what: 'replacement healthy' });
  const got = story(sim.bus.log, from);
  assert.deepEqual(got.slice(0, 3), ['status:TASK_UNREACHABLE@slave1', 'instance:UnreachableInactive@slave1', 'instance:Scheduled@null']);
  assert.ok(got.includes('instance:Provisioned@slave2'));
  const unreachable = eventsOf(sim.bus.log, 'status_update_event', from)[0]!;
  assert.equal(unreachable.taskId, old!.id);
  assert.equal(unreachable.message, 'health check timed out');
  const [replacement] = sim.marathon.tasksOf('/jenkins');
  assert.notEqual(replacement!.instanceId, old!.instanceId, 'a new instance, not the next incarnation');
  assert.ok(replacement!.id.endsWith('._app.1'));
  assert.equal(sim.state.apps.get('/jenkins')?.lastTaskFailure, undefined, 'UNREACHABLE is no task failure');
  const m = await mesos!.metricsSnapshot();
  assert.deepEqual(
    ['master/slaves_unreachable', 'master/tasks_unreachable', 'master/tasks_lost', 'master/slave_removals/reason_unhealthy'].map((k) => m[k]),
    [1, 1, 0, 1],
  );
  const after = await mesos!.slaves();
  assert.deepEqual(after.slaves.map((a) => a.hostname), ['slave2'], 'an unreachable agent is in neither slaves nor recovered_slaves');
  const marathonFw = (await mesos!.frameworks()).frameworks.find((f) => f.name === 'marathon');
  assert.deepEqual(marathonFw?.unreachable_tasks?.map((t) => [t.id, t.state]), [[old!.id, 'TASK_UNREACHABLE']]);
  // The agent comes back with the same id: Mesos reports TASK_RUNNING, Marathon no longer knows it and kills it.
  const back = sim.bus.log.length;
  sim.restoreAgent('slave1');
  await waitFor(() => eventsOf(sim.bus.log, 'unknown_instance_terminated_event', back).length === 1, { what: 'old task killed as unknown' });
  assert.equal(eventsOf(sim.bus.log, 'unknown_instance_terminated_event', back)[0]!.instanceId, old!.instanceId);
  assert.equal((await mesos!.metricsSnapshot())['master/tasks_unreachable'], 0);
  assert.deepEqual(sim.marathon.tasksOf('/jenkins').map((t) => t.id), [replacement!.id]);
});

// TaskUnreachableIntegrationTest "lost" = the agent process stopped; MasterTest.SlaveActiveEndpoint (active:false first).
test('a stopped agent process shows active:false at once, and becomes unreachable only after the ping timeout', async () => {
  const sim = await seed(10); // 75 s → 7.5 s real: long enough to look at the disconnected agent
  sim.stopAgent('slave2');
  const { slaves } = await mesos!.slaves();
  assert.equal(slaves.find((a) => a.hostname === 'slave2')?.active, false);
  const m = await mesos!.metricsSnapshot();
  assert.deepEqual([m['master/slaves_disconnected'], m['master/slaves_inactive'], m['master/slaves_unreachable']], [1, 1, 0]);
  sim.restoreAgent('slave2');
  assert.equal((await mesos!.slaves()).slaves.find((a) => a.hostname === 'slave2')?.active, true);
});

// IT:TaskUnreachableIntegrationTest "A task unreachable update will trigger a replacement task" ({10, 300}-like strategy).
test('unreachableStrategy {10 s, long}: Unreachable, then UnreachableInactive and a replacement; back → TASK_RUNNING, the extra (youngest) killed', async () => {
  s = await startSimulator({ timeScale: 100, deployJenkins: false });
  mesos = new MesosClient({ masters: [s.urls.mesos] });
  const sim = s.sim;
  sim.deployments.createApp({ id: '/svc', cpus: 0.1, mem: 16, unreachableStrategy: { inactiveAfterSeconds: 10, expungeAfterSeconds: 3000 } });
  const old = await waitFor(() => sim.marathon.tasksOf('/svc').find((t) => t.state === 'TASK_RUNNING'));
  const from = sim.bus.log.length;
  sim.partitionAgent('slave1');
  await waitFor(() => sim.marathon.tasksOf('/svc').some((t) => t.state === 'TASK_RUNNING' && t.id !== old.id), { what: 'replacement', deadlineMs: 8000 });
  assert.deepEqual(story(sim.bus.log, from).slice(0, 5), [
    'status:TASK_UNREACHABLE@slave1', 'instance:Unreachable@slave1', 'status:TASK_UNREACHABLE@slave1', 'instance:UnreachableInactive@slave1', 'instance:Scheduled@null',
  ]);
  const states = (await (await fetch(`${s.urls.marathon}/v2/apps/svc/tasks`)).json()) as { tasks: Array<{ state: string }> };
  assert.deepEqual(states.tasks.map((t) => t.state).sort(), ['TASK_RUNNING', 'TASK_UNREACHABLE']);
  const replacement = sim.marathon.tasksOf('/svc').find((t) => t.id !== old.id)!;
  const back = sim.bus.log.length;
  sim.restoreAgent('slave1');
  await waitFor(() => sim.marathon.tasksOf('/svc').length === 1, { what: 'the scale check kills the extra', deadlineMs: 8000 });
  const seen = eventsOf(sim.bus.log, 'status_update_event', back).map((e) => `${String(e.taskStatus)} ${e.taskId === old.id ? 'old' : e.taskId === replacement.id ? 'replacement' : '?'}`);
  assert.deepEqual(seen, ['TASK_RUNNING old', 'TASK_KILLED replacement']);
  assert.equal(sim.marathon.tasksOf('/svc')[0]!.id, old.id);
});

// slave_recovery_tests.cpp SlaveRecoveryTest.RebootWithSlaveInfoMismatch; S4 "Agent gone or rebooted"; master.cpp markGone.
test('reboot with a new agent id: the old id stays unreachable; MARK_AGENT_GONE of it gives TASK_GONE_BY_OPERATOR', async () => {
  const sim = await seed();
  const oldAgent = sim.agent('slave2');
  sim.deployments.createApp({ id: '/on2', cpus: 0.1, mem: 16, constraints: [['hostname', 'CLUSTER', 'slave2']], unreachableStrategy: 'disabled' });
  const task = await waitFor(() => sim.marathon.tasksOf('/on2').find((t) => t.state === 'TASK_RUNNING'));
  const fresh = sim.rebootAgent('slave2');
  assert.notEqual(fresh.id, oldAgent.id);
  await waitFor(() => oldAgent.status === 'unreachable', { what: 'old id unreachable' });
  const { slaves } = await mesos!.slaves();
  assert.deepEqual(slaves.filter((a) => a.hostname === 'slave2').map((a) => a.id), [fresh.id]);
  const from = sim.bus.log.length;
  sim.markAgentGone(oldAgent.id);
  await waitFor(() => eventsOf(sim.bus.log, 'status_update_event', from).some((e) => e.taskStatus === 'TASK_GONE_BY_OPERATOR'));
  assert.equal(sim.state.apps.get('/on2')?.lastTaskFailure?.state, 'TASK_GONE_BY_OPERATOR');
  // IT:AgentGoneByOperatorIntegrationTest: the same instance comes back with a higher incarnation elsewhere (the new slave2 here).
  const next = await waitFor(() => sim.marathon.tasksOf('/on2').find((t) => t.state === 'TASK_RUNNING'));
  assert.equal(next.id, `${task.instanceId}._app.2`);
  assert.equal(next.agentId, fresh.id);
});

// S4 `/master/slaves` (readonly_handler.cpp SlavesWriter): after a master failover agents are recovered until they re-register.
test('Mesos master failover: agents in recovered_slaves until they re-register', async () => {
  const sim = await seed(50);
  await sim.setLeader('mesos', 1);
  const during = await mesos!.slaves();
  assert.deepEqual([during.slaves.length, during.recovered_slaves?.length], [0, 2]);
  await waitFor(async () => (await mesos!.slaves()).slaves.length === 2, { what: 're-registered' });
  assert.equal((await mesos!.slaves()).recovered_slaves?.length, 0);
});
