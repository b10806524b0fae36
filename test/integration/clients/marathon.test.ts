import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MarathonClient } from '../../../src/clients/marathon/client.ts';
import type { MarathonEvent } from '../../../src/clients/marathon/event-schemas.ts';
import { UpstreamError } from '../../../src/core/errors.ts';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';

let s: RunningSimulator;
let marathon: MarathonClient;

before(async () => {
  s = await startSimulator({ timeScale: 200 });
  marathon = new MarathonClient({ urls: s.urls.marathons, timeoutMs: 2000, retryBaseMs: 5 });
  await waitFor(() => s.sim.marathon.tasksOf('/jenkins').some((t) => t.health?.alive), { what: 'jenkins healthy' });
});
after(async () => {
  await marathon.close();
  await s.stop();
});

/** Collects events until `until` says stop (or 5 s pass). */
async function collect(
  types: string[] | undefined,
  trigger: () => void | Promise<void>,
  until: (seen: MarathonEvent[]) => boolean,
): Promise<MarathonEvent[]> {
  const ac = new AbortController();
  const seen: MarathonEvent[] = [];
  const timer = setTimeout(() => ac.abort(), 5000);
  const stream = marathon.events({ ...(types ? { eventTypes: types } : {}), signal: ac.signal });
  const reading = (async () => {
    for await (const e of stream) {
      seen.push(e);
      if (seen.length === 1) await trigger();
      if (until(seen)) break;
    }
  })();
  await reading.finally(() => clearTimeout(timer));
  return seen;
}

test('leader, info, apps with embedded tasks and one app', async () => {
  assert.equal(await marathon.leader(), s.urls.marathons[0]);
  const info = await marathon.info();
  assert.equal(info.elected, true);
  assert.equal(info.marathon_config.master, 'zk://master:2181/mesos');
  const apps = await marathon.apps({ embed: ['apps.tasks'] });
  assert.equal(apps[0]?.id, '/jenkins');
  assert.equal(apps[0]?.tasks?.length, 1);
  const app = await marathon.app('/jenkins');
  assert.equal(app.tasks?.[0]?.host, 'slave1');
  assert.equal(app.tasks?.[0]?.healthCheckResults?.[0]?.alive, true);
  assert.equal(app.container?.volumes?.[0]?.hostPath, '/srv/jenkins_home');
  await assert.rejects(marathon.app('/nope'), (e: unknown) => e instanceof UpstreamError && e.status === 404);
});

test('create, update (409 while deploying, then force), deployments and queue', async () => {
  const created = await marathon.createApp({ id: '/web', instances: 1, cpus: 0.1, mem: 64 });
  assert.equal(created.id, '/web');
  assert.equal(created.deployments?.length, 1);
  // /big cannot be placed, so its deployment stays open and locks the app.
  const big = await marathon.createApp({ id: '/big', instances: 1, cpus: 64, mem: 64 });
  assert.equal((await marathon.deployments()).some((d) => d.affectedApps.includes('/big')), true);
  await assert.rejects(marathon.updateApp('/big', { instances: 2 }), (e: unknown) => e instanceof UpstreamError && e.status === 409);
  const forced = await marathon.updateApp('/big', { cpus: 0.1 }, { force: true });
  assert.match(forced.deploymentId, /^[0-9a-f-]{36}$/);
  assert.ok(big.id);
  await waitFor(async () => (await marathon.queue()).length === 0, { what: 'queue drained' });
  await waitFor(async () => (await marathon.deployments()).length === 0, { what: 'deployments done' });
});

test('an app that cannot be placed waits in /v2/queue', async () => {
  await marathon.createApp({ id: '/huge', instances: 1, cpus: 99, mem: 64 });
  const queue = await marathon.queue();
  assert.equal(queue.find((q) => q.app?.id === '/huge')?.count, 1);
});

// A user's kill relaunches the same instance (incarnation + 1) on the first fitting offer — here slave1 again —
// with TASK_STARTING, TASK_RUNNING, then the MESOS_HTTP check's healthy TASK_RUNNING (MARATHON-FAILOVER.md S3, S5).
test('events: typed stream with event_type filter shows the kill and the relaunch of the same instance', async () => {
  const before = s.sim.marathon.tasksOf('/jenkins')[0]!;
  const seen = await collect(
    ['event_stream_attached', 'status_update_event', 'instance_health_changed_event'],
    () => marathon.killTask('/jenkins', before.id).then(() => undefined),
    (all) => all.some((e) => e.eventType === 'instance_health_changed_event' && e.healthy === true),
  );
  assert.equal(seen[0]?.eventType, 'event_stream_attached');
  const statuses = seen.flatMap((e) => (e.eventType === 'status_update_event' ? [`${e.taskStatus}@${e.host}`] : []));
  assert.deepEqual(statuses, ['TASK_KILLED@slave1', 'TASK_STARTING@slave1', 'TASK_RUNNING@slave1', 'TASK_RUNNING@slave1']);
  const ids = seen.flatMap((e) => (e.eventType === 'status_update_event' ? [e.taskId] : []));
  assert.equal(ids[1], before.id.replace(/\._app\.(\d+)$/, (_, n: string) => `._app.${Number(n) + 1}`));
  assert.ok(seen.every((e) => ['event_stream_attached', 'status_update_event', 'instance_health_changed_event'].includes(e.eventType)));
});

test('killTask with scale shrinks the app instead of replacing the task', async () => {
  await marathon.createApp({ id: '/pair', instances: 2, cpus: 0.1, mem: 16 });
  await waitFor(() => s.sim.marathon.tasksOf('/pair').filter((t) => t.state === 'TASK_RUNNING').length === 2);
  const victim = s.sim.marathon.tasksOf('/pair')[0]!;
  const res = await marathon.killTask('/pair', victim.id, { scale: true });
  assert.match(res.deployment?.deploymentId ?? '', /^[0-9a-f-]{36}$/);
  assert.equal((await marathon.app('/pair')).instances, 1);
  const plain = await marathon.killTask('/pair', s.sim.marathon.tasksOf('/pair')[0]!.id, { wipe: true });
  assert.equal(plain.task?.appId, '/pair');
  await waitFor(async () => (await marathon.app('/pair')).tasksRunning === 1, { what: 'replacement running' });
});

test('leader change between two calls: the client follows the new leader', async () => {
  assert.equal((await marathon.apps()).length > 0, true);
  await s.sim.setLeader('marathon', 1, { stopOld: true });
  const apps = await marathon.apps();
  assert.ok(apps.some((a) => a.id === '/jenkins'));
  assert.equal(await marathon.leader(), s.urls.marathons[1]);
  // The event stream goes to the new leader too.
  const seen = await collect(undefined, () => undefined, (all) => all.length >= 1);
  assert.equal(seen[0]?.eventType, 'event_stream_attached');
  await s.sim.setLeader('marathon', 0);
});
