/**
 * Marathon REST during a failover and the user's kill/restart/abdicate calls (MARATHON-FAILOVER.md §0, S5, S6).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { eventsOf, INSTANCE_ID } from '../../support/simulator-story.ts';

let s: RunningSimulator;
before(async () => {
  s = await startSimulator({ timeScale: 200 });
  await waitFor(() => s.sim.marathon.tasksOf('/jenkins').find((t) => t.health?.alive), { what: 'jenkins healthy' });
});
after(() => s.stop());

async function api(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${s.urls.marathon}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: res.headers };
}

async function app(id: string, instances = 1) {
  await api('/v2/apps', 'POST', { id, instances, cpus: 0.1, mem: 16 });
  await waitFor(() => s.sim.marathon.tasksOf(id).filter((t) => t.state === 'TASK_RUNNING').length === instances, { what: `${id} running` });
  return s.sim.marathon.tasksOf(id);
}

// SRC:api/v2/AppsResource.scala#show: tasks, counts, deployments and lastTaskFailure whatever `embed` says;
// task.raml: healthCheckResults is always there.
test('GET /v2/apps/{id} without embed carries tasks, counts and deployments; healthCheckResults is always present', async () => {
  const { body } = await api('/v2/apps/jenkins');
  const a = body.app as Record<string, unknown> & { tasks: Array<Record<string, unknown>> };
  for (const k of ['tasks', 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments']) assert.ok(k in a, k);
  assert.equal(Array.isArray(a.tasks[0]?.healthCheckResults), true);
  await app('/nohc');
  const nohc = (await api('/v2/apps/nohc')).body.app as { tasks: Array<{ healthCheckResults: unknown[] }> };
  assert.deepEqual(nohc.tasks[0]?.healthCheckResults, [], 'no check: an empty list, not a missing field');
});

// UT:core/history/impl/HistoryActorTest (FAILED/ERROR/LOST stored; KILLED/FINISHED ignored); SRC:state/TaskFailure.scala.
test('lastTaskFailure: kept for FAILED, ERROR, GONE_BY_OPERATOR…; never for KILLED, FINISHED or UNREACHABLE', async () => {
  const [t] = await app('/ltf');
  const ltf = () => s.sim.state.apps.get('/ltf')?.lastTaskFailure;
  s.sim.killTask(t!.id, 'TASK_KILLED', 'killed');
  assert.equal(ltf(), undefined);
  const t2 = await waitFor(() => s.sim.marathon.tasksOf('/ltf').find((x) => x.state === 'TASK_RUNNING'));
  s.sim.killTask(t2.id, 'TASK_ERROR', 'bad');
  assert.equal(ltf()?.state, 'TASK_ERROR');
  const t3 = await waitFor(() => s.sim.marathon.tasksOf('/ltf').find((x) => x.state === 'TASK_RUNNING'));
  s.sim.killTask(t3.id, 'TASK_FINISHED', 'done');
  assert.equal(ltf()?.state, 'TASK_ERROR', 'FINISHED does not replace it');
  const shown = (await api('/v2/apps/ltf')).body.app as { lastTaskFailure: Record<string, unknown> };
  for (const k of ['appId', 'host', 'message', 'state', 'taskId', 'timestamp', 'version', 'slaveId']) assert.ok(k in shown.lastTaskFailure, k);
});

// IT:TaskKillingIntegrationTest "…without wipe or scale…", "…with wipe…"; AppDeployIntegrationTest "kill a task of an App (with scaling)".
test('DELETE a task: plain → same instance N+1; wipe → a new instance and unknown_instance_terminated_event; scale → deployment, no replacement; both → 400', async () => {
  const [t] = await app('/k');
  const plain = await api(`/v2/apps/k/tasks/${t!.id}`, 'DELETE');
  assert.equal((plain.body.task as { id: string }).id, t!.id);
  const n2 = await waitFor(() => s.sim.marathon.tasksOf('/k').find((x) => x.state === 'TASK_RUNNING' && x.id !== t!.id));
  assert.equal(n2.id, `${t!.instanceId}._app.2`);
  const from = s.sim.bus.log.length;
  await api(`/v2/apps/k/tasks/${n2.id}?wipe=true`, 'DELETE');
  const wiped = await waitFor(() => s.sim.marathon.tasksOf('/k').find((x) => x.state === 'TASK_RUNNING'));
  assert.notEqual(wiped.instanceId, t!.instanceId);
  assert.match(wiped.instanceId, INSTANCE_ID);
  await waitFor(() => eventsOf(s.sim.bus.log, 'unknown_instance_terminated_event', from).some((e) => e.instanceId === t!.instanceId), { what: 'late TASK_KILLED of the wiped one' });
  const both = await api(`/v2/apps/k/tasks/${wiped.id}?scale=true&wipe=true`, 'DELETE');
  assert.deepEqual([both.status, both.body.message], [400, 'You cannot use scale and wipe at the same time.']);
  const scaled = await api(`/v2/apps/k/tasks/${wiped.id}?scale=true`, 'DELETE');
  assert.match(String(scaled.body.deploymentId), /^[0-9a-f-]{36}$/);
  await waitFor(() => s.sim.marathon.tasksOf('/k').length === 0, { what: 'no replacement' });
  assert.equal((s.sim.state.apps.get('/k')?.definition.instances), 0);
});

// AppDeployIntegrationTest "kill all tasks of an App (with scaling)"; UPSTREAM-APIS.md §1.2 "Invalid task id".
test('DELETE /v2/apps/{id}/tasks (with scale) and POST /v2/tasks/delete', async () => {
  const two = await app('/all', 2);
  const killed = await api('/v2/apps/all/tasks', 'DELETE');
  assert.equal((killed.body.tasks as unknown[]).length, 2);
  await waitFor(() => s.sim.marathon.tasksOf('/all').filter((t) => t.state === 'TASK_RUNNING' && t.id.endsWith('._app.2')).length === 2, { what: 'both back' });
  const bad = await api('/v2/tasks/delete', 'POST', { ids: ['not_known'] });
  assert.deepEqual([bad.status, bad.body], [400, { message: 'Invalid task id not_known' }]);
  const one = s.sim.marathon.tasksOf('/all')[0]!;
  const del = await api('/v2/tasks/delete?scale=true', 'POST', { ids: [one.id] });
  assert.ok(del.body.deploymentId);
  assert.equal(s.sim.state.apps.get('/all')?.definition.instances, 1);
  await api('/v2/apps/all/tasks?scale=true', 'DELETE');
  await waitFor(() => s.sim.marathon.tasksOf('/all').length === 0, { what: 'instances 0' });
  assert.ok(two.length === 2);
});

// AppDeployIntegrationTest "restart an app"; TaskReplaceActor (RestartApplication, new uuids, old ones decommissioned).
test('POST /v2/apps/{id}/restart: {version, deploymentId}; after deployment_success the task ids and instance ids differ', async () => {
  const old = await app('/r', 2);
  const from = s.sim.bus.log.length;
  const res = await api('/v2/apps/r/restart', 'POST');
  assert.ok(res.body.version && res.body.deploymentId);
  await waitFor(() => eventsOf(s.sim.bus.log, 'deployment_success', from).some((e) => e.id === res.body.deploymentId), { what: 'deployment_success' });
  const now = s.sim.marathon.tasksOf('/r');
  assert.equal(now.length, 2);
  assert.equal(now.some((t) => old.some((o) => o.id === t.id || o.instanceId === t.instanceId)), false);
  const actions = eventsOf(s.sim.bus.log, 'deployment_info', from)[0]?.plan as { steps: Array<{ actions: Array<{ action: string }> }> };
  assert.equal(actions.steps[0]?.actions[0]?.action, 'RestartApplication');
});

// IT:LeaderIntegrationTest, UT:api/v2/LeaderResourceTest: 200 "Leadership abdicated", then the leader goes; tasks keep their ids
// (KeepAppsRunningDuringAbdicationIntegrationTest).
test('DELETE /v2/leader: 200, then another instance leads and the Jenkins task keeps its id', async () => {
  const before = s.sim.marathon.tasksOf('/jenkins')[0]!.id;
  const res = await api('/v2/leader', 'DELETE');
  assert.deepEqual([res.status, res.body], [200, { message: 'Leadership abdicated' }]);
  await waitFor(() => s.sim.marathonLeader === 1, { what: 'new leader' });
  const leader = await fetch(`${s.urls.marathons[1]}/v2/leader`).then((r) => r.json() as Promise<{ leader: string }>);
  assert.equal(leader.leader, new URL(s.urls.marathons[1]!).host);
  assert.equal(s.sim.marathon.tasksOf('/jenkins')[0]!.id, before);
});
