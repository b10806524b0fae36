/**
 * The control API over HTTP, as shell shims on the SSH test hosts and benchmarks use it, and the generator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MesosClient } from '../../../src/clients/mesos/client.ts';
import { startSimulator, type RunningSimulator } from '../../support/simulator/index.ts';
import { waitFor } from '../../support/ports.ts';

let s: RunningSimulator;
before(async () => {
  s = await startSimulator({ timeScale: 500 });
});
after(() => s.stop());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.urls.control}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('agents/register: the right zk registers the agent (idempotently), a wrong one never appears', async () => {
  const ok = await call('POST', '/_control/agents/register', { zk: 'zk://master:2181/mesos', hostname: 'slave3', ip: '127.0.0.4', cpus: 4 });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.registered, true);
  assert.match(String(ok.body.id), /-S\d+$/);
  const again = await call('POST', '/_control/agents/register', { zk: 'zk://master:2181/mesos', hostname: 'slave3', ip: '127.0.0.4' });
  assert.deepEqual(again.body, { registered: true, id: ok.body.id });
  const mesos = new MesosClient({ masters: [s.urls.mesos] });
  const agent = await mesos.waitForAgent('slave3', { timeoutMs: 2000, intervalMs: 20 });
  assert.equal(agent.resources.cpus, 4);

  const bad = await call('POST', '/_control/agents/register', { zk: 'zk://mastr:2181/mesos', hostname: 'slave4', ip: '127.0.0.5' });
  assert.equal(bad.status, 409);
  assert.equal(bad.body.registered, false);
  assert.match(String(bad.body.reason), /zk:\/\/mastr:2181\/mesos/);
  const { slaves } = await mesos.slaves();
  assert.equal(slaves.some((a) => a.hostname === 'slave4'), false);
  const log = await call('GET', '/_control/agents/slave4/log');
  assert.match((log.body.lines as string[]).join('\n'), /not zk:\/\/master:2181\/mesos; agent never registered/);
  const log3 = await call('GET', '/_control/agents/slave3/log');
  assert.match((log3.body.lines as string[]).join('\n'), /Registered with master/);
  await mesos.close();
});

test('services/<name>/start records configured services and refuses a wrong ZooKeeper URL', async () => {
  const ok = await call('POST', '/_control/services/mesos-master/start', {
    files: { '/etc/mesos/zk': 'zk://master:2181/mesos\n', '/etc/mesos-master/hostname': 'master' },
  });
  assert.equal(ok.status, 200);
  const bad = await call('POST', '/_control/services/marathon/start', { files: { '/etc/marathon/conf/master': 'zk://elsewhere:2181/mesos' } });
  assert.equal(bad.status, 409);
  const list = await call('GET', '/_control/services');
  const services = list.body.services as Array<{ name: string; ok: boolean }>;
  assert.deepEqual(services.map((x) => [x.name, x.ok]), [['mesos-master', true], ['marathon', false]]);
  assert.equal((await call('POST', '/_control/services/nginx/start', {})).status, 404);
});

test('control routes: kill a task, lose/restore an agent, faults, job count, time scale, leader', async () => {
  await waitFor(() => s.sim.marathon.tasksOf('/jenkins')[0]?.health?.alive);
  const task = s.sim.marathon.tasksOf('/jenkins')[0]!;
  assert.equal((await call('POST', `/_control/tasks/${encodeURIComponent(task.id)}/kill`, { state: 'TASK_KILLED' })).status, 200);
  assert.equal(s.sim.state.tasks.has(task.id), false);
  assert.equal((await call('POST', '/_control/agents/slave2/lose')).status, 200);
  assert.equal(s.sim.agent('slave2').active, false);
  await call('POST', '/_control/agents/slave2/restore');
  assert.equal(s.sim.agent('slave2').active, true);
  await call('POST', '/_control/faults', { component: 'mesos', path: '/version', mode: 'fail', status: 502 });
  assert.equal((await fetch(`${s.urls.mesos}/version`)).status, 502);
  await call('DELETE', '/_control/faults');
  assert.equal((await fetch(`${s.urls.mesos}/version`)).status, 200);
  await call('POST', '/_control/jenkins/jobs', { count: 7 });
  assert.equal(s.sim.jenkins.jobs.size, 7);
  await call('POST', '/_control/jenkins/duration', { ms: 123_000, job: 'job-7' });
  assert.equal(s.sim.jenkins.jobs.get('job-7')?.durationMs, 123_000);
  assert.equal((await call('POST', '/_control/jenkins/duration', { ms: 1, job: 'nope' })).status, 400);
  await call('POST', '/_control/time-scale', { scale: 50 });
  assert.equal(s.sim.clock.timeScale, 50);
  await call('POST', '/_control/leader', { component: 'mesos', index: 1 });
  const r = await fetch(`${s.urls.mesosMasters[0]}/master/redirect`, { redirect: 'manual' });
  assert.equal(r.headers.get('location'), `//${new URL(s.urls.mesosMasters[1]!).host}`);
  await call('POST', '/_control/leader', { component: 'mesos', index: 0 });
  assert.equal((await call('POST', '/_control/nope')).status, 404);
});

// How long these reads take at scale is measured by test/bench/status-scale.ts, not asserted here.
test('generator: 10,000 agents and 100,000 tasks; slaves and metrics answer in full; requests are counted', async () => {
  const gen = await call('POST', '/_control/generate', { agents: 10_000, tasks: 100_000 });
  assert.deepEqual(gen.body, { agents: 10_000, tasks: 100_000 });
  const mesos = new MesosClient({ masters: [s.urls.mesos], timeoutMs: 10_000 });
  const before = s.sim.faults.requests('mesos', '/master/state');
  const m = await mesos.metricsSnapshot();
  assert.ok(m['master/slaves_active']! >= 10_000);
  assert.ok(m['master/tasks_running']! >= 100_000);
  const { slaves } = await mesos.slaves();
  assert.ok(slaves.length >= 10_002);
  assert.equal(s.sim.faults.requests('mesos', '/master/state'), before, 'no /master/state requests');
  await fetch(`${s.urls.mesos}/master/state`).then((r) => r.body?.cancel());
  assert.equal(s.sim.faults.requests('mesos', '/master/state'), before + 1, '/master/state is served and counted');
  const counts = await call('GET', '/_control/requests');
  assert.ok(Number(counts.body['mesos /master/slaves']) >= 1);
  await mesos.close();
});

test('agent faults over HTTP: stop, partition, restore, reboot, gone, full, offers; events stall / silence / slow', async () => {
  const before = s.sim.agent('slave2').id;
  for (const [path, body] of [['agents/slave2/stop', {}], ['agents/slave2/restore', {}], ['agents/slave2/partition', {}], ['agents/slave2/restore', {}], ['agents/slave2/full', { full: true }], ['agents/slave2/full', { full: false }], ['offers', { order: ['slave2'] }], ['offers', { order: [] }], ['events/stall', {}], ['events/stall', { stalled: false }], ['events/silence', {}], ['events/silence', { silent: false }], ['events/slow', { ms: 0 }]] as const) {
    assert.equal((await call('POST', `/_control/${path}`, body)).status, 200, path);
  }
  assert.equal(s.sim.agent('slave2').active, true);
  const rebooted = await call('POST', '/_control/agents/slave2/reboot', {});
  assert.notEqual(rebooted.body.id, before);
  assert.equal((await call('POST', `/_control/agents/${before}/gone`)).status, 200);
  assert.equal(s.sim.state.agents.get(before)?.status, 'gone');
});
