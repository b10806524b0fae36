/**
 * Redis faults seen from Slack, with ci-bot as its own process: R6 (Redis stalled by SIGSTOP for 60 s: acks stay
 * fast with a clear "unavailable" reply, no crash, recovery after SIGCONT) and R7 (wrong eviction policy: ci-bot
 * refuses to start and says why).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { startSlackEmulator, renderMessageText, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { start } from '../../src/playground/process.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ADMIN = 'U0ALICE001';
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-r6-${randomBytes(6).toString('hex')}`;
let redis: RedisServer;
let slack: SlackEmulator;
let bot: BotProcess;

before(async () => {
  redis = await startRedis({ aof: true });
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  bot = await startBot({
    config: { roles: { admins: [ADMIN] }, tasks: { selftestStepMs: 100 } },
    env: { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await redis?.stop();
});

/** R6's outage: 60 s, as the target says. Not configurable, so no setting can make the test vacuous. */
const STALL_MS = 60_000;
/** Slack's wait for an ack; anything later is a request that got no answer. */
const SLACK_ACK_WINDOW_MS = 3000;

test('R6: Redis stalled 60 s (SIGSTOP) — every request answered "unavailable", no crash, recovery within 20 s of SIGCONT', async () => {
  // The whole output, not the bounded tail the process helper keeps: an unhandled rejection early on must show.
  let output = '';
  const keep = (b: Buffer) => void (output += b.toString());
  bot.proc.child.stdout?.on('data', keep);
  bot.proc.child.stderr?.on('data', keep);
  // Job hashes of the selftest queue (`ci-bot:selftest:<jobId>`; its job log and lock keys have a further `:`).
  const selftestJobs = async () =>
    (await redis.command('KEYS', 'ci-bot:selftest:selftest-*')).split('\r\n').filter((k) => /^ci-bot:selftest:selftest-[0-9a-f-]+$/.test(k)).length;
  const jobsBefore = await selftestJobs();

  process.kill(redis.process.pid, 'SIGSTOP');
  const stalledUntil = Date.now() + STALL_MS;
  const sent: Array<{ cmd: string; ack: Awaited<ReturnType<SlackEmulator['command']>> }> = [];
  try {
    while (Date.now() < stalledUntil) {
      // Three at once each round: two need the queue (enqueue, list), one does not.
      const round = await Promise.all(['selftest', 'jobs', 'help'].map(async (cmd) => ({ cmd, ack: await slack.command(ADMIN, cmd) })));
      sent.push(...round);
      await new Promise((r) => setTimeout(r, 1000)); // pacing of the requests, not a wait for a result
    }
  } finally {
    process.kill(redis.process.pid, 'SIGCONT');
  }
  for (const { cmd, ack } of sent) {
    assert.equal(ack.acked, true, `/ci ${cmd} got no answer within Slack's ${SLACK_ACK_WINDOW_MS} ms`);
    assert.equal(ack.status, 200, `/ci ${cmd}: ${ack.status}`);
    if (cmd === 'help') assert.match(ack.body, /\/ci selftest/, 'commands that need no queue still answer');
    else assert.match(ack.body, /task queue is unavailable right now \(Redis is not answering\); nothing was queued/, `/ci ${cmd}: ${ack.body}`);
  }
  assert.ok(sent.length >= 3 * 20, `requests spread over the whole stall (${sent.length})`);

  // Recovery: a command after SIGCONT is queued and runs. Deadline: R6's 20 s.
  const queued = await waitFor(async () => /Queued `([^`]+)`/.exec((await slack.command(ADMIN, 'selftest')).body)?.[1], {
    deadlineMs: 20_000, intervalMs: 500, what: 'a selftest queued after SIGCONT',
  });
  await slack.waitForMessage((m) => m.kind === 'channel' && renderMessageText(m).includes(queued) && /selftest passed/.test(renderMessageText(m)), 20_000);
  // "Nothing was queued" was true: the requests refused during the stall did not turn into jobs once Redis woke up.
  assert.equal(await selftestJobs(), jobsBefore + 1, 'only the selftest queued after recovery exists');
  assert.equal(bot.proc.child.exitCode, null, 'still running');
  assert.equal(bot.proc.child.signalCode, null, 'still running');
  assert.doesNotMatch(output, /unhandled|uncaught|"level":60/i, 'no unhandled rejection, no uncaught exception, no fatal log');
});

test('R7: a Redis that may evict keys is refused at start with a clear message', async () => {
  const lru = await startRedis({ policy: 'allkeys-lru' });
  try {
    const proc = start(process.execPath, [new URL('../../src/main.ts', import.meta.url).pathname, 'all'], {
      env: { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: lru.url },
      cwd: tmpdir(),
    });
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    assert.equal(code, 2, proc.output());
    assert.match(proc.output(), /maxmemory-policy is "allkeys-lru"; ci-bot needs "noeviction"/);
  } finally {
    await lru.stop();
  }
});
