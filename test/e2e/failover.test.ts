/**
 * Failover incidents end to end: ci-bot as processes (`serve` + `worker`, and two `watch` replicas), the Slack
 * emulator, the cluster simulator (held to MARATHON-FAILOVER.md), a real Redis. Jenkins is killed in the simulator
 * the way Docker kills it (TASK_FAILED, "Container exited with status 137"); the channel gets one message that
 * goes from "down" to "back", and the data check says whether JENKINS_HOME came along.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type RecordedMessage, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/playground/simulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ALERTS = 'C0ALERTS01';
const ALICE = 'U0ALICE001';
let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let front: BotProcess;
const watchers: BotProcess[] = [];
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
const prefix = `e2efo${randomBytes(3).toString('hex')}`;

const config = {
  redis: { prefix }, roles: { admins: [ALICE] },
  slack: { channels: { alerts: ALERTS } },
  cluster: { jenkins: { user: 'admin', timeoutMs: 1500 }, mesos: { timeoutMs: 2000 }, marathon: { timeoutMs: 2000 } },
  watch: { leaseTtlMs: 1500, agentsPollMs: 300, streamIdleMs: 5000 },
  // Each test's failure is its own incident (the default 10 min would join them as a flapping Jenkins).
  alerts: { flapWindowMs: 1000, groupWindowMs: 1500 },
  tasks: { outboxLockMs: 2000 },
};
const env = () => ({
  SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
  MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','), JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
});
const text = (m: RecordedMessage) => renderMessageText(m);
const incidents = () => slack.messages(ALERTS).filter((m) => m.kind === 'channel' && /Jenkins (down|back|restarted)/.test(text(m)));
const jenkinsTask = () => {
  const t = sim.sim.marathon.tasksOf('/jenkins').find((x) => x.state === 'TASK_RUNNING');
  return t && { ...t, host: sim.sim.state.agents.get(t.agentId)?.hostname };
};

before(async () => {
  [redis, sim] = await Promise.all([startRedis(), startSimulator({ timeScale: 50 })]);
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused', channels: [{ id: ALERTS, name: 'ci-alerts' }] });
  await waitFor(() => jenkinsTask()?.health?.alive, { what: 'Jenkins healthy in the simulator', deadlineMs: 20_000 });
  front = await startBot({ role: 'serve', config, env: env() });
  const workers = await startBot({ role: 'worker', config, env: env() });
  watchers.push(workers);
  for (let i = 0; i < 2; i++) watchers.push(await startBot({ role: 'watch', config, env: env() }));
  slack.setTarget({ mode: 'http', url: front.eventsUrl });
  // The active watcher has read Jenkins (its baseline and fingerprint) before anything happens.
  await waitFor(async () => (await redis.command('GET', `${prefix}:state:failover:/jenkins:fingerprint`)).includes('jobCount'), { what: 'a fingerprint of the healthy Jenkins', deadlineMs: 20_000 });
});

after(async () => {
  for (const w of watchers) await w.stop().catch(() => undefined);
  await front?.stop();
  await slack?.stop();
  await sim?.stop();
  await redis?.stop();
});

/** The watch replica holding the lease (its pid is in the lease value). */
async function activeWatcher(): Promise<BotProcess> {
  const holder = await waitFor(async () => {
    const v = await redis.command('GET', `${prefix}:lease:watch`);
    return watchers.find((w) => v.includes(`:${w.proc.pid}:`));
  }, { what: 'the lease holder', deadlineMs: 10_000 });
  return holder;
}

describe('failover incident', () => {
  test('Jenkins killed, relaunched on another agent with an empty home: one message, down → back, data check NOT', async () => {
    const task = jenkinsTask();
    assert.ok(task?.host);
    const oldHost = task.host;
    const jobsBefore = sim.sim.jenkins.jobs.size;
    assert.ok(jobsBefore > 0);
    // The old agent declines offers, so Marathon relaunches elsewhere, where the host-path JENKINS_HOME is empty.
    sim.sim.setAgentFull(oldHost, true);
    sim.sim.killTask(task.id, 'TASK_FAILED', 'Container exited with status 137');
    const down = await slack.waitForMessage((m) => m.channel === ALERTS && m.kind === 'channel' && /Jenkins down on/.test(text(m)), 15_000);
    assert.match(text(down), new RegExp(`Jenkins down on ${oldHost}\\*? — TASK_FAILED: Container exited with status 137`));
    const back = await waitFor(() => {
      const m = slack.messages(ALERTS).find((x) => x.ts === down.ts);
      return m && /Jenkins back on/.test(text(m)) && /JENKINS_HOME/.test(text(m)) && !/Checking whether/.test(text(m)) ? m : undefined;
    }, { what: 'the same message updated to "back" with the data check', deadlineMs: 30_000 });
    const newHost = jenkinsTask()?.host;
    assert.ok(newHost && newHost !== oldHost);
    assert.match(text(back), new RegExp(`Jenkins back on ${newHost} (after \\d+ s|within a second)\\*? \\(moved from ${oldHost}\\)`));
    assert.match(text(back), new RegExp(`JENKINS_HOME did NOT come along: 0 of ${jobsBefore} jobs — it is a host path on ${oldHost}`));
    assert.equal(incidents().length, 1, 'one message, updated in place');
    // The thread holds the timeline.
    await waitFor(() => slack.messages(ALERTS).find((m) => m.thread_ts === down.ts && /TASK_FAILED/.test(text(m))), { what: 'timeline in the thread' });
    // /ci alerts lists it; the audit has it.
    const ack = await slack.command(ALICE, 'alerts --since 1h');
    assert.match(ack.body, /Jenkins back on/);
    assert.match(await redis.command('XRANGE', `${prefix}:audit`, '-', '+'), /alert/);
    // Metrics of the watcher that raised it, and the watcher's status in the front door's /readyz.
    const holder = await activeWatcher();
    const metrics = await (await fetch(`http://127.0.0.1:${holder.port}/metrics`)).text();
    assert.match(metrics, /cibot_alerts_total\{kind="jenkins"\} [1-9]/);
    type Ready = { features: { watcher: { holder?: string; connected?: boolean; lagEvents?: number } } };
    const ready = await waitFor(async () => {
      const r = (await (await fetch(`http://127.0.0.1:${front.port}/readyz`)).json()) as Ready;
      return r.features.watcher.connected ? r : undefined;
    }, { what: 'the watcher reported connected in /readyz', deadlineMs: 10_000 });
    assert.match(ready.features.watcher.holder ?? '', new RegExp(`:${holder.proc.pid}$`));
    assert.equal(typeof ready.features.watcher.lagEvents, 'number');
    // The next digest counts it among the incidents of its period.
    const queued = await slack.command(ALICE, 'digest now');
    assert.match(queued.body, /Queued/, queued.body);
    const digest = await slack.waitForMessage((m) => m.kind === 'channel' && /CI cluster digest/.test(text(m)), 20_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${watchers[0]?.proc.output().slice(-3000)}`);
    });
    assert.match(text(digest), /1 incident, .* of downtime in all, 1 move/);
    sim.sim.setAgentFull(oldHost, false);
  });

  test('S3 + lease: the active watcher SIGKILLed while Jenkins is down → the other replica takes over and resolves the same incident, posted once', async () => {
    const before = incidents().length;
    const active = await activeWatcher();
    const task = jenkinsTask();
    assert.ok(task?.host);
    // No agent takes Jenkins until the test says so: the incident stays open across the hand-over.
    const hosts = [...sim.sim.state.agents.values()].map((a) => a.hostname);
    for (const h of hosts) sim.sim.setAgentFull(h, true);
    sim.sim.killTask(task.id, 'TASK_FAILED', 'Container exited with status 137');
    const known = new Set(incidents().map((m) => m.ts));
    const down = await slack.waitForMessage((m) => m.channel === ALERTS && m.kind === 'channel' && !known.has(m.ts) && /Jenkins down on/.test(text(m)), 15_000);
    await active.stop('SIGKILL');
    watchers.splice(watchers.indexOf(active), 1);
    const next = await activeWatcher();
    assert.notEqual(next, active);
    for (const h of hosts) sim.sim.setAgentFull(h, false);
    await waitFor(() => {
      const m = slack.messages(ALERTS).find((x) => x.ts === down.ts);
      return m && /Jenkins (back on|restarted in place on)/.test(text(m)) ? m : undefined;
    }, { what: 'resolved by the replica that took over', deadlineMs: 30_000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${slack.messages(ALERTS).map((m) => `${m.ts} ${text(m)}`).join('\n')}\n${watchers.map((w) => w.proc.output().slice(-4000)).join('\n---\n')}`);
    });
    assert.equal(incidents().length, before + 1, 'posted once across the hand-over');
  });

  test('R15: a storm of 1,000 task failures over 200 apps in 5 s → one message updated in place, every failure counted', async () => {
    const storm = () => slack.messages(ALERTS).filter((m) => m.kind === 'channel' && /task failures? in/.test(text(m)));
    const postsBefore = slack.calls('chat.postMessage').length;
    for (let i = 0; i < 1000; i++) {
      const app = `/storm${i % 200}`;
      sim.sim.bus.emit('status_update_event', {
        slaveId: 'S1', taskId: `storm${i % 200}.instance-${i}._app.1`, taskStatus: 'TASK_FAILED', message: 'Container exited with status 1',
        appId: app, host: 'slave1', ports: [], ipAddresses: [], version: new Date().toISOString(),
      });
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 1000)); // 5 s in all: 200 failures a second
    }
    const done = await waitFor(() => storm().find((m) => /burst over/.test(text(m))), { what: 'the burst reported as over', deadlineMs: 20_000 });
    assert.match(text(done), /1,000 task failures in \d+ s over 200 apps/);
    assert.equal(storm().length, 1, 'one message for the whole storm');
    const posts = slack.calls('chat.postMessage').length - postsBefore;
    assert.ok(posts <= 3, `${posts} posts for the storm (one message, plus at most its thread)`);
    const alerts = await slack.command(ALICE, 'alerts --since 1h');
    assert.match(alerts.body, /1,000 task failures/);
  });

  test('agent watcher (MasterTest.SlaveActiveEndpoint, PartitionTest): a build host stops → one message "inactive" → "lost" with the totals → "back"', async () => {
    const jenkinsHost = jenkinsTask()?.host;
    const other = [...sim.sim.state.agents.values()].map((a) => a.hostname).find((h) => h !== jenkinsHost);
    assert.ok(other);
    const about = () => slack.messages(ALERTS).filter((m) => m.kind === 'channel' && new RegExp(`agent ${other}\\*? `).test(text(m)));
    sim.sim.stopAgent(other);
    const lost = await waitFor(() => about().find((m) => /lost/.test(text(m))), { what: `agent ${other} lost`, deadlineMs: 20_000 });
    const total = sim.sim.state.agents.size;
    assert.match(text(lost), new RegExp(`agent ${other} lost\\*? — ${total - 1} of ${total} agents left, [\\d.]+ cpus / [\\d.]+ (GB|MB)`));
    sim.sim.restoreAgent(other);
    await waitFor(() => about().find((m) => m.ts === lost.ts && /back/.test(text(m))), { what: `agent ${other} back, in the same message`, deadlineMs: 20_000 });
    assert.equal(about().length, 1, 'inactive, lost and back are one message');
  });

  test('the agent that hosted Jenkins is lost → one incident carries both: the cause and the agent line with the new totals', async () => {
    const task = jenkinsTask();
    assert.ok(task?.host);
    const host = task.host;
    const known = new Set(incidents().map((m) => m.ts));
    sim.sim.stopAgent(host);
    const incident = await waitFor(() => incidents().find((m) => !known.has(m.ts) && new RegExp(`agent ${host} unreachable`).test(text(m)) && new RegExp(`agent ${host} lost`).test(text(m)) && /JENKINS_HOME (did NOT come|came) along|not checked/.test(text(m))), {
      what: 'the incident with the agent line', deadlineMs: 20_000,
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${slack.messages(ALERTS).map((m) => `${m.ts} ${text(m)}`).join('\n')}`);
    });
    assert.match(text(incident), /of \d+ agents left/);
    sim.sim.restoreAgent(host);
  });
});
