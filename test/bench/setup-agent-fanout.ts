/**
 * P2 end to end — `/ci setup-agent h1 … h50` through ci-bot's whole path: the signed slash command from the Slack
 * emulator → the front door → the queue (real Redis) → the workers → SSH to 50 loopback sshd hosts → progress
 * messages through the outbox to the emulator. ci-bot (`all`, its own process) runs a copy of this tree whose
 * setup-agent recipe is the 20-step shell recipe of the floor (test/bench/support/fanout.ts) — the bot's code is
 * unchanged, only commands/setup-agent/ differs. In the same run, on the same hosts: the bare ssh2 floor and, when
 * installed, Debian's `ansible-playbook` default (forks 5) and tuned (forks 50, pipelining, ControlPersist).
 *
 * Printed: ack latency; wall time command → every task finished (from BullMQ), cold (first connections) and warm
 * (pooled); wall time → every progress message showing "Done" and → the outbox empty (paced by the per-channel
 * Slack limit: new posts ≤ 1/s per channel, so 50 messages in one channel take ≥ 49 s whatever the tasks do, and
 * each task's thread reply 50 s more — stated separately). One ci-bot per recipe length (20 steps and 1), both
 * running throughout, each under its own Redis prefix; each length runs one cold round and `--rounds` warm ones,
 * the two lengths taking turns (20 first in odd rounds, 1 first in even ones), each warm round followed by the
 * floor with the same script, its 50 execs started at once (ci-bot's warm concurrency). The cold rounds and the
 * first warm ones wait for every message and for the outbox to empty; the other warm rounds start once the tasks
 * are done, their messages paced out behind them.
 * - warm per-step overhead (the target): what one more step adds to a ci-bot task's run over what it adds to the
 *   floor's exec: per round, [ci-bot's run p50 − the floor's exec p50] with 20 steps minus the same with 1, / 19;
 *   the median over the rounds. On 2 cores one round's p50 moves by ±100-300 ms (±5-15 ms per step), so every
 *   round is printed.
 * - beside it, ci-bot's process CPU per task and step (scheduling does not move it), and
 *   the whole task's overhead over the floor divided by 20 (per-task costs included); tasks retried (a dropped
 *   handshake would be one) and the handshake cap.
 *
 *   node test/bench/setup-agent-fanout.ts [--hosts 50] [--rounds 15] [--no-ansible] [--no-ansible-default]
 *
 * Bounded: every wait has a deadline, every ansible run 15 minutes; all processes are stopped by pid at the end.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { startRedis } from '../../src/playground/redis-server.ts';
import { renderMessageText, startSlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';
import { startBot } from '../support/bot-process.ts';
import { agentInventory, startTestHosts } from '../support/ssh-hosts/index.ts';
import { NODE_FLAGS } from '../../bin/node-runtime.js';
import { ANSIBLE_MISSING, ansible, ansibleVersion, bareSsh2, namesOf, scriptOf, stepsScriptOf, STEPS, timed } from './support/fanout.ts';
import { median, percentiles } from './support/stats.ts';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--hosts') + 1] ?? 50) || 50;
const ROUNDS = Math.max(1, Number(args[args.indexOf('--rounds') + 1] ?? 15) || 15);
const HANDSHAKES = 8; // ssh.maxConcurrentHandshakes, the shipped default (target: ≤ 16)
const OPERATOR = 'U0BOB00001';
const root = new URL('../../', import.meta.url).pathname;
const version = (name: string) => (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;

// The trees ci-bot runs from, one per recipe length: src/ as it is, commands/ with a `steps`-step setup-agent. Inside
// the worktree (under .tmp/, which git and the linters ignore) so their imports resolve to this node_modules;
// removed at the end.
mkdirSync(join(root, '.tmp'), { recursive: true });
const recipe = parse(readFileSync(join(root, 'commands/setup-agent/recipe.yaml'), 'utf8')) as Record<string, unknown>;
const apps: string[] = [];
/** A copy of the tree whose setup-agent recipe is `steps` echo steps (the bot reads it when it starts). */
const treeOf = (steps: number) => {
  const app = mkdtempSync(join(root, `.tmp/p2-app-s${steps}-`));
  apps.push(app);
  cpSync(join(root, 'src'), join(app, 'src'), { recursive: true });
  cpSync(join(root, 'commands'), join(app, 'commands'), { recursive: true });
  writeFileSync(join(app, 'commands/setup-agent/recipe.yaml'), stringify({ ...recipe, description: `P2 benchmark: the ${steps}-step shell recipe`, steps: namesOf(steps) }));
  writeFileSync(join(app, 'commands/setup-agent/run.sh'), `#!/bin/bash\n# P2 benchmark: ${steps} steps, each an echo\n${stepsScriptOf(steps)}`);
  return app;
};

const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-p2-${randomBytes(6).toString('hex')}`;
const base = `p2${randomBytes(3).toString('hex')}`;
const names = Array.from({ length: N }, (_, i) => `h${i + 1}`);
const redis = await startRedis({ aof: true });
const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
const th = await startTestHosts({ names, simulatorControlUrl: 'http://127.0.0.1:9', startConcurrency: 6 });
const db = new Redis(redis.url);
type Bot = Awaited<ReturnType<typeof startBot>>;
/**
 * One ci-bot per recipe length, both running for the whole benchmark, each under its own Redis prefix: the
 * outbox one leaves behind (the quick rounds' messages, still being paced out) is not in the other's way, and the
 * machine carries both in every round, whichever length runs.
 */
interface Lane { steps: number; bot: Bot; prefix: string; provision: Queue; outboxQueued: string }
const lanes: Lane[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ci-bot-p2-'));
/** A bot process's CPU time so far (user + system, /proc/<pid>/stat; 10 ms ticks), ms. */
const cpuMsOf = (bot: Bot) => {
  const fields = readFileSync(`/proc/${bot.proc.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
// Stopped from outside (timeout, Ctrl-C): every process it started is still stopped by pid.
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
try {
  const redisVersion = /redis_version:(\S+)/.exec(await redis.command('INFO', 'server'))?.[1] ?? '?';
  const sshV = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();
  const ansibleV = ansibleVersion();
  console.log(`P2 end to end: /ci setup-agent, ${STEPS}-step recipe, ${N} loopback sshd hosts — Node ${process.version}, ssh2 ${version('ssh2')}, BullMQ ${version('bullmq')}, Bolt ${version('@slack/bolt')}, Redis ${redisVersion}, ${sshV}, ${ansibleV ?? 'no Ansible'}`);
  // BOT_NODE_ARGS="…": the bot's node flags instead of production's (bin/node-runtime.js), to compare them.
  const nodeArgs = process.env.BOT_NODE_ARGS === undefined ? undefined : process.env.BOT_NODE_ARGS.split(' ').filter(Boolean);
  console.log(`bot node args: ${(nodeArgs ?? [...NODE_FLAGS, '(production default)']).join(' ') || '(none)'}`);
  /** ci-bot (role all) on a tree with a `steps`-step setup-agent recipe, under its own prefix. */
  const startLane = async (steps: number): Promise<Lane> => {
    const prefix = `${base}s${steps}`;
    const provision = new Queue('provision', { connection: db, prefix });
    const bot = await startBot({
      entry: join(treeOf(steps), 'src/main.ts'), ...(nodeArgs ? { nodeArgs } : {}),
      config: {
        redis: { prefix }, roles: { operators: [OPERATOR] }, inventory: agentInventory(th.hosts), logLevel: 'warn',
        ssh: { maxConcurrentHandshakes: HANDSHAKES }, tasks: { concurrency: N },
      },
      env: { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, SSH_PRIVATE_KEY_PATH: th.clientKey.path },
      deadlineMs: 60_000,
    });
    /** The outbox's set of keys pending delivery (src/queue/outbox-keys.ts). */
    const lane = { steps, bot, prefix, provision, outboxQueued: `${prefix}:outbox:queued` };
    lanes.push(lane);
    return lane;
  };

  /**
   * One `/ci setup-agent` of every host; resolves with its figures. With `messages`, once every task finished, it
   * waits for every progress message to show "Done" and then for the outbox to be empty; without, it resolves when
   * the tasks finished (their messages are then paced out behind it, about one post a second).
   */
  const fanOut = async (lane: Lane, label: string, messages = true) => {
    const { provision, outboxQueued, bot } = lane;
    slack.setTarget({ mode: 'http', url: bot.eventsUrl });
    const seen = new Set(slack.allMessages());
    const t0 = performance.now();
    const cpu0 = cpuMsOf(bot);
    // The front door enqueues a fan-out as one batch under one 250 ms deadline (all hosts or, when Redis is in
    // trouble, an error). Older versions stopped at the first task not taken in time and answered "… was not
    // queued" for the rest: those hosts are sent again (counted), at most 5 times.
    const jobIds = new Map<string, string>();
    let ackMs = NaN;
    let resent = 0;
    for (let round = 0; jobIds.size < N; round++) {
      if (round >= 5) throw new Error(`${label}: ${N - jobIds.size} hosts not queued after 5 tries`);
      const missing = names.filter((h) => !jobIds.has(h));
      if (round > 0) resent += missing.length;
      const sentAt = performance.now();
      const ack = await slack.command(OPERATOR, `setup-agent ${missing.join(' ')}`);
      if (round === 0) ackMs = performance.now() - sentAt;
      // One line per task: "Queued `id`…" or "`id` is queued behind `other`…" (its first id), or "… was not queued".
      const text = (JSON.parse(ack.body) as { text?: string }).text ?? '';
      for (const line of text.split('\n')) {
        const m = /`(setup-agent-(h\d+)-[0-9a-f]+)`/.exec(line);
        if (m && !/not queued/.test(line)) jobIds.set(m[2]!, m[1]!);
      }
      if (jobIds.size < N && !/not queued/.test(text)) throw new Error(`${label}: not queued: ${text.slice(0, 300)}`);
    }
    // Finished: in BullMQ's completed or failed set. Two commands every 20 ms — polling each job (100 commands and
    // 50 job hashes parsed every 20 ms) loaded the 2 cores during ci-bot's rounds and not during the floor's.
    const ids = names.map((h) => jobIds.get(h)!);
    await waitFor(async () => {
      const [ok, failed] = await Promise.all([db.zmscore(`${lane.prefix}:provision:completed`, ...ids), db.zmscore(`${lane.prefix}:provision:failed`, ...ids)]);
      return ids.every((_, i) => ok[i] !== null || failed[i] !== null) || undefined;
    }, { deadlineMs: 600_000, intervalMs: 20, what: `${label}: ${N} tasks finished` });
    const tasksMs = performance.now() - t0;
    const jobs = await Promise.all(ids.map((id) => provision.getJob(id)));
    if (!jobs.every((j) => j?.finishedOn)) throw new Error(`${label}: a finished task without finishedOn`);
    const cpuMs = cpuMsOf(bot) - cpu0;
    const failed = jobs.filter((j) => j?.failedReason).length;
    const retried = jobs.filter((j) => (j?.attemptsMade ?? 0) > 1).length;
    const runMs = jobs.map((j) => (j?.finishedOn ?? NaN) - (j?.processedOn ?? NaN));
    const figures = { tasksMs, runMs, failed, retried, cpuMs };
    if (!messages) {
      console.log(`${`ci-bot ${label}`.padEnd(44)} ${(tasksMs / 1000).toFixed(2).padStart(8)} s to every task finished (ack ${ackMs.toFixed(0)} ms; ${resent} sent again; ${failed} failed, ${retried} retried)`);
      return { ...figures, progressMs: NaN, drainedMs: NaN };
    }
    const pendingAtFinish = await db.scard(outboxQueued);
    await waitFor(() => slack.allMessages().filter((m) => !seen.has(m) && /Done/.test(renderMessageText(m)) && /setup-agent/.test(renderMessageText(m))).length >= N - failed || undefined,
      { deadlineMs: 600_000, intervalMs: 50, what: `${label}: ${N} progress messages done` });
    const progressMs = performance.now() - t0;
    // The thread replies (each task's step log) are posted after the progress messages, at the same pace: the next
    // round starts once the outbox is empty, so it does not share the machine with this one's deliveries.
    if (pendingAtFinish === 0) throw new Error(`${label}: the outbox had nothing pending when the tasks finished (wrong key ${outboxQueued}?)`);
    await waitFor(async () => (await db.scard(outboxQueued)) === 0 || undefined, { deadlineMs: 600_000, intervalMs: 100, what: `${label}: the outbox empty` });
    const drainedMs = performance.now() - t0;
    const done = slack.allMessages().find((m) => !seen.has(m) && /Done/.test(renderMessageText(m)) && /setup-agent/.test(renderMessageText(m)));
    if (label.startsWith('cold')) console.log(`one progress message, as posted: ${renderMessageText(done!).replace(/\s+/g, ' ').slice(0, 400)}`);
    console.log(`${`ci-bot ${label}`.padEnd(44)} ${(tasksMs / 1000).toFixed(2).padStart(8)} s to every task finished (ack ${ackMs.toFixed(0)} ms; ${resent} hosts sent again after "not queued"; ${failed} failed, ${retried} retried); ${(progressMs / 1000).toFixed(2)} s to every progress message "Done", ${(drainedMs / 1000).toFixed(2)} s to every thread reply too`);
    return { ...figures, progressMs, drainedMs };
  };
  // Both bots run from the start. Each length: one cold round, then warm rounds, the first of which waits for every
  // message; the two lengths take turns (20 steps first in odd rounds, 1 step first in even ones, so a drift of the
  // machine over the run falls on both alike), each round followed by the floor at the same concurrency (its 50
  // execs started at once) with the same script. One round's p50 moves by ±100-300 ms with the scheduling of 50
  // tasks and 50 sshds on 2 cores (±5-15 ms in a per-step figure), so the per-step figure is taken per round —
  // its 20-step round against its 1-step round, each against its own floor — and the median over the rounds.
  type Round = Awaited<ReturnType<typeof fanOut>> & { floorExec: number[] };
  const long = await startLane(STEPS);
  const short = await startLane(1);
  const what = (l: Lane) => (l.steps === STEPS ? '' : `, ${l.steps}-step recipe`);
  const cold = await fanOut(long, 'cold (first connections)');
  const coldShort = await fanOut(short, `cold (first connections)${what(short)}`);
  let floorExec: number[] = [];
  const floor = await timed('bare ssh2 (floor)', async () => (floorExec = await bareSsh2(th.hosts, th.clientKey.privateKey, HANDSHAKES)));
  const warm = new Map<Lane, Round[]>([[long, []], [short, []]]);
  for (let r = 1; r <= ROUNDS; r++) {
    for (const lane of r % 2 === 1 ? [long, short] : [short, long]) {
      const round = await fanOut(lane, `warm ${r}/${ROUNDS} (pooled connections)${what(lane)}`, r === 1);
      let exec: number[] = [];
      await timed(`  bare ssh2, connected first, ${N} at once${what(lane)}`, async () => (exec = await bareSsh2(th.hosts, th.clientKey.privateKey, HANDSHAKES, true, scriptOf(lane.steps))));
      warm.get(lane)!.push({ ...round, floorExec: exec });
    }
  }
  const full = { cold, warm: warm.get(long)! };
  const one = { cold: coldShort, warm: warm.get(short)! };
  const out: Record<string, number> = {};
  if (!ansibleV || args.includes('--no-ansible')) console.log(ansibleV ? 'ansible: skipped (--no-ansible)' : ANSIBLE_MISSING);
  else {
    out.tuned = await timed('ansible tuned (forks 50, pipelining)', () => ansible(dir, th.hosts, th.clientKey.path, true));
    if (!args.includes('--no-ansible-default')) out.dflt = await timed('ansible default (forks 5)', () => ansible(dir, th.hosts, th.clientKey.path, false));
  }

  const ratio = (ms: number) => `${(ms / floor).toFixed(2)}×`;
  const warmWall = median(full.warm.map((w) => w.tasksMs));
  console.log(`\nwall, command → every task finished: cold ${ratio(cold.tasksMs)}, warm ${ratio(warmWall)} (median of ${ROUNDS}) the floor (target ≤ 2×: cold ${cold.tasksMs <= 2 * floor ? 'met' : `NOT met, ${((cold.tasksMs - 2 * floor) / 1000).toFixed(2)} s over`})`);
  const p50 = (xs: number[]) => percentiles(xs).p50;
  const list = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(', ');
  // The per-step overhead: 20-step minus 1-step over 19 steps, ci-bot's minus the floor's at the same concurrency,
  // each round's two lengths against each other, each against the floor just after it, the median over the rounds,
  // of the whole run (BullMQ's processedOn → finishedOn against the floor's exec). Per-task costs (taking the job,
  // the lock, the checklist, the audit, the step log) are in both lengths and cancel. (The steps' span, first marker
  // to last, cannot stand in for it here: with 50 bashes on 2 cores, sshd often forwards a task's whole output in
  // one go, in ci-bot and the floor alike.)
  const overFloor = (rounds: Round[]) => rounds.map((w) => p50(w.runMs) - p50(w.floorExec));
  const [d20, d1] = [overFloor(full.warm), overFloor(one.warm)];
  const byRound = d20.map((d, i) => (d - d1[i]!) / (STEPS - 1));
  const overhead = median(byRound);
  console.log(`warm per-step overhead: ${overhead.toFixed(2)} ms (target ≤ 5 ms: ${overhead <= 5 ? 'met' : 'NOT met'}) — ${N} tasks at once, median of ${ROUNDS} rounds; per round: ${list(byRound, 1)}; medians of ci-bot's run p50 over the floor's exec p50: ${median(d20).toFixed(0)} ms with ${STEPS} steps, ${median(d1).toFixed(0)} ms with 1 (their difference / ${STEPS - 1}: ${((median(d20) - median(d1)) / (STEPS - 1)).toFixed(2)} ms)`);
  console.log(`  run p50 per round, ms: ci-bot ${list(full.warm.map((w) => p50(w.runMs)))} / ${list(one.warm.map((w) => p50(w.runMs)))}; the floor's exec ${list(full.warm.map((w) => p50(w.floorExec)))} / ${list(one.warm.map((w) => p50(w.floorExec)))} (${STEPS} steps / 1)`);
  // CPU, which scheduling does not move: ci-bot's process from the command to every task finished, 20 steps minus
  // 1, per task and step. (The floor's process CPU is not beside it: its rounds include 50 handshakes, whose cost
  // swamps the steps'.)
  const cpuStep = (median(full.warm.map((w) => w.cpuMs)) - median(one.warm.map((w) => w.cpuMs))) / (N * (STEPS - 1));
  console.log(`ci-bot's CPU per task and step: ${cpuStep.toFixed(3)} ms (per round: ${list(full.warm.map((w) => w.cpuMs))} ms with ${STEPS} steps, ${list(one.warm.map((w) => w.cpuMs))} ms with 1)`);
  const perStep = median(full.warm.map((w) => percentiles(w.runMs.map((ms, i) => (ms - (w.floorExec[i] ?? NaN)) / STEPS)).p50));
  console.log(`whole-task overhead over the floor, per step ((task run − floor exec) / ${STEPS}, per-task costs included; p50 over ${N} hosts, median of ${ROUNDS} rounds): ${perStep.toFixed(2)} ms; the floor's exec p50 ${p50(floorExec).toFixed(0)} ms spread out by its handshakes, ${median(full.warm.map((w) => p50(w.floorExec))).toFixed(0)} ms all at once`);
  const all = [cold, ...full.warm, one.cold, ...one.warm];
  const retried = all.reduce((n, r) => n + r.retried, 0);
  console.log(`handshakes: at most ${HANDSHAKES} at once (ssh.maxConcurrentHandshakes; target ≤ 16); tasks retried: ${retried} of ${all.length * N} (a dropped handshake would be one; target 0)`);
  console.log(`Slack's per-channel limit (≈ 1 new message/s, chat.update 50+/min): ${N} progress messages in one channel take ≥ ${N - 1} s; measured ${(cold.progressMs / 1000).toFixed(1)} s cold, ${(full.warm[0]!.progressMs / 1000).toFixed(1)} s warm (the first warm round); each task's thread reply (its step log) comes after, at the same pace: ${(cold.drainedMs / 1000).toFixed(1)} s to the last`);
  if (out.tuned) console.log(`ci-bot cold / ansible tuned: ${(cold.tasksMs / out.tuned).toFixed(3)}${out.dflt ? `; / ansible default: ${(cold.tasksMs / out.dflt).toFixed(3)}` : ''}`);
} finally {
  await cleanup();
}
process.exit(0);

async function cleanup(): Promise<void> {
  for (const lane of lanes) {
    await lane.bot.stop();
    await lane.provision.close();
  }
  db.disconnect();
  await slack.stop();
  await th.stop();
  await redis.stop();
  for (const app of apps) rmSync(app, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}
