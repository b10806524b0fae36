/**
 * The failover source (watcher, tracker, data check) over the real cluster clients against the simulator, which
 * replays what real Marathon 1.8–1.10 and Mesos 1.10 emit (MARATHON-FAILOVER.md). Alerts are collected from the
 * sink: each scenario checks the incidents a user would get, in order — the real sequences, not hand-written ones.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { createClusterClients } from '../../../src/roles/cluster-clients.ts';
import { createJenkinsSource } from '../../../src/features/failover/jenkins-source.ts';
import type { AlertSink } from '../../../src/features/failover/alert-sink.ts';
import type { AlertRecord, StateStore } from '../../../src/core/ports.ts';

let s: RunningSimulator | undefined;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await s?.stop();
  s = undefined;
});

/** A running source over the simulator; `alerts` is every raise, in order. */
async function watch(opts: { flapWindowMs?: number; repeatIntervalMs?: number } = {}) {
  s = await startSimulator({ timeScale: 50 });
  const sim = s.sim;
  await waitFor(() => sim.marathon.tasksOf('/jenkins').find((t) => t.health?.alive), { what: 'jenkins healthy', deadlineMs: 20_000 });
  const config = configSchema.parse({
    cluster: { marathon: { urls: s.urls.marathons }, mesos: { urls: s.urls.mesosMasters }, jenkins: { url: s.urls.jenkins, user: 'admin' } },
    watch: { streamIdleMs: 3000 }, alerts: { flapWindowMs: opts.flapWindowMs ?? 600_000, ...(opts.repeatIntervalMs ? { repeatIntervalMs: opts.repeatIntervalMs } : {}) },
  });
  const clients = createClusterClients(config, { jenkinsApiToken: 'sim-token' } as never, () => undefined);
  const alerts: AlertRecord[] = [];
  const replies: string[] = [];
  const sink: AlertSink = { raise: async (r) => void alerts.push(r), reply: async (_r, key) => void replies.push(key) };
  const kv = new Map<string, unknown>();
  const state: StateStore = { get: async (k) => structuredClone(kv.get(k)), set: async (k, v) => void kv.set(k, structuredClone(v)) };
  const source = createJenkinsSource({ config, cluster: clients.reader, sink, state, log: { info() {}, warn() {}, error() {} } });
  const stop = new AbortController();
  const running = source.run(stop.signal);
  stops.push(async () => {
    stop.abort();
    await running;
    await clients.close();
  });
  // Subscribed, and the resync that follows the subscription finished: from here on, only events tell it anything.
  await waitFor(() => source.stats()?.connected && (source.stats()?.resyncsDone ?? 0) >= 2, { what: 'watcher subscribed and in sync' });
  const jenkins = () => {
    const t = sim.marathon.tasksOf('/jenkins').find((x) => x.state === 'TASK_RUNNING');
    return t && { ...t, host: sim.state.agents.get(t.agentId)?.hostname ?? '' };
  };
  /** The latest record of each incident, in the order they opened. */
  const incidents = () => [...new Map(alerts.filter((a) => a.kind === 'jenkins').map((a) => [a.key, a])).values()];
  return { sim, source, alerts, incidents, jenkins, replies, urls: s.urls };
}

describe('failover source against the simulator', () => {
  test('S1 (executor.cpp _reaped; Task.scala nextIncarnationFor): docker kill → same instance on the first fitting offer → "restarted in place"', async () => {
    const w = await watch();
    const before = w.jenkins();
    assert.ok(before);
    w.sim.killTask(before.id, 'TASK_FAILED', 'Container exited with status 137');
    await waitFor(() => w.incidents()[0]?.state === 'resolved', { what: 'resolved', deadlineMs: 20_000 });
    const [i] = w.incidents();
    assert.equal(w.incidents().length, 1);
    assert.match(i!.title, new RegExp(`restarted in place on ${before.host}`));
    assert.equal(w.jenkins()?.host, before.host);
    // Open first, then resolved: the user saw "down" before "back".
    assert.match(w.alerts.find((a) => a.state === 'open')?.title ?? '', /Jenkins down on .* TASK_FAILED: Container exited with status 137/);
  });

  test('S4 default {0,0} (InstanceUpdaterTest; partition_tests.cpp): agent lost → TASK_UNREACHABLE after the ping timeout → a new instance elsewhere', async () => {
    const w = await watch();
    const before = w.jenkins();
    assert.ok(before);
    w.sim.stopAgent(before.host);
    await waitFor(() => w.incidents()[0]?.state === 'resolved', { what: 'resolved', deadlineMs: 20_000 });
    const [i] = w.incidents();
    assert.match(w.alerts[0]!.title, new RegExp(`Jenkins down on ${before.host}.*agent ${before.host} unreachable`));
    assert.match(i!.title, new RegExp(`Jenkins back on ${w.jenkins()?.host}.*moved from ${before.host}`));
    assert.notEqual(w.jenkins()?.instanceId, before.instanceId, 'the replacement is a new instance');
  });

  test('S5 restart (TaskReplaceActor.scala; upgradeStrategy {0,0}): a restart deployment is marked planned', async () => {
    const w = await watch();
    const res = await fetch(`${w.urls.marathon}/v2/apps/jenkins/restart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200);
    await waitFor(() => w.incidents()[0]?.state === 'resolved', { what: 'resolved', deadlineMs: 20_000 });
    assert.equal(w.incidents()[0]?.planned, true);
    assert.equal(w.incidents()[0]?.severity, 'info');
  });

  test('S3 (health_check_tests.cpp ConsecutiveFailures): MESOS_HTTP health fails → the executor kills it → one incident, back once healthy', async () => {
    const w = await watch();
    const before = w.jenkins();
    assert.ok(before);
    w.sim.failHealth(before.id, true);
    await waitFor(() => w.incidents()[0]?.state === 'resolved', { what: 'resolved', deadlineMs: 30_000 });
    assert.match(w.alerts[0]!.title, /Jenkins down on .* TASK_KILLED/);
    assert.equal(w.incidents().length, 1);
  });

  test('flapping: three kills in a row are one incident with a count', async () => {
    const w = await watch();
    for (let n = 0; n < 3; n++) {
      const t = await waitFor(() => (w.jenkins()?.health?.alive ? w.jenkins() : undefined), { what: 'Jenkins healthy', deadlineMs: 20_000 });
      const resolvedBefore = w.alerts.filter((a) => a.state === 'resolved').length;
      w.sim.killTask(t.id, 'TASK_FAILED', 'Container exited with status 137');
      await waitFor(() => w.alerts.filter((a) => a.state === 'resolved').length > resolvedBefore, { what: `recovery ${n + 1}`, deadlineMs: 20_000 });
    }
    assert.equal(w.incidents().length, 1);
    assert.match(w.alerts.filter((a) => a.state === 'open').at(-1)!.title, /Jenkins down again/);
  });

  test('R13 (HttpEventStreamActorTest, MarathonTest.scala): Jenkins moves while the stream is silent, then the stream drops → found by the resync, once', async () => {
    const w = await watch();
    const before = w.jenkins();
    assert.ok(before);
    w.sim.bus.silent = true; // a dead connection: no events, no heartbeats
    w.sim.setAgentFull(before.host, true);
    w.sim.killTask(before.id, 'TASK_FAILED', 'Container exited with status 137');
    await waitFor(() => w.jenkins()?.health?.alive && w.jenkins()?.host !== before.host, { what: 'moved in the simulator', deadlineMs: 20_000 });
    assert.equal(w.alerts.length, 0, 'nothing arrived while the stream was silent');
    w.sim.bus.drop();
    w.sim.bus.speak();
    await waitFor(() => w.incidents()[0]?.state === 'resolved', { what: 'found by the resync', deadlineMs: 20_000 });
    assert.equal(w.incidents().length, 1);
    assert.match(w.incidents()[0]!.title, new RegExp(`moved from ${before.host}`));
    assert.ok((w.source.stats()?.reconnects ?? 0) >= 1);
  });

  test('R13 (HttpEventStreamActorTest): the event bus stalls (heartbeats go on) during a move, then resumes → one incident, resolved, nothing twice', async () => {
    const w = await watch();
    const before = w.jenkins();
    assert.ok(before);
    w.sim.bus.stalled = true;
    w.sim.setAgentFull(before.host, true);
    w.sim.killTask(before.id, 'TASK_FAILED', 'Container exited with status 137');
    await waitFor(() => w.jenkins()?.health?.alive && w.jenkins()?.host !== before.host, { what: 'moved in the simulator', deadlineMs: 20_000 });
    assert.equal(w.alerts.length, 0, 'nothing arrived while the bus was stalled');
    assert.equal(w.source.stats()?.connected, true, 'heartbeats kept the connection alive');
    w.sim.bus.resume();
    await waitFor(() => w.incidents()[0]?.state === 'resolved', { what: 'resolved once the held events arrived', deadlineMs: 20_000 });
    assert.equal(w.incidents().length, 1);
    assert.equal(w.alerts.filter((a) => a.state === 'open').length, 1, 'opened once');
  });

  test('R13 (LeaderIntegrationTest, ForwardToLeaderIntegrationTest): Marathon leader abdicates during a move → the watcher follows the new leader and reports it once', async () => {
    const w = await watch();
    const before = w.jenkins();
    assert.ok(before);
    w.sim.setAgentFull(before.host, true);
    w.sim.abdicateMarathon();
    w.sim.killTask(before.id, 'TASK_FAILED', 'Container exited with status 137');
    await waitFor(() => w.incidents()[0]?.state === 'resolved', { what: 'resolved across the leader change', deadlineMs: 30_000 });
    assert.equal(w.incidents().length, 1);
    assert.match(w.incidents()[0]!.title, new RegExp(`moved from ${before.host}`));
  });

  test('an incident still open after the repeat interval gets a reminder in its thread, once per interval', async () => {
    const w = await watch({ repeatIntervalMs: 1000 });
    const before = w.jenkins();
    assert.ok(before);
    const hosts = [...w.sim.state.agents.values()].map((a) => a.hostname);
    for (const h of hosts) w.sim.setAgentFull(h, true); // nowhere to go: Jenkins stays down
    w.sim.killTask(before.id, 'TASK_FAILED', 'Container exited with status 137');
    await waitFor(() => w.replies.length >= 2, { what: 'two reminders', deadlineMs: 10_000 });
    const id = w.incidents()[0]!.key;
    assert.deepEqual(w.replies.slice(0, 2), [`${id}:reminder:1`, `${id}:reminder:2`]);
    for (const h of hosts) w.sim.setAgentFull(h, false);
  });
});
