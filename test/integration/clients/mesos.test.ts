import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { MesosClient } from '../../../src/clients/mesos/client.ts';
import { UpstreamError } from '../../../src/core/errors.ts';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';

let s: RunningSimulator;
let mesos: MesosClient;

before(async () => {
  s = await startSimulator({ timeScale: 200 });
  // Masters listed non-leader first: the client must still find the leader through /master/redirect.
  mesos = new MesosClient({ masters: [s.urls.mesosMasters[1]!, s.urls.mesosMasters[0]!], timeoutMs: 2000, retryBaseMs: 5 });
  await waitFor(() => s.sim.marathon.tasksOf('/jenkins').some((t) => t.health?.alive), { what: 'jenkins healthy' });
});
after(async () => {
  await mesos.close();
  await s.stop();
});

test('leader is resolved from the 307 of /master/redirect', async () => {
  assert.equal(await mesos.leader(), s.urls.mesosMasters[0]);
});

test('metrics, slaves, frameworks and version describe the seed cluster', async () => {
  const m = await mesos.metricsSnapshot();
  assert.equal(m['master/elected'], 1);
  assert.equal(m['master/slaves_active'], 2);
  assert.equal(m['master/cpus_total'], 4);
  assert.ok((m['master/cpus_used'] ?? 0) >= 0.2);
  const { slaves } = await mesos.slaves();
  assert.deepEqual(slaves.map((a) => a.hostname).sort(), ['slave1', 'slave2']);
  const slave1 = slaves.find((a) => a.hostname === 'slave1');
  assert.equal(slave1?.resources.cpus, 2);
  assert.ok((slave1?.used_resources?.cpus ?? 0) >= 0.2, 'Jenkins runs on slave1');
  const { frameworks } = await mesos.frameworks();
  assert.deepEqual(frameworks.map((f) => f.name).sort(), ['Jenkins Scheduler', 'marathon']); // the mesos-plugin's default frameworkName
  const marathon = frameworks.find((f) => f.name === 'marathon');
  assert.equal(marathon?.tasks?.[0]?.state, 'TASK_RUNNING');
  assert.match((await mesos.version()).version, /^1\./);
});

test('agents: the domain form streamed from /master/slaves; callers at the same moment share one read (P4); a caller that gives up does not stop the others', async () => {
  const slavesRequests = async () => ((await (await fetch(`${s.urls.control}/_control/requests`)).json()) as Record<string, number>)['mesos /master/slaves'] ?? 0;
  const before = await slavesRequests();
  const gaveUp = new AbortController();
  const reads = [mesos.agents(), mesos.agents({ signal: gaveUp.signal }), mesos.agents()];
  gaveUp.abort(new Error('caller gave up'));
  const [first, abandoned, third] = await Promise.allSettled(reads);
  assert.equal(abandoned?.status, 'rejected');
  assert.equal(first?.status === 'fulfilled' && third?.status === 'fulfilled' && first.value === third.value, true, 'one answer, shared');
  const agents = first?.status === 'fulfilled' ? first.value.agents : [];
  assert.deepEqual(agents.map((a) => a.hostname).sort(), ['slave1', 'slave2']);
  const slave1 = agents.find((a) => a.hostname === 'slave1');
  assert.equal(slave1?.cpus, 2);
  assert.ok((slave1?.cpusUsed ?? 0) >= 0.2 && slave1?.connected === true, 'Jenkins runs on slave1');
  assert.equal(await slavesRequests(), before + 1, 'three callers, one /master/slaves request');
  await mesos.agents();
  assert.equal(await slavesRequests(), before + 2, 'a later call reads afresh');
});

test('sandbox files are read with path, offset and length from the agent port', async () => {
  const task = s.sim.marathon.tasksOf('/jenkins')[0]!;
  const dir = s.sim.sandboxDir(task.id)!;
  const agent = { host: '127.0.0.1', port: s.sim.agentServer.port };
  const all = await mesos.readFile(agent, `${dir}/stdout`);
  assert.match(all.data, /^Starting \/jenkins on slave1\n/);
  const part = await mesos.readFile(agent, `${dir}/stdout`, { offset: 2, length: 5 });
  assert.deepEqual({ data: part.data, offset: part.offset }, { data: all.data.slice(2, 7), offset: 2 });
  const size = await mesos.readFile(agent, `${dir}/stdout`, { offset: -1 });
  assert.equal(size.offset, Buffer.byteLength(all.data));
  await assert.rejects(mesos.readFile(agent, `${dir}/nope`), (e: unknown) => e instanceof UpstreamError && e.status === 404);
});

test('waitForAgent resolves when the agent registers and returns its resources', async () => {
  const waiting = mesos.waitForAgent('slave3', { timeoutMs: 5000, intervalMs: 20 });
  setTimeout(() => s.sim.addAgent({ hostname: 'slave3', ip: '127.0.0.4', cpus: 4, memMb: 7000 }), 100);
  const agent = await waiting;
  assert.equal(agent.hostname, 'slave3');
  assert.equal(agent.resources.cpus, 4);
  assert.equal(agent.resources.mem, 7000);
});

test('waitForAgent gives up with a timeout naming the host', async () => {
  await assert.rejects(mesos.waitForAgent('ghost', { timeoutMs: 200, intervalMs: 20 }), (e: unknown) => {
    assert.ok(e instanceof UpstreamError && e.failure === 'timeout');
    assert.match(e.message, /agent ghost did not register/);
    return true;
  });
});

test('waitForAgent polling on one signal leaves no abort listeners behind (no MaxListenersExceededWarning)', async () => {
  const signal = new AbortController().signal;
  await assert.rejects(mesos.waitForAgent('ghost', { timeoutMs: 600, intervalMs: 5, signal }));
  const left = getEventListeners(signal, 'abort').length;
  assert.ok(left <= 1, `${left} abort listeners left after polling`);
});
