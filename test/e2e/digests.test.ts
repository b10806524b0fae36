/**
 * Digests end to end: `/ci digest add|list|remove|now` through the Slack emulator, a schedule a few seconds
 * ahead that fires once and posts, the Jenkins builds of a period (run by the simulator), and a process SIGKILLed in the middle of a digest and restarted: the slot
 * still posts exactly once (R17), both when the kill lands during the digest's cluster read and when it lands with
 * the digest in the outbox, before Slack took the post. ci-bot runs as its own process against the simulator and a real Redis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/playground/simulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const ALICE = 'U0ALICE001';
let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let bot: BotProcess;
/** The test's own view of Redis (what the bot stored). */
let db: Redis;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
const prefix = `e2edig${randomBytes(3).toString('hex')}`;

const launch = () => startBot({
  config: {
    redis: { prefix }, roles: { admins: [ALICE] }, cluster: { jenkins: { user: 'admin' } },
    tasks: { lockDurationMs: 2000, stalledIntervalMs: 1000, outboxLockMs: 2000 },
  },
  env: {
    SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
    MESOS_URL: sim.urls.mesos, MARATHON_URL: sim.urls.marathon, JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
  },
});

/** A six-field cron (seconds first) that fires once a day, `aheadMs` from now, in UTC. */
function cronAhead(aheadMs: number): { cron: string; atMs: number } {
  const at = new Date(Math.ceil((Date.now() + aheadMs) / 1000) * 1000);
  return { cron: `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`, atMs: at.getTime() };
}

const digestsOf = (id: string) =>
  slack.messages().filter((m) => m.kind === 'channel' && /CI cluster digest/.test(renderMessageText(m)) && renderMessageText(m).includes(`schedule \`${id}\``));

async function add(cron: string): Promise<string> {
  const ack = await slack.command(ALICE, `digest add "${cron}" --tz UTC`);
  const id = /Scheduled digest `(d[0-9a-f]{10})`/.exec(ack.body)?.[1];
  assert.ok(id, ack.body);
  return id;
}

before(async () => {
  [redis, sim] = await Promise.all([startRedis({ aof: true }), startSimulator({})]);
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  db = new Redis(redis.url);
  bot = await launch();
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  db?.disconnect();
  await slack?.stop();
  await sim?.stop();
  await redis?.stop();
});

describe('digests', () => {
  test('bad cron, zone and channel are refused with clear errors', async () => {
    assert.match((await slack.command(ALICE, 'digest add "0 9 * *"')).body, /has 4 fields/);
    assert.match((await slack.command(ALICE, 'digest add "* * * * * *"')).body, /more than once a minute/);
    assert.match((await slack.command(ALICE, 'digest add "0 9 * * 1-5" --tz Mars/Olympus')).body, /IANA time zone/);
    assert.match((await slack.command(ALICE, 'digest add "0 9 * * 1-5" ci')).body, /channel link/);
    assert.match((await slack.command(ALICE, 'digest remove dnothere')).body, /No digest schedule `dnothere`/);
  });

  test('a digest scheduled a few seconds ahead fires once and posts; list and remove', async () => {
    const { cron, atMs } = cronAhead(4000);
    const id = await add(cron);
    assert.match((await slack.command(ALICE, `digest add "${cron}" --tz UTC`)).body, /already scheduled/, 'the same schedule twice is one scheduler');
    assert.match((await slack.command(ALICE, 'digest list')).body, new RegExp(`${id}.*next`));
    await waitFor(() => digestsOf(id).length > 0, { deadlineMs: 20_000, what: 'the scheduled digest' });
    const posted = digestsOf(id)[0]!;
    assert.ok(posted.postedAtMs >= atMs - 50, 'not before its slot');
    assert.match(renderMessageText(posted), /Agents: \*2 active\*[\s\S]*first digest of this schedule/);
    await new Promise((r) => setTimeout(r, 2500)); // a second post would come within this window
    assert.equal(digestsOf(id).length, 1, 'posted once');
    assert.match((await slack.command(ALICE, `digest remove ${id}`)).body, /Removed digest schedule/);
    assert.doesNotMatch((await slack.command(ALICE, 'digest list')).body, new RegExp(id));
  });

  test('/ci digest now posts one digest', async () => {
    const ack = await slack.command(ALICE, 'digest now');
    assert.match(ack.body, /Queued `/);
    await slack.waitForMessage((m) => m.kind === 'channel' && /CI cluster digest/.test(renderMessageText(m)) && /schedule `now`/.test(renderMessageText(m)), 15_000);
  });

  test('a digest lists the Jenkins builds that finished since the previous one, counted from the simulator', async () => {
    const j = sim.sim.jenkins;
    await waitFor(() => j.up, { deadlineMs: 20_000, what: 'Jenkins up' });
    const nowDigests = () => slack.messages().filter((m) => m.kind === 'channel' && /CI cluster digest/.test(renderMessageText(m)) && /schedule `now`/.test(renderMessageText(m)));
    const digestNow = async () => {
      const before = nowDigests().length;
      assert.match((await slack.command(ALICE, 'digest now')).body, /Queued `/);
      await waitFor(() => nowDigests().length > before, { deadlineMs: 15_000, what: 'the digest' });
      return renderMessageText(nowDigests().at(-1)!);
    };
    const idle = () => [...j.jobs.values()].every((job) => job.builds.every((b) => !b.building)) && [...j.queue.values()].every((i) => i.left);
    j.setBuildDuration(300, 'job-1');
    j.setBuildDuration(1500, 'job-3');
    // One build before the baseline digest: it must not be counted in the next period.
    j.trigger('job-3', {});
    await waitFor(idle, { deadlineMs: 10_000, what: 'the early build' });
    await digestNow();
    const periodStart = Date.now();
    j.setBuildResult('FAILURE', 'job-1');
    for (const job of ['job-1', 'job-1', 'job-3']) j.trigger(job, {});
    await waitFor(idle, { deadlineMs: 10_000, what: 'the period builds' });
    const text = await digestNow();

    const ran = [...j.jobs.values()].flatMap((job) => job.builds.filter((b) => b.timestamp >= periodStart).map((b) => ({ job: job.name, ...b })));
    const failed = ran.filter((b) => b.result === 'FAILURE');
    const longest = ran.reduce((a, b) => (b.duration > a.duration ? b : a));
    assert.equal(ran.length, 3, 'the simulator ran the three builds');
    const line = (re: RegExp) => text.split('\n').find((l) => re.test(l)) ?? assert.fail(`no ${re} line in:\n${text}`);
    const counts = line(/Jenkins builds\* since the last digest/);
    assert.match(counts, new RegExp(`\\*${ran.length} builds\\*`), 'the build before the baseline is not counted');
    assert.match(counts, new RegExp(`\\b${failed.length} failed\\b`));
    assert.match(counts, new RegExp(`\\b${ran.length - failed.length} succeeded\\b`));
    for (const f of failed) assert.match(line(/Failed:/), new RegExp(`\`${f.job}\` #${f.number}\\b`));
    assert.match(line(/^Longest:/), new RegExp(`^Longest: \`${longest.job}\` #${longest.number}, `));
    for (const job of new Set(ran.map((b) => b.job))) {
      const mine = ran.filter((b) => b.job === job);
      const bad = mine.filter((b) => b.result === 'FAILURE').length;
      assert.match(line(/^Per job:/), new RegExp(`\`${job}\` ${mine.length}${bad ? ` \\(${bad} failed\\)` : '(,|$)'}`));
    }
  });

  test('killed during a digest\'s cluster read and restarted: the slot posts exactly once (R17), schedulers intact', async () => {
    // The digest's first read stalls 3 s: long enough to kill the process while the digest is in flight.
    await fetch(`${sim.urls.control}/_control/faults`, { method: 'POST', body: JSON.stringify({ component: 'mesos', path: '/metrics/snapshot', mode: 'slow', delayMs: 3000, times: 1 }) });
    const reads = sim.sim.faults.requests('mesos', '/metrics/snapshot');
    const { cron } = cronAhead(4000);
    const id = await add(cron);
    // The digest has started when its (stalled) first read reaches the simulated master.
    await waitFor(() => sim.sim.faults.requests('mesos', '/metrics/snapshot') > reads, { deadlineMs: 20_000, what: 'the digest to start reading' });
    await bot.stop('SIGKILL');
    bot = await launch();
    slack.setTarget({ mode: 'http', url: bot.eventsUrl });
    await waitFor(() => digestsOf(id).length > 0, { deadlineMs: 30_000, what: 'the digest after the restart' }).catch((err: Error) => {
      throw new Error(`${err.message}\n${bot.proc.output().slice(-3000)}\n${slack.messages().map((m) => renderMessageText(m)).join('\n--\n').slice(-3000)}`);
    });
    await new Promise((r) => setTimeout(r, 3000)); // a duplicate would be posted within this window
    assert.equal(digestsOf(id).length, 1, 'one message for the slot');
    assert.match((await slack.command(ALICE, 'digest list')).body, new RegExp(id), 'the scheduler survived the kill');
  });

  test('R17: killed with the digest in the outbox, before the post → restarted, the slot posts exactly once; scheduler intact', async () => {
    const { cron } = cronAhead(4000);
    const id = await add(cron);
    // Slack refuses every post until the kill (429), so the drainer keeps the digest in the outbox.
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 }, 100_000);
    try {
      const slotKey = await waitFor(async () => (await db.keys(`${prefix}:outbox:msg:digest:${id}:*`))[0], {
        deadlineMs: 20_000, what: 'the digest in the outbox',
      });
      const channel = (await db.hget(slotKey, 'channel')) ?? assert.fail('no channel');
      assert.ok((await db.lrange(`${prefix}:outbox:q:${channel}`, 0, -1)).includes(slotKey.slice(`${prefix}:outbox:msg:`.length)), 'queued for delivery');
      // The drainer has tried to post it and was refused: the kill lands between the put and Slack taking the post.
      await waitFor(() => slack.calls('chat.postMessage').some((c) => c.status === 429 && JSON.stringify(c.args).includes(id)), {
        deadlineMs: 5000, what: 'a refused post of the digest',
      });
      assert.equal(digestsOf(id).length, 0, 'not posted before the kill');
      await bot.stop('SIGKILL');
      slack.clearFaults();
      bot = await launch();
      slack.setTarget({ mode: 'http', url: bot.eventsUrl });
      await waitFor(() => digestsOf(id).length > 0, { deadlineMs: 30_000, what: 'the digest after the restart' });
      // Finished when nothing is left to deliver or to run (a condition, not a fixed wait).
      const report = new Queue('report', { connection: db, prefix });
      try {
        await waitFor(async () => {
          const counts = await report.getJobCounts('active', 'waiting');
          return (await db.exists(slotKey)) === 0 && (await db.llen(`${prefix}:outbox:q:${channel}`)) === 0 && counts.active === 0 && counts.waiting === 0;
        }, { deadlineMs: 15_000, what: 'the outbox drained and no digest job running' });
        assert.equal(digestsOf(id).length, 1, 'one message for the slot');
        assert.equal(digestsOf(id)[0]!.history.length, 0, 'posted once, not re-sent as an update either');
        // The scheduler survived the kill: listed once, with exactly one next job.
        assert.equal((await report.getJobSchedulers(0, -1)).filter((j) => j.key === id).length, 1);
        const next = (await report.getDelayed()).filter((j) => j.id?.startsWith(`repeat:${id}:`));
        assert.equal(next.length, 1, `exactly one next job: ${next.map((j) => j.id).join(', ')}`);
      } finally {
        await report.close();
      }
      assert.match((await slack.command(ALICE, 'digest list')).body, new RegExp(id));
    } finally {
      slack.clearFaults();
    }
  });
});
