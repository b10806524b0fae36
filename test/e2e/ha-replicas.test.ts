/**
 * H2: two replicas of each role — `serve` ×2 (Socket Mode, the emulator spreading envelopes over both
 * connections), `worker` ×2, `watch` ×2 — as separate processes on one Redis (AOF), with the Slack emulator, the
 * cluster simulator and two real sshd hosts. A scripted run (selftest commands, a prepull fan-out to both hosts, a
 * digest, a Jenkins failover) SIGKILLs one process per phase, chosen at random (the seed is printed) and killed after
 * a random delay, and starts a replacement so two of each role run again. Shown from the records: every command
 * answered (acked once; a command whose serve died before acking is sent again, as a user would) and handled at most
 * once per send (audit), every task completed exactly once (audit `task_finished` per job; a task whose worker died
 * is resumed by the other), one progress message per task, one digest, one incident message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type RecordedMessage, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/playground/simulator/index.ts';
import { agentInventory, startTestHosts, type TestHosts } from '../support/ssh-hosts/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ADMIN = 'U0ALICE001';
const ALERTS = 'C0ALERTS01';
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-h2-${randomBytes(6).toString('hex')}`;
const appToken = `xapp-1-A0CIBOT001-h2-${randomBytes(6).toString('hex')}`;
const prefix = `h2${randomBytes(3).toString('hex')}`;
/** The run's random choices; `H2_SEED=<printed seed>` replays a run. */
const seed = process.env.H2_SEED ? Number(process.env.H2_SEED) : randomBytes(4).readUInt32LE(0);
type Role = 'serve' | 'worker' | 'watch';

let redis: RedisServer;
let reader: Redis;
let slack: SlackEmulator;
let sim: RunningSimulator;
let th: TestHosts;
const procs: Record<Role, BotProcess[]> = { serve: [], worker: [], watch: [] };
const killed: BotProcess[] = [];
const text = (m: RecordedMessage) => renderMessageText(m);

/** mulberry32: the run's choices, reproducible from the printed seed. */
const random = (() => {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
})();

const launch = (role: Role) => startBot({
  role,
  config: {
    redis: { prefix }, roles: { admins: [ADMIN] }, inventory: agentInventory(th.hosts),
    slack: { channels: { alerts: ALERTS } },
    cluster: { jenkins: { user: 'admin', timeoutMs: 1500 }, mesos: { timeoutMs: 2000 }, marathon: { timeoutMs: 2000 } },
    watch: { leaseTtlMs: 1500, agentsPollMs: 300, streamIdleMs: 5000 },
    alerts: { flapWindowMs: 1000, groupWindowMs: 1500 },
    // Up to three workers die in one run, and a task can be running at each of those kills: it must survive them all.
    tasks: { maxStalledCount: 3, selftestStepMs: 250, lockDurationMs: 2000, stalledIntervalMs: 1000, outboxLockMs: 2000 },
  },
  env: {
    SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_APP_TOKEN: appToken, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
    MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','), JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
    SSH_PRIVATE_KEY_PATH: th.clientKey.path,
  },
  deadlineMs: 40_000,
});

before(async () => {
  [redis, sim] = await Promise.all([startRedis({ aof: true }), startSimulator({ timeScale: 50 })]);
  reader = new Redis(redis.url);
  th = await startTestHosts({ names: ['slave1', 'slave2'], simulatorControlUrl: 'http://127.0.0.1:9', files: { 'var/lib/cibot-shim/active/docker': '' } });
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken, socketSpread: true, channels: [{ id: ALERTS, name: 'ci-alerts' }] });
  slack.setTarget({ mode: 'socket' });
  for (const role of ['serve', 'serve', 'worker', 'worker', 'watch', 'watch'] as const) procs[role].push(await launch(role));
  await slack.waitForConnection(2);
  await waitFor(async () => (await reader.get(`${prefix}:state:failover:/jenkins:fingerprint`))?.includes('jobCount'), { what: 'a fingerprint of the healthy Jenkins', deadlineMs: 30_000 });
});

after(async () => {
  for (const p of [...procs.serve, ...procs.worker, ...procs.watch]) await p.stop().catch(() => undefined);
  reader?.disconnect();
  await slack?.stop();
  await th?.stop();
  await sim?.stop();
  await redis?.stop();
});

/** SIGKILLs `victim` (a replica of `role`) after `delayMs`, then starts its replacement: two of each role again. */
async function killAndReplace(role: Role, victim: BotProcess, delayMs: number, log: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, delayMs)); // the random point of the kill, not a wait for a result
  await victim.stop('SIGKILL');
  killed.push(victim);
  procs[role] = procs[role].filter((p) => p !== victim);
  log.push(`${role} pid ${victim.proc.pid} after ${delayMs} ms`);
  procs[role].push(await launch(role));
  if (role === 'serve') await slack.waitForConnection(2);
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

/** The active watcher: its pid is in the lease value. */
async function leaseHolder(): Promise<BotProcess> {
  return waitFor(async () => {
    const v = (await reader.get(`${prefix}:lease:watch`)) ?? '';
    return procs.watch.find((w) => v.includes(`:${w.proc.pid}:`));
  }, { what: 'the lease holder', deadlineMs: 15_000 });
}

interface Sent { text: string; attempts: number; body: string }
/**
 * One command; sent again, as a user would, when no serve acked it (its serve was killed with the envelope in
 * flight) or the answer was "the task queue is unavailable … nothing was queued" (on this loaded 2-core machine a
 * front door can miss its 250 ms enqueue deadline while processes start). At most 3 sends.
 */
async function command(commandText: string, sent: Sent[]): Promise<string> {
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const ack = await slack.command(ADMIN, commandText);
    last = ack.body;
    if (ack.acked && !/unavailable right now[^"]*nothing was queued/.test(ack.body)) {
      sent.push({ text: commandText, attempts: attempt, body: ack.body });
      return ack.body;
    }
    if (ack.acked) console.log(`H2: "${commandText}" answered "unavailable" (send ${attempt}); sent again`);
  }
  return assert.fail(`"${commandText}" was not answered (or not queued) in 3 sends: ${last}`);
}

async function auditEntries(): Promise<Array<Record<string, string>>> {
  const entries = (await reader.xrange(`${prefix}:audit`, '-', '+')) as Array<[string, string[]]>;
  return entries.map(([, f]) => Object.fromEntries(f.flatMap((_, i) => (i % 2 === 0 ? [[f[i], f[i + 1]]] : []))) as Record<string, string>);
}

// A worker SIGKILLed after a task's task_finished line and before BullMQ recorded the completion (seen once in 8
// full runs: phase 1, just as the selftests end) used to have its task run again by the other worker. The outcome
// and a completion marker are now written in one step, and a resumed task with a marker is completed with it, not
// run again (test/integration/queue/faults-worker.test.ts › "after the task outcome is recorded").
test('H2: one ci-bot process SIGKILLed at a random point in each phase (two replicas of each role) → every command answered, every task completed once, every incident posted once', async () => {
  const sent: Sent[] = [];
  const kills: string[] = [];
  console.log(`H2: seed ${seed}`);

  // Phase 1: selftests (4 steps of 250 ms each); a worker killed while they run.
  const selftests: string[] = [];
  const phase1 = killAndReplace('worker', pick(procs.worker), 300 + Math.floor(random() * 1200), kills);
  for (let i = 0; i < 6; i++) {
    const body = await command('selftest', sent);
    selftests.push(/Queued `([^`]+)`/.exec(body)?.[1] ?? assert.fail(body));
  }
  await phase1;

  // Phase 2: a prepull fan-out to both hosts; a worker killed during it.
  const fanout = await command('prepull busybox:1.36', sent);
  assert.doesNotMatch(fanout, /unavailable|denied|not allowed/i, fanout);
  await killAndReplace('worker', pick(procs.worker), Math.floor(random() * 1000), kills);

  // Phase 3: a digest; any one process but the watchers' killed right after the command.
  const digest = await command('digest now', sent);
  assert.match(digest, /Queued `/, digest);
  const phase3Role = pick(['worker', 'serve'] as const);
  await killAndReplace(phase3Role, pick(procs[phase3Role]), Math.floor(random() * 500), kills);

  // Phase 4: Jenkins fails over; the active watcher is killed at a random point of the incident.
  const task = sim.sim.marathon.tasksOf('/jenkins').find((x) => x.state === 'TASK_RUNNING') ?? assert.fail('Jenkins runs');
  const holder = await leaseHolder();
  sim.sim.killTask(task.id, 'TASK_FAILED', 'Container exited with status 137');
  await killAndReplace('watch', holder, Math.floor(random() * 2000), kills);
  console.log(`H2: killed ${kills.join('; ')}`);

  // Every task completed exactly once: each job started in the audit has one task_finished, successful.
  const isIncident = (m: RecordedMessage) => m.kind === 'channel' && /Jenkins (down|back|restarted)/.test(text(m));
  await waitFor(() => slack.messages(ALERTS).some((m) => isIncident(m) && /Jenkins (back|restarted)/.test(text(m))), { deadlineMs: 60_000, what: 'the incident resolved' });
  await waitFor(() => slack.messages().some((m) => m.kind === 'channel' && /CI cluster digest/.test(text(m))), { deadlineMs: 60_000, what: 'the digest' });
  const entries = await waitFor(async () => {
    const all = await auditEntries();
    const started = new Set(all.filter((e) => e.kind === 'task_started').map((e) => e.jobId));
    const finished = new Set(all.filter((e) => e.kind === 'task_finished').map((e) => e.jobId));
    const prepulls = [...started].filter((id) => id?.startsWith('prepull-'));
    return prepulls.length === 2 && selftests.every((id) => finished.has(id)) && [...started].every((id) => finished.has(id)) ? all : undefined;
  }, { deadlineMs: 90_000, intervalMs: 250, what: 'every task started to finish' });
  const jobIds = [...new Set(entries.filter((e) => e.kind === 'task_started').map((e) => e.jobId!))];
  for (const id of jobIds) {
    const finishes = entries.filter((e) => e.kind === 'task_finished' && e.jobId === id);
    assert.equal(finishes.length, 1, `${id} completed once`);
    assert.equal(finishes[0]!.outcome, 'succeeded', `${id} succeeded`);
  }
  for (const h of th.hosts) assert.ok(h.calls().some((c) => /docker pull busybox:1\.36/.test(c)), `${h.name} pulled the image`);

  // One progress message per selftest; each command handled at most once per send.
  for (const id of selftests) {
    await waitFor(() => slack.messages().find((m) => m.kind === 'channel' && !m.thread_ts && text(m).includes(id) && /selftest passed/.test(text(m))), { deadlineMs: 30_000, what: `${id} final` });
    const posts = slack.calls('chat.postMessage').filter((c) => c.status === 200 && !c.args.thread_ts && JSON.stringify(c.args).includes(id));
    assert.equal(posts.length, 1, `one progress message for ${id}`);
  }
  const handled = entries.filter((e) => e.kind === 'command').length;
  const attempts = sent.reduce((n, s) => n + s.attempts, 0);
  console.log(`H2: ${sent.length} commands answered (${attempts} sends), ${handled} handled in the audit, ${jobIds.length} tasks completed once each`);
  assert.ok(handled >= sent.length && handled <= attempts, `each command handled once per send: ${handled} entries for ${sent.length} commands, ${attempts} sends`);

  // One digest, one incident.
  assert.equal(slack.messages().filter((m) => m.kind === 'channel' && /CI cluster digest/.test(text(m))).length, 1, 'one digest');
  assert.equal(slack.messages(ALERTS).filter(isIncident).length, 1, 'one incident message');
  for (const p of killed) assert.equal(p.proc.child.signalCode, 'SIGKILL');
});
