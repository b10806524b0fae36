/**
 * R5: Redis SIGKILLed (AOF, `appendfsync everysec`) while tasks run and messages are being delivered, then started
 * again on the same port and directory. ci-bot runs as its own process (`all`) against the Slack emulator and a
 * real sshd host. Measured and bounded: acknowledged work lost (only what was acked in the last second before the
 * kill may be missing); a provisioning task running across the kill ends with a message saying how it ended (the
 * host is never left half set up in silence); every task that survived reaches a final message; the bot keeps
 * running and takes commands again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { agentInventory, startTestHosts, type TestHosts } from '../support/ssh-hosts/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const BOB = 'U0BOB00001'; // operator
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-r5-${randomBytes(6).toString('hex')}`;
const prefix = `r5${randomBytes(3).toString('hex')}`;
/** Commands go to several channels, so deliveries (≤ 1 new post/s per channel) keep up with the load. */
const CHANNELS = Array.from({ length: 10 }, (_, i) => ({ id: `C0R5CHAN0${i}`, name: `r5-${i}` }));
/** The loss bound of R5 with `appendfsync everysec`. */
const LOSS_BOUND_MS = 1000;
/** How long Redis stays dead: longer than the task lock (2 s), so a running task's lock has lapsed when it returns. */
const OUTAGE_MS = 3000;

let redis: RedisServer;
let slack: SlackEmulator;
let th: TestHosts;
let bot: BotProcess;
let output = '';
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

before(async () => {
  redis = await startRedis({ aof: true });
  th = await startTestHosts({ names: ['slave1'], simulatorControlUrl: 'http://127.0.0.1:9' });
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused', channels: CHANNELS });
  bot = await startBot({
    config: {
      redis: { prefix },
      roles: { operators: [BOB] },
      inventory: agentInventory(th.hosts),
      tasks: { selftestStepMs: 100, lockDurationMs: 2000, stalledIntervalMs: 1000, outboxLockMs: 2000, concurrency: 8 },
    },
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      SSH_PRIVATE_KEY_PATH: th.clientKey.path,
    },
  });
  // The whole output (the process helper keeps only a tail).
  bot.proc.child.stdout?.on('data', (b: Buffer) => void (output += b.toString()));
  bot.proc.child.stderr?.on('data', (b: Buffer) => void (output += b.toString()));
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await th?.stop();
  await redis?.stop();
});

const finalOf = (jobId: string) =>
  slack.messages().find((m) => m.kind === 'channel' && !m.thread_ts && text(m).includes(jobId) && /\*(Done|Failed)\*/.test(text(m)));

test('R5: Redis SIGKILLed mid-tasks and deliveries → acked loss bounded to the last second, no silent half-provisioned host, no crash', async () => {
  // A provisioning task that is in the middle of a step (packages installed, step not finished) when Redis dies.
  const h = th.get('slave1');
  h.hold('after-install');
  // Asked again if the first answer is "unavailable" (a busy machine can miss the front door's 250 ms enqueue deadline).
  const setupJob = await waitFor(async () => /Queued `([^`]+)`/.exec((await slack.command(BOB, 'setup-agent slave1')).body)?.[1], {
    deadlineMs: 10_000, intervalMs: 200, what: 'setup-agent slave1 queued',
  });
  await waitFor(() => h.isHeld('after-install'), { deadlineMs: 20_000, what: 'slave1 in the middle of install packages' });

  // A steady stream of tasks, acked one by one; Redis is killed in the middle of it.
  const acked: Array<{ jobId: string; atMs: number }> = [];
  let refused = 0;
  let sent = 0;
  let killAtMs = 0;
  const stream = (async () => {
    const until = Date.now() + 6000 + OUTAGE_MS;
    while (Date.now() < until) {
      const channel = CHANNELS[sent % CHANNELS.length]!.id;
      sent += 1;
      const ack = await slack.command(BOB, 'selftest', { channel });
      const id = /Queued `([^`]+)`/.exec(ack.body)?.[1];
      if (id) acked.push({ jobId: id, atMs: Date.now() });
      // Refused ("nothing was queued"), or unconfirmed (the add went out as Redis died): not counted as acked.
      else if (/task queue is unavailable|may or may not be queued/.test(ack.body)) refused += 1;
      else assert.fail(`unexpected answer: ${ack.status} ${ack.body}`);
      await new Promise((r) => setTimeout(r, 50)); // pacing of the stream (≈ 15/s), not a wait for a result
    }
  })();
  await waitFor(() => acked.length >= 30, { deadlineMs: 10_000, what: '30 tasks acked before the kill' });
  const pendingAtKill = slack.calls('chat.postMessage').length;
  killAtMs = Date.now();
  // SIGKILL; down for longer than the task lock (so locks lapse), then the same port and directory (AOF replayed).
  await redis.restart({ hard: true, downMs: OUTAGE_MS });
  const downMs = Date.now() - killAtMs;
  await stream;
  h.release('after-install');

  // What survived: every acked job whose job hash Redis has after the restart.
  const db = new Redis(redis.url);
  try {
    const exists = await Promise.all(acked.map(async (a) => (await db.exists(`${prefix}:selftest:${a.jobId}`)) === 1));
    const lost = acked.filter((_, i) => !exists[i]);
    const lostBeforeKill = lost.filter((a) => a.atMs <= killAtMs);
    const oldestLostMs = lostBeforeKill.length > 0 ? Math.max(...lostBeforeKill.map((a) => killAtMs - a.atMs)) : 0;
    console.log(`R5: ${sent} sent, ${acked.length} acked (${acked.filter((a) => a.atMs <= killAtMs).length} before the kill), ` +
      `${refused} refused while Redis was down (${downMs} ms), ${lost.length} acked tasks lost; ` +
      `oldest lost ack ${oldestLostMs} ms before the kill (bound ${LOSS_BOUND_MS} ms); ${pendingAtKill} posts made before the kill`);
    assert.ok(acked.some((a) => a.atMs > killAtMs), 'tasks were acked again after the restart');
    assert.equal(lost.filter((a) => a.atMs > killAtMs).length, 0, 'nothing acked after the restart is lost');
    for (const a of lostBeforeKill) {
      assert.ok(killAtMs - a.atMs <= LOSS_BOUND_MS, `${a.jobId} acked ${killAtMs - a.atMs} ms before the kill was lost`);
    }

    // Every task that survived ends with its progress message in a final state (deliveries resumed too).
    const survivors = acked.filter((_, i) => exists[i]).map((a) => a.jobId);
    await waitFor(() => survivors.every((id) => finalOf(id)), {
      deadlineMs: 60_000, intervalMs: 200, what: 'a final progress message for every surviving task',
    }).catch(async (err: Error) => {
      const missing = survivors.filter((id) => !finalOf(id));
      const states = await Promise.all(missing.map(async (id) => `${id}: ${JSON.stringify(await db.hgetall(`${prefix}:selftest:${id}`)).slice(0, 600)} ${JSON.stringify(slack.messages().filter((m) => text(m).includes(id)).map(text)).slice(0, 800)}`));
      const logs = output.split('\n').filter((l) => missing.some((id) => l.includes(id)) || /"level":(40|50)/.test(l)).slice(-40).join('\n');
      assert.fail(`${err.message}: missing\n${states.join('\n')}\n--- log ---\n${logs}`);
    });
    const failed = survivors.filter((id) => /\*Failed\*/.test(text(finalOf(id)!)));
    console.log(`R5: ${survivors.length - failed.length} surviving tasks done, ${failed.length} failed with a message`);
    for (const id of survivors) {
      const mains = slack.messages().filter((m) => m.kind === 'channel' && !m.thread_ts && text(m).includes(id));
      assert.equal(mains.length, 1, `one progress message for ${id}`);
    }

    // The task running across the kill: finished (host fully set up) or told the user it did not.
    const end = await slack.waitForMessage((m) => m.kind === 'channel' && !m.thread_ts && text(m).includes(setupJob) && /\*(Done|Failed)\*/.test(text(m)), 60_000);
    console.log(`R5: the setup-agent across the kill ended: ${/\*Done\*/.test(text(end)) ? 'done' : 'failed, with a message'}`);
    if (/\*Done\*/.test(text(end))) {
      assert.equal(h.file('etc/mesos-slave/hostname'), `${h.address}\n`);
      assert.equal(h.file('etc/mesos/zk'), 'zk://127.0.0.1:2181/mesos\n');
    } else {
      assert.match(text(end), /Failed\*.+/, 'the failure says why');
    }
  } finally {
    db.disconnect();
  }

  // The bot did not crash and takes work again.
  assert.equal(bot.proc.child.exitCode, null, 'still running');
  assert.equal(bot.proc.child.signalCode, null, 'still running');
  const again = await slack.command(BOB, 'selftest');
  const id = /Queued `([^`]+)`/.exec(again.body)?.[1] ?? assert.fail(again.body);
  await waitFor(() => finalOf(id), { deadlineMs: 20_000, what: 'a selftest after the restart' });
  assert.doesNotMatch(output, /unhandled|uncaught|"level":60/i, 'no unhandled rejection, no uncaught exception, no fatal log');
});
