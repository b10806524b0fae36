/**
 * Ids, incarnations, the launch sequence, placement and backoff, held to what Marathon 1.8–1.10 and Mesos do
 * (MARATHON-FAILOVER.md §0, S1, S5). Each test names the upstream test or source it mirrors.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { backoffSeconds } from '../../../src/playground/simulator/marathon-instances.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { INSTANCE_ID, story } from '../../support/simulator-story.ts';

let s: RunningSimulator | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

async function seed(opts: Parameters<typeof startSimulator>[0] = {}) {
  s = await startSimulator({ timeScale: 500, ...opts });
  const sim = s.sim;
  if (opts.deployJenkins !== false) await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.health?.alive), { what: 'jenkins healthy' });
  return sim;
}

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${s!.urls.marathon}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

// SRC:core/task/Task.scala nextIncarnationFor; src/docker/executor.cpp _reaped ("Container exited with status 137");
// InstanceChangedEventsGenerator (status first, then instance_changed only on a condition change); S1 steps 1–5.
test('S1 docker kill: TASK_FAILED, the SAME instance comes back as ._app.2 on the first fitting offer (slave1), no TASK_STAGING', async () => {
  const sim = await seed({ timeScale: 10 });
  const [task] = sim.marathon.tasksOf('/jenkins');
  assert.match(task!.instanceId, INSTANCE_ID);
  assert.equal(task!.id, `${task!.instanceId}._app.1`);
  const from = sim.bus.log.length;
  // No offer fits while the failed task is read (a busy machine must not race the 100 ms backoff); then they do.
  const hosts = [...sim.state.agents.values()].map((a) => a.hostname);
  for (const h of hosts) sim.setAgentFull(h, true);
  sim.killTask(task!.id, 'TASK_FAILED', 'Container exited with status 137');
  // The failed task stays listed with its terminal state until the next incarnation replaces it.
  const listed = await api('/v2/apps/jenkins');
  const app = listed.body.app as { tasks: Array<{ id: string; state: string }>; lastTaskFailure: Record<string, unknown> };
  assert.deepEqual(app.tasks.map((t) => [t.id, t.state]), [[task!.id, 'TASK_FAILED']]);
  assert.equal(app.lastTaskFailure.state, 'TASK_FAILED');
  assert.equal(app.lastTaskFailure.message, 'Container exited with status 137');
  for (const h of hosts) sim.setAgentFull(h, false);
  await waitFor(() => story(sim.bus.log, from).includes('health:true'), { what: 'relaunched and healthy' });
  assert.deepEqual(story(sim.bus.log, from), [
    'status:TASK_FAILED@slave1',
    'instance:Failed@slave1',
    'health:null', // the instance was healthy (MESOS_HTTP); a terminal task has no health (S3 step 4)
    'instance:Provisioned@slave1',
    'status:TASK_STARTING@slave1',
    'instance:Starting@slave1',
    'status:TASK_RUNNING@slave1',
    'instance:Running@slave1',
    'status:TASK_RUNNING@slave1', // the MESOS_HTTP check's first healthy=true (S3 step 1)
    'health:true',
    'alive:true', // the same result reaches Marathon's health actor (HealthCheckActor.updateInstanceHealth)
  ]);
  const [next] = sim.marathon.tasksOf('/jenkins');
  assert.equal(next!.id, `${task!.instanceId}._app.2`);
  assert.equal(sim.jenkins.jobs.size, 3, 'restarted in place: JENKINS_HOME is still there');
});

// InstanceChangedEventsGenerator + Condition.scala: a brand-new instance is Scheduled before any offer matched.
test('a brand-new instance emits Scheduled with host and agentId null, then Provisioned, STARTING, RUNNING; ids <app>.instance-<uuid>._app.1', async () => {
  const sim = await seed();
  const from = sim.bus.log.length;
  assert.equal((await api('/v2/apps', { method: 'POST', body: JSON.stringify({ id: '/group/web', cpus: 0.1, mem: 16 }) })).status, 201);
  await waitFor(() => story(sim.bus.log, from).includes('instance:Running@slave1'), { what: 'web running' });
  const scheduled = sim.bus.log.slice(from).find((e) => e.eventType === 'instance_changed_event');
  assert.equal(scheduled?.condition, 'Scheduled');
  assert.equal(scheduled?.host, null);
  assert.equal(scheduled?.agentId, null);
  assert.match(String(scheduled?.instanceId), /^group_web\.instance-[0-9a-f-]{36}$/);
  assert.deepEqual(story(sim.bus.log, from), [
    'instance:Scheduled@null', 'instance:Provisioned@slave1', 'status:TASK_STARTING@slave1', 'instance:Starting@slave1',
    'status:TASK_RUNNING@slave1', 'instance:Running@slave1',
  ]);
  assert.equal(sim.bus.log.slice(from).some((e) => e.taskStatus === 'TASK_STAGING'), false, 'Mesos sends no TASK_STAGING');
  assert.equal(sim.marathon.tasksOf('/group/web')[0]!.id, `${String(scheduled?.instanceId)}._app.1`);
});

// S1 step 4: "any agent that satisfies the constraints; there is no same-host preference" — steered by the control API.
test('placement: offer order and a full agent steer the relaunch to slave2; JENKINS_HOME on a host path stays behind', async () => {
  const sim = await seed();
  const offers = await fetch(`${s!.urls.control}/_control/offers`, { method: 'POST', body: JSON.stringify({ order: ['slave2'] }) });
  assert.equal(offers.status, 200);
  const [task] = sim.marathon.tasksOf('/jenkins');
  sim.killTask(task!.id);
  const moved = await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.state === 'TASK_RUNNING'), { what: 'moved' });
  assert.equal(sim.state.agents.get(moved.agentId)?.hostname, 'slave2');
  assert.equal(moved.instanceId, task!.instanceId, 'same instance, next incarnation');
  assert.equal(sim.jenkins.jobs.size, 0, 'the jobs stayed in slave1:/srv/jenkins_home');
  // Mark slave2 full: the next relaunch takes the first offer that still fits (slave1).
  await fetch(`${s!.urls.control}/_control/agents/slave2/full`, { method: 'POST', body: JSON.stringify({ full: true }) });
  sim.killTask(moved.id);
  const back = await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.state === 'TASK_RUNNING'), { what: 'back' });
  assert.equal(sim.state.agents.get(back.agentId)?.hostname, 'slave1');
  assert.equal(sim.jenkins.jobs.size, 3);
});

test('with shared JENKINS_HOME the jobs survive a move', async () => {
  const sim = await seed({ jenkinsHomeShared: true });
  sim.setOfferOrder(['slave2']);
  sim.killTask(sim.marathon.tasksOf('/jenkins')[0]!.id);
  const moved = await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.health?.alive));
  assert.equal(sim.state.agents.get(moved.agentId)?.hostname, 'slave2');
  assert.equal(sim.jenkins.jobs.size, 3);
});

// docs constraints.md operators (UPSTREAM-APIS.md §1.5); placement is still the first fitting offer among the allowed agents.
test('constraints: UNIQUE spreads, CLUSTER pins, UNLIKE/LIKE on attributes, MAX_PER caps; what cannot be placed waits in /v2/queue', async () => {
  const sim = await seed();
  const create = (def: Record<string, unknown>) => api('/v2/apps', { method: 'POST', body: JSON.stringify({ cpus: 0.1, mem: 16, ...def }) });
  await create({ id: '/u', instances: 3, constraints: [['hostname', 'UNIQUE']] });
  await create({ id: '/c', constraints: [['hostname', 'CLUSTER', 'slave2']] });
  await create({ id: '/l', constraints: [['rack', 'LIKE', 'r2'], ['os', 'UNLIKE', 'windows']] });
  await create({ id: '/m', instances: 2, constraints: [['rack', 'MAX_PER', '1']] });
  await waitFor(() => ['/u', '/c', '/l', '/m'].every((id) => sim.marathon.tasksOf(id).some((t) => t.state === 'TASK_RUNNING')));
  await waitFor(() => sim.marathon.tasksOf('/m').filter((t) => t.state === 'TASK_RUNNING').length === 2);
  const hosts = (id: string) => sim.marathon.tasksOf(id).map((t) => sim.state.agents.get(t.agentId)?.hostname).sort();
  assert.deepEqual(hosts('/u'), ['slave1', 'slave2'], 'the third UNIQUE instance has no agent left');
  assert.deepEqual(hosts('/c'), ['slave2']);
  assert.deepEqual(hosts('/l'), ['slave2']);
  assert.deepEqual(hosts('/m'), ['slave1', 'slave2']);
  const queue = (await api('/v2/queue')).body.queue as Array<{ count: number; app: { id: string } }>;
  assert.deepEqual(queue.map((q) => [q.app.id, q.count]), [['/u', 1]]);
});

// docs app.raml: backoffSeconds 1, backoffFactor 1.15, maxLaunchDelaySeconds 300; RateLimiter delays each relaunch.
test('backoff: 1 s × 1.15^n up to 300 s; /v2/queue shows the delay; DELETE /v2/queue/{app}/delay relaunches at once', async () => {
  const defaults = { backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300 };
  assert.deepEqual([0, 1, 2].map((n) => Number(backoffSeconds(defaults, n).toFixed(4))), [1, 1.15, 1.3225]);
  assert.equal(backoffSeconds(defaults, 100), 300);
  const sim = await seed({ timeScale: 1, deployJenkins: false });
  await api('/v2/apps', { method: 'POST', body: JSON.stringify({ id: '/flaky', instances: 3, cpus: 0.1, mem: 16, backoffSeconds: 100, backoffFactor: 2 }) });
  await waitFor(() => sim.marathon.tasksOf('/flaky').filter((t) => t.state === 'TASK_RUNNING').length === 3, { what: 'flaky running' });
  const delays: number[] = [];
  for (const t of sim.marathon.tasksOf('/flaky')) {
    sim.killTask(t.id);
    const q = (await api('/v2/queue')).body.queue as Array<{ delay: { timeLeftSeconds: number; overdue: boolean } }>;
    assert.equal(q[0]?.delay.overdue, false);
    delays.push(q[0]!.delay.timeLeftSeconds);
  }
  assert.deepEqual(delays, [100, 200, 300], 'min(100 × 2^n, 300)');
  assert.equal(sim.marathon.tasksOf('/flaky').every((t) => t.state === 'TASK_FAILED'), true, 'nothing relaunched during the delay');
  const reset = await fetch(`${s!.urls.marathon}/v2/queue/flaky/delay`, { method: 'DELETE' });
  assert.equal(reset.status, 204);
  await waitFor(() => sim.marathon.tasksOf('/flaky').filter((t) => t.state === 'TASK_RUNNING').length === 3, { what: 'relaunched' });
  assert.ok(sim.marathon.tasksOf('/flaky').every((t) => t.id.endsWith('._app.2')));
});
