/**
 * What `/ci deploy jenkins` relies on in the simulator (JENKINS-ON-MARATHON.md §1): app validation (400/422 with
 * per-path details), why offers do not fit (`embed=lastUnusedOffers`, `rejectSummaryLastOffers`), and per-agent
 * Docker images: an agent that reported its images fails a launch of a missing one, and runs it once pulled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';

let s: RunningSimulator;
before(async () => {
  s = await startSimulator({ agents: [], deployJenkins: false, timeScale: 200 });
});
after(() => s.stop());

async function call(base: string, path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
const api = (path: string, method = 'GET', body?: unknown) => call(s.urls.marathon, path, method, body);
const control = (path: string, body: unknown) => call(s.urls.control, path, 'POST', body);

const dockerApp = (id: string, image: string, extra: Record<string, unknown> = {}) => ({
  id, cpus: 0.1, mem: 64, container: { type: 'DOCKER', docker: { image } }, ...extra,
});

test('422 "Object is not valid" with a path per broken rule; 400 for a wrong JSON type; PUT is validated too', async () => {
  const bad = await api('/v2/apps', 'POST', dockerApp('/v1', 'x:1', {
    upgradeStrategy: { minimumHealthCapacity: 2, maximumOverCapacity: 0 }, constraints: [['hostname', 'NEAR']], healthChecks: [{ protocol: 'HTTP', portIndex: 3 }],
  }));
  assert.equal(bad.status, 422);
  assert.equal(bad.body.message, 'Object is not valid');
  const paths = (bad.body.details as Array<{ path: string }>).map((d) => d.path);
  assert.deepEqual(paths, ['/healthChecks(0)/portIndex', '/upgradeStrategy/minimumHealthCapacity', '/constraints(0)']);
  const typed = await api('/v2/apps', 'POST', { id: '/v2', cpus: 'many' });
  assert.equal(typed.status, 400);
  assert.deepEqual(typed.body.details, [{ path: '/cpus', errors: ['error.expected.jsnumber'] }]);
  assert.equal((await api('/v2/apps/v1')).status, 404, 'nothing was created');
  await control('/_control/agents', { hostname: 'a1' });
  assert.equal((await api('/v2/apps', 'POST', dockerApp('/v3', 'x:1'))).status, 201);
  const put = await api('/v2/apps/v3', 'PUT', { container: { type: 'DOCKER', docker: { image: '' } } });
  assert.equal(put.status, 422);
  assert.deepEqual(put.body.details, [{ path: '/container/docker/image', errors: ['must not be empty'] }]);
});

test('no offer fits: each agent names the resource (InsufficientMemory), and the summary counts it', async () => {
  await api('/v2/apps', 'POST', { id: '/huge', cpus: 0.1, mem: 100_000 });
  const q = await waitFor(async () => {
    const { body } = await api('/v2/queue?embed=lastUnusedOffers');
    return (body.queue as Array<{ app: { id: string } }>).find((x) => x.app.id === '/huge') as
      | { lastUnusedOffers: Array<{ offer: { hostname: string }; reason: string[] }>; processedOffersSummary: { rejectSummaryLastOffers: Array<{ reason: string; declined: number }> } }
      | undefined;
  }, { what: '/huge waiting' });
  assert.deepEqual(q.lastUnusedOffers.map((o) => [o.offer.hostname, o.reason]), [['a1', ['InsufficientMemory']]]);
  assert.equal(q.processedOffersSummary.rejectSummaryLastOffers.find((r) => r.reason === 'InsufficientMemory')?.declined, 1);
  assert.equal(q.processedOffersSummary.rejectSummaryLastOffers.find((r) => r.reason === 'InsufficientCpus')?.declined, 0);
  await api('/v2/apps/huge', 'DELETE');
});

test('an agent that reported its images fails a launch of a missing image (pull denied), and runs it once pulled', async () => {
  const reg = await control('/_control/agents/register', { zk: s.sim.opts.zkUrl, hostname: 'b1', ip: '127.0.0.9', images: ['other:1'] });
  assert.equal(reg.status, 200);
  await control('/_control/agents/a1/full', { full: true });
  assert.equal((await api('/v2/apps', 'POST', dockerApp('/img', 'team/jenkins:2'))).status, 201);
  type Failure = { host: string; message: string; state: string };
  const failure = await waitFor(async () => ((await api('/v2/apps/img')).body.app as { lastTaskFailure?: Failure }).lastTaskFailure, { what: 'lastTaskFailure' });
  assert.equal(failure.host, 'b1');
  assert.equal(failure.state, 'TASK_FAILED');
  assert.match(failure.message, /pull team\/jenkins:2': exited with status 1; stderr='Error response from daemon: pull access denied for team\/jenkins/);
  assert.equal((await control('/_control/agents/images', { hostname: 'b1', image: 'team/jenkins:2' })).status, 200);
  await waitFor(() => s.sim.marathon.tasksOf('/img').some((t) => t.state === 'TASK_RUNNING'), { deadlineMs: 10_000, what: '/img running after the pull' });
});

test('agents that never reported images (seeded, added by the control API) run any image', async () => {
  await control('/_control/agents/a1/full', { full: false });
  await control('/_control/agents/b1/full', { full: true });
  assert.equal((await api('/v2/apps', 'POST', dockerApp('/any', 'never/pulled:1'))).status, 201);
  await waitFor(() => s.sim.marathon.tasksOf('/any').some((t) => t.state === 'TASK_RUNNING'), { deadlineMs: 10_000, what: '/any running on a1' });
});

test('a cancelled deployment (DELETE ?force=true, or overridden by a forced update) ends with deployment_failed', async () => {
  await control('/_control/agents/a1/full', { full: true });
  const created = await api('/v2/apps', 'POST', { id: '/stuck', cpus: 0.1, mem: 16 });
  const first = (created.body.deployments as Array<{ id: string }>)[0]!.id;
  const forced = await api('/v2/apps/stuck?force=true', 'PUT', { mem: 32 });
  assert.equal(forced.status, 200);
  const second = forced.body.deploymentId as string;
  assert.equal((await call(s.urls.marathon, `/v2/deployments/${second}?force=true`, 'DELETE')).status, 202);
  const failed = s.sim.bus.log.filter((e) => e.eventType === 'deployment_failed').map((e) => (e as { id?: string }).id);
  assert.deepEqual(failed.filter((id) => id === first || id === second), [first, second]);
  assert.deepEqual((await api('/v2/deployments')).body, [], 'none left');
});
