/**
 * The simulator's Marathon behaves like the real one when Jenkins dies: the same events in the same order, the
 * replacement on another agent, and JENKINS_HOME left behind on the old host (host-path volume).
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator, type SimEvent } from '../../support/simulator/index.ts';
import { waitFor } from '../../support/ports.ts';

let s: RunningSimulator | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

async function seed(opts = {}) {
  s = await startSimulator({ timeScale: 500, ...opts });
  const sim = s.sim;
  await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.health?.alive), { what: 'jenkins healthy' });
  return sim;
}

/** "type:detail@host" for the events after `from`, limited to failover-relevant types. */
function story(log: SimEvent[], from: number): string[] {
  return log.slice(from).flatMap((e) => {
    if (e.eventType === 'status_update_event') return [`status:${e.taskStatus}@${e.host}`];
    if (e.eventType === 'instance_changed_event') return [`instance:${e.condition}@${e.host}`];
    if (e.eventType === 'instance_health_changed_event') return [`health:${e.healthy}`];
    if (e.eventType === 'health_status_changed_event') return [`alive:${e.alive}`];
    if (e.eventType === 'failed_health_check_event') return ['failed_check'];
    if (e.eventType === 'unhealthy_instance_kill_event') return ['unhealthy_kill'];
    return [];
  });
}

const relaunchOnSlave2 = [
  'instance:Staging@slave2',
  'status:TASK_RUNNING@slave2',
  'instance:Running@slave2',
  'alive:true',
  'health:true',
];

test('default state is the seed cluster', async () => {
  const sim = await seed();
  assert.deepEqual([...sim.state.agentsByHost.keys()], ['slave1', 'slave2']);
  assert.deepEqual([...sim.state.frameworks.values()].map((f) => f.name), ['marathon', 'jenkins']);
  const [task] = sim.marathon.tasksOf('/jenkins');
  assert.equal(sim.state.agents.get(task!.agentId)?.hostname, 'slave1');
  assert.equal(sim.jenkins.up, true);
  assert.equal(sim.jenkins.jobs.size, 3);
});

test('a failed Jenkins task is replaced on the other agent with the real event sequence; its jobs stay behind', async () => {
  const sim = await seed();
  const from = sim.bus.log.length;
  const [task] = sim.marathon.tasksOf('/jenkins');
  sim.killTask(task!.id, 'TASK_FAILED', 'Container exited with status 137');
  assert.equal(sim.jenkins.up, false, 'Jenkins is down while its task is not running');
  await waitFor(() => story(sim.bus.log, from).includes('health:true'), { what: 'replacement healthy' });
  assert.deepEqual(story(sim.bus.log, from), [
    'status:TASK_FAILED@slave1',
    'instance:Failed@slave1',
    'status:TASK_STAGING@slave2',
    ...relaunchOnSlave2,
  ]);
  const failed = sim.bus.log.slice(from).find((e) => e.eventType === 'status_update_event');
  assert.equal(failed?.message, 'Container exited with status 137');
  assert.equal(sim.state.apps.get('/jenkins')?.lastTaskFailure?.state, 'TASK_FAILED');
  assert.equal(sim.jenkins.up, true);
  assert.equal(sim.jenkins.jobs.size, 0, 'JENKINS_HOME on a host path did not come along');
});

test('with shared JENKINS_HOME the jobs survive the move', async () => {
  const sim = await seed({ jenkinsHomeShared: true });
  sim.killTask(sim.marathon.tasksOf('/jenkins')[0]!.id);
  await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.health?.alive));
  assert.equal(sim.jenkins.jobs.size, 3);
});

test('losing the agent makes the task unreachable and Marathon relaunches it elsewhere', async () => {
  const sim = await seed();
  const from = sim.bus.log.length;
  sim.loseAgent('slave1');
  await waitFor(() => story(sim.bus.log, from).includes('health:true'));
  assert.deepEqual(story(sim.bus.log, from), [
    'status:TASK_UNREACHABLE@slave1',
    'instance:Unreachable@slave1',
    'status:TASK_STAGING@slave2',
    ...relaunchOnSlave2,
  ]);
  const { slaves } = (await (await fetch(`${s!.urls.mesos}/master/slaves`)).json()) as { slaves: Array<{ hostname: string; active: boolean }> };
  assert.equal(slaves.find((a) => a.hostname === 'slave1')?.active, false);
  sim.restoreAgent('slave1');
  assert.equal(sim.agent('slave1').active, true);
});

test('a failing health check: failed checks, unhealthy, killed, replaced', async () => {
  const sim = await seed();
  const from = sim.bus.log.length;
  sim.failHealth(sim.marathon.tasksOf('/jenkins')[0]!.id);
  await waitFor(() => story(sim.bus.log, from).includes('health:true'), { deadlineMs: 8000 });
  const got = story(sim.bus.log, from);
  assert.deepEqual(got.slice(0, 7), [
    'failed_check',
    'alive:false',
    'health:false',
    'failed_check',
    'failed_check',
    'unhealthy_kill',
    'status:TASK_KILLED@slave1',
  ]);
  assert.deepEqual(got.slice(-6), ['status:TASK_STAGING@slave2', ...relaunchOnSlave2]);
});

test('with no room elsewhere the task comes back in place', async () => {
  const sim = await seed({ agents: [{ hostname: 'slave1', ip: '127.0.0.2', cpus: 1, memMb: 1024, diskMb: 1000 }] });
  sim.killTask(sim.marathon.tasksOf('/jenkins')[0]!.id);
  const back = await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.state === 'TASK_RUNNING'));
  assert.equal(sim.state.agents.get(back.agentId)?.hostname, 'slave1');
});
