/**
 * Fidelity: for each endpoint the simulator serves, its answer passes the client schema AND contains every key
 * of the corresponding upstream fixture (compared recursively). Keys the simulator deliberately omits are listed
 * in `omitted`, each with the reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import * as mesos from '../../../src/clients/mesos/schemas.ts';
import * as marathon from '../../../src/clients/marathon/schemas.ts';
import * as jenkins from '../../../src/clients/jenkins/schemas.ts';
import { toEvent } from '../../../src/clients/marathon/event-schemas.ts';
import { FIXTURES } from '../../support/fixtures-dir.ts';
import { missingKeys } from '../../../src/playground/simulator/key-diff.ts';
import { jobXml, startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';

/** Keys of upstream fixtures the simulator does not produce, by fixture, with why. */
const omitted: Record<string, string[]> = {
  // Marathon's Docker tasks use the command executor, which is not listed under `executors`.
  'mesos /master/frameworks': ['frameworks[].executors[] (empty)'],
  'mesos /master/state': ['frameworks[].executors[] (empty)'],
  // /jenkins is running: no deployment holds it and no task failed yet; MESOS_HTTP checks have no `command`;
  // overridePort and healthCheckResults[].taskId are 1.3-era names (now portIndex/port and instanceId).
  'marathon /v2/apps/{id}': [
    'app.deployments[] (empty)',
    'app.healthChecks[].command',
    'app.healthChecks[].overridePort',
    'app.lastTaskFailure',
    'app.tasks[].healthCheckResults[].taskId',
  ],
  // Readiness results exist only for apps with readinessChecks; the simulated apps have none.
  'marathon /v2/deployments': ['[].currentActions[].readinessCheckResults[] (empty)'],
  // event-bus.md shows the pre-1.8 plan shape (flattened steps, `type`); the simulator sends the ≥ 1.8 shape.
  'event deployment_info': ['plan.steps[].action', 'plan.steps[].app', 'currentStep.actions[].type'],
  // A simulated build archives nothing, has no SCM changes, and no plugin actions with icons.
  'jenkins /job/x/n/api/json': ['actions[].text', 'actions[].iconPath', 'artifacts[] (empty)', 'culprits[] (empty)'],
  // portMappings belong to bridge/container networking; the seed's Jenkins uses host networking (portDefinitions).
  'marathon /v2/apps embed': ['apps[].container.portMappings'],
  // Marathon echoes the posted definition: the test posts no health/readiness checks and no fetch URIs.
  'marathon POST /v2/apps': ['healthChecks[] (empty)', 'readinessChecks[] (empty)', 'fetch[] (empty)'],
  // Pre-1.5 docker.network / docker.portMappings were replaced by app-level networks; residency is for
  // apps with persistent volumes only.
  'event api_post_event': ['appDefinition.container.docker.network', 'appDefinition.container.docker.portMappings', 'appDefinition.residency'],
};

let s: RunningSimulator;
const auth = { authorization: `Basic ${Buffer.from('admin:sim-token').toString('base64')}` };

before(async () => {
  s = await startSimulator({ timeScale: 500 });
  const sim = s.sim;
  await waitFor(() => sim.marathon.tasksOf('/jenkins')[0]?.health?.alive, { what: 'jenkins healthy' });
  // Something in every collection: a queued app (and its open deployment), a waiting and a finished build.
  sim.deployments.createApp({ id: '/too-big', cpus: 64, mem: 64 });
  sim.jenkins.createJob('waits', jobXml('docker'));
  sim.jenkins.trigger('waits', { A: '1' });
  sim.jenkins.trigger('job-1', { BRANCH: 'main' });
  await waitFor(() => sim.jenkins.jobs.get('job-1')?.builds.some((b) => !b.building), { what: 'a finished build' });
});
after(() => s.stop());

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));
}

async function get(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  assert.equal(res.status, 200, `${url} → ${res.status}`);
  return res.json();
}

function same(name: string, fixtureValue: unknown, actual: unknown, schema: z.ZodType): void {
  const parsed = schema.safeParse(actual);
  assert.ok(parsed.success, `${name}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`);
  const missing = missingKeys(fixtureValue, actual).filter((k) => !(omitted[name] ?? []).includes(k));
  assert.deepEqual(missing, [], `${name}: keys missing from the simulator's answer`);
}

test('Mesos master endpoints', async () => {
  const state27 = fixture('mesos/master_state.mesos-0.27.dcos-ui.json') as { slaves: unknown[]; frameworks: unknown[] };
  same('mesos /master/slaves', { slaves: state27.slaves }, await get(`${s.urls.mesos}/master/slaves`), mesos.SlavesResponseSchema);
  same('mesos /master/frameworks', { frameworks: state27.frameworks }, await get(`${s.urls.mesos}/master/frameworks`), mesos.FrameworksResponseSchema);
  same('mesos /master/state', state27, await get(`${s.urls.mesos}/master/state`), mesos.MasterStateSchema);
  const v1 = fixture('mesos/operator_api_v1/master.GET_METRICS.response.json') as { get_metrics: { metrics: Array<{ name: string; value: number }> } };
  const flat = Object.fromEntries(v1.get_metrics.metrics.map((m) => [m.name, m.value]));
  same('mesos /metrics/snapshot', flat, await get(`${s.urls.mesos}/metrics/snapshot`), mesos.MetricsSnapshotSchema);
  const version = { version: '', build_date: '', build_time: 0, build_user: '', git_sha: '', git_tag: '' };
  same('mesos /version', version, await get(`${s.urls.mesos}/version`), mesos.VersionSchema);
});

test('Mesos agent files', async () => {
  const dir = s.sim.sandboxDir(s.sim.marathon.tasksOf('/jenkins')[0]!.id)!;
  const read = await get(`${s.urls.agents}/files/read?path=${encodeURIComponent(`${dir}/stdout`)}&offset=0`);
  same('agent /files/read', fixture('mesos/agent_files_read.dcos-ui.json'), read, mesos.FileReadSchema);
  const browse = await get(`${s.urls.agents}/files/browse?path=${encodeURIComponent(dir)}`);
  same('agent /files/browse', fixture('mesos/agent_files_browse.dcos-ui.json'), browse, mesos.FileBrowseSchema);
});

test('Marathon REST', async () => {
  const m = s.urls.marathon;
  same('marathon /v2/info', fixture('marathon/v2_info_GET.json'), await get(`${m}/v2/info`), marathon.InfoSchema);
  same('marathon /v2/leader', fixture('marathon/v2_leader_GET.json'), await get(`${m}/v2/leader`), marathon.LeaderSchema);
  const apps = await get(`${m}/v2/apps?embed=apps.tasks`);
  same('marathon /v2/apps', fixture('marathon/v2_apps_GET.json'), apps, marathon.AppsResponseSchema);
  same('marathon /v2/apps embed', fixture('marathon/captures/v2_apps_GET_embed_tasks.marathon-1.5.marathon-lb.json'), apps, marathon.AppsResponseSchema);
  const app = await get(`${m}/v2/apps/jenkins?embed=app.tasks`);
  same('marathon /v2/apps/{id}', fixture('marathon/legacy-1.3/v2_apps_id_GET.json'), app, marathon.AppResponseSchema);
  same('marathon /v2/apps/{id}/tasks', fixture('marathon/v2_apps_id_tasks_GET.json'), await get(`${m}/v2/apps/jenkins/tasks`), marathon.TasksResponseSchema);
  same('marathon /v2/tasks', fixture('marathon/v2_tasks_GET.json'), await get(`${m}/v2/tasks`), marathon.TasksResponseSchema);
  same('marathon /v2/deployments', fixture('marathon/v2_deployments_GET.json'), await get(`${m}/v2/deployments`), marathon.DeploymentsResponseSchema);
  same('marathon /v2/queue', fixture('marathon/v2_queue_GET.json'), await get(`${m}/v2/queue?embed=lastUnusedOffers`), marathon.QueueResponseSchema);
});

test('Marathon writes', async () => {
  const m = s.urls.marathon;
  const post = await fetch(`${m}/v2/apps`, { method: 'POST', body: JSON.stringify({ id: '/w', cpus: 0.1, mem: 16 }) });
  assert.equal(post.status, 201);
  assert.equal(post.headers.get('location'), '/w');
  assert.match(post.headers.get('marathon-deployment-id') ?? '', /^[0-9a-f-]{36}$/);
  same('marathon POST /v2/apps', fixture('marathon/v2_apps_POST_request_and_201_body.json'), await post.json(), marathon.CreatedAppSchema);
  await waitFor(() => s.sim.marathon.tasksOf('/w')[0]?.state === 'TASK_RUNNING');
  const put = await fetch(`${m}/v2/apps/w?force=true`, { method: 'PUT', body: JSON.stringify({ instances: 2 }) });
  same('marathon PUT /v2/apps/{id}', fixture('marathon/v2_deployment_result.json'), await put.json(), marathon.DeploymentResultSchema);
  const task = s.sim.marathon.tasksOf('/w')[0]!;
  const del = await fetch(`${m}/v2/apps/w/tasks/${task.id}`, { method: 'DELETE' });
  same('marathon DELETE task', fixture('marathon/v2_apps_id_tasks_taskid_DELETE.json'), await del.json(), marathon.TaskResponseSchema);
});

test('Marathon events carry the keys of the upstream examples', () => {
  const byType: Record<string, string> = {
    status_update_event: 'marathon/events/captures/status_update_event.TASK_KILLED.async-worker-multi.json',
    instance_changed_event: 'marathon/events/captures/instance_changed_event.Killed.async-worker-multi.json',
    instance_health_changed_event: 'marathon/events/instance_health_changed_event.event-bus-doc.json',
    health_status_changed_event: 'marathon/events/health_status_changed_event.event-bus-doc.json',
    api_post_event: 'marathon/events/captures/api_post_event.async-worker-multi.json',
    group_change_success: 'marathon/events/captures/group_change_success.async-worker-multi.json',
    deployment_info: 'marathon/events/deployment_info.event-bus-doc.json',
    deployment_success: 'marathon/events/deployment_success.event-bus-doc.json',
    event_stream_attached: 'marathon/events/captures/event_stream_attached.async-worker-single.json',
  };
  for (const [type, file] of Object.entries(byType)) {
    const event = s.sim.bus.log.find((e) => e.eventType === type) ?? (type === 'event_stream_attached' ? { eventType: type, timestamp: 't', remoteAddress: '127.0.0.1' } : undefined);
    assert.ok(event, `the simulator emitted no ${type}`);
    const parsed = toEvent(event);
    assert.ok(parsed.ok && parsed.event.eventType !== 'other', `${type} does not parse as a typed event`);
    const missing = missingKeys(fixture(file), event).filter((k) => !(omitted[`event ${type}`] ?? []).includes(k));
    assert.deepEqual(missing, [], `event ${type}: keys missing`);
  }
});

test('Jenkins JSON API', async () => {
  const j = s.urls.jenkins;
  same('jenkins /api/json', fixture('jenkins/api_json_root.node-jenkins.json'), await get(`${j}/api/json`, auth), jenkins.RootSchema);
  same('jenkins /computer/api/json', fixture('jenkins/computer_api_json.node-jenkins.json'), await get(`${j}/computer/api/json`, auth), jenkins.ComputerSetSchema);
  same('jenkins /queue/api/json', fixture('jenkins/queue_api_json.node-jenkins.json'), await get(`${j}/queue/api/json`, auth), jenkins.QueueSchema);
  // A left item stays 5 min (scaled: 0.6 s here); a fresh build is read while it is left, not a second later.
  const item = s.sim.jenkins.trigger('job-1', { BRANCH: 'main' })!;
  const left = await waitFor(async () => {
    const body = (await get(`${j}/queue/item/${item}/api/json`, auth)) as { executable?: unknown };
    return body.executable ? body : undefined;
  }, { what: 'queue item left for a build', intervalMs: 10 });
  same('jenkins /queue/item (left)', fixture('jenkins/queue_item_api_json.left-running.cdancy.json'), left, jenkins.QueueItemSchema);
  same('jenkins /job/x/api/json', fixture('jenkins/job_api_json.node-jenkins.json'), await get(`${j}/job/job-1/api/json`, auth), jenkins.JobSchema);
  same('jenkins /job/x/n/api/json', fixture('jenkins/build_api_json.parameterized.cdancy.json'), await get(`${j}/job/job-1/1/api/json`, auth), jenkins.BuildSchema);
  const crumb = await get(`${j}/crumbIssuer/api/json`, auth);
  assert.ok(jenkins.CrumbSchema.safeParse(crumb).success);
});

// The failover events too (MARATHON-FAILOVER.md S2, S4, S5): produced by a real scenario, parsed by the client
// schemas, and carrying every key of the upstream examples; a Scheduled instance_changed_event has host null.
test('failover events: health kill, wipe, Scheduled with host null — client schemas and upstream keys', async () => {
  const sim = s.sim;
  const from = sim.bus.log.length;
  sim.deployments.createApp({
    id: '/fid', cpus: 0.1, mem: 16,
    healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0, gracePeriodSeconds: 1, intervalSeconds: 1, maxConsecutiveFailures: 1 }],
  });
  const t = await waitFor(() => sim.marathon.tasksOf('/fid').find((x) => x.health?.alive), { what: 'fid healthy' });
  sim.failHealth(t.id);
  const next = await waitFor(() => sim.marathon.tasksOf('/fid').find((x) => x.id !== t.id && x.state === 'TASK_RUNNING'), { what: 'health-killed and relaunched' });
  await fetch(`${s.urls.marathon}/v2/apps/fid/tasks/${next.id}?wipe=true`, { method: 'DELETE' });
  await waitFor(() => sim.bus.log.slice(from).some((e) => e.eventType === 'unknown_instance_terminated_event'), { what: 'wiped task terminated' });
  const byType: Record<string, string> = {
    failed_health_check_event: 'marathon/events/failed_health_check_event.event-bus-doc.json',
    unhealthy_instance_kill_event: 'marathon/events/unhealthy_instance_kill_event.event-bus-doc.json',
    unknown_instance_terminated_event: 'marathon/events/unknown_instance_terminated_event.event-bus-doc.json',
    health_status_changed_event: 'marathon/events/health_status_changed_event.event-bus-doc.json',
    instance_changed_event: 'marathon/events/instance_changed_event.event-bus-doc.json',
  };
  for (const [type, file] of Object.entries(byType)) {
    const events = sim.bus.log.slice(from).filter((e) => e.eventType === type);
    assert.ok(events.length > 0, `the scenario emitted no ${type}`);
    for (const event of events) {
      const parsed = toEvent(event);
      assert.ok(parsed.ok && parsed.event.eventType === type, `${type} does not parse: ${JSON.stringify(event)}`);
      assert.deepEqual(missingKeys(fixture(file), event), [], `event ${type}: keys missing`);
    }
  }
  const scheduled = sim.bus.log.slice(from).find((e) => e.eventType === 'instance_changed_event' && e.condition === 'Scheduled');
  assert.equal(scheduled?.host, null);
});
