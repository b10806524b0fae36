/**
 * `/ci jenkins password` end to end: ci-bot as its own process, a real Redis, the Slack emulator and the cluster
 * simulator, whose Jenkins starts on a fresh JENKINS_HOME and logs the first-start banner into its task's sandbox
 * after more than one `/files/read` (64 KiB) of start-up log. The admin gets the password in an ephemeral answer
 *; an operator is refused; a Jenkins that
 * moved to another agent's fresh home logs a new one (this time to stdout) and the bot finds the new one; once the
 * wizard is completed the bot says so. Then the canary scan: the password (random per run, read from the
 * simulator) is in no Redis key of any type, nowhere in the bot's whole log, in no Slack call or message but the
 * requester's ephemeral answers, and not in the audit stream, which does record who read it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { dumpRedis } from '../support/redis-dump.ts';
import { renderMessageText, startSlackEmulator, type RecordedMessage, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/playground/simulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ALICE = 'U0ALICE001'; // admin
const BOB = 'U0BOB00001'; // operator
const PREFIX = `e2epw${randomBytes(3).toString('hex')}`;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
const KEY = /Jenkins first-start password/;

let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let bot: BotProcess;
/** Every password Jenkins generated in this run (read from the simulator, never from the bot). */
const passwords: string[] = [];
const acks: string[] = [];

before(async () => {
  // The seed agents (pid slave(1)@127.0.0.2:<port>, 127.0.0.3): the bot reaches them at that address.
  [redis, sim] = await Promise.all([
    startRedis(),
    startSimulator({ jenkinsSetupWizard: 'pending', jenkinsUser: 'ci-bot', jenkinsToken: `tok-${randomBytes(6).toString('hex')}` }),
  ]);
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  bot = await startBot({
    fullOutput: true,
    config: {
      redis: { prefix: PREFIX },
      roles: { admins: [ALICE], operators: [BOB] },
      cluster: { jenkins: { user: 'ci-bot', timeoutMs: 10_000 }, mesos: { timeoutMs: 10_000 }, marathon: { timeoutMs: 10_000 } },
    },
    env: {
      LOG_LEVEL: 'debug',
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','), JENKINS_URL: sim.urls.jenkins,
      JENKINS_API_TOKEN: sim.sim.opts.jenkinsToken,
    },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
  await waitFor(() => sim.sim.jenkins.up, { deadlineMs: 20_000, what: 'Jenkins running' });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await sim?.stop();
  await redis?.stop();
});

/** Sends a deferred command and returns its answer on the response_url. */
async function ask(user: string, line: string, match: RegExp): Promise<RecordedMessage> {
  const seen = new Set(slack.allMessages());
  const ack = await slack.command(user, line);
  assert.equal(ack.status, 200);
  acks.push(ack.body);
  return slack.waitForMessage((m) => !seen.has(m) && (m.kind === 'response_url' || m.kind === 'ack') && match.test(renderMessageText(m)), 30_000);
}

function jenkinsTask() {
  const t = [...sim.sim.state.tasks.values()].find((x) => x.appId === '/jenkins' && x.state === 'TASK_RUNNING');
  return t ?? assert.fail('no running Jenkins task');
}

describe('/ci jenkins password', () => {
  test('an admin gets the password from the sandbox, ephemeral to them alone', async () => {
    const wizard = sim.sim.jenkinsWizard.current;
    assert.equal(wizard.done, false);
    const password = wizard.password ?? assert.fail('the wizard has a password');
    passwords.push(password);
    // The banner is past the first 64 KiB read of stderr: one read alone cannot find it.
    const stderr = jenkinsTask().stderr;
    assert.ok(Buffer.byteLength(stderr.slice(0, stderr.indexOf(password))) > 64 * 1024, 'the banner lies beyond the first /files/read');
    const m = await ask(ALICE, 'jenkins password', /first-start password|:x:/);
    assert.match(renderMessageText(m), KEY, renderMessageText(m));
    assert.ok(renderMessageText(m).includes(password), 'the answer holds the password Jenkins generated');
    assert.equal(m.responseType, 'ephemeral', 'never in the channel');
    assert.equal(m.visibleTo, ALICE);
    assert.match(renderMessageText(m), /sandbox `stderr`/);
  });

  test('an operator is refused and learns nothing', async () => {
    const ack = await slack.command(BOB, 'jenkins password');
    acks.push(ack.body);
    assert.match(ack.body, /needs admin|admin/i);
    for (const p of passwords) assert.ok(!ack.body.includes(p));
  });

  test('Jenkins moved to a fresh JENKINS_HOME: the new task logs a new password (to stdout) and the bot finds that one', async () => {
    const old = jenkinsTask();
    sim.sim.opts.jenkinsLogStream = 'stdout';
    const other = old.agentId === sim.sim.agent('slave1').id ? 'slave2' : 'slave1';
    sim.sim.setOfferOrder([other]);
    sim.sim.killTask(old.id);
    await waitFor(() => [...sim.sim.state.tasks.values()].some((t) => t.appId === '/jenkins' && t.state === 'TASK_RUNNING' && t.id !== old.id), { deadlineMs: 30_000, what: 'Jenkins relaunched' });
    const fresh = sim.sim.jenkinsWizard.current.password ?? assert.fail('a fresh home has an open wizard');
    assert.notEqual(fresh, passwords[0]);
    passwords.push(fresh);
    assert.ok(jenkinsTask().stdout.includes(fresh) && !jenkinsTask().stderr.includes(fresh), 'this time the banner is in stdout');
    const m = await ask(ALICE, 'jenkins password', /first-start password|:x:/);
    const text = renderMessageText(m);
    assert.ok(text.includes(fresh), text);
    assert.ok(!text.includes(passwords[0]!), 'not the old home\'s password');
    assert.match(text, new RegExp(`on \`${other}\``));
    assert.equal(m.responseType, 'ephemeral');
  });

  test('once the wizard is completed, the bot says so and shows no password', async () => {
    sim.sim.jenkinsWizard.complete();
    const m = await ask(ALICE, 'jenkins password', /setup wizard is done|:x:/);
    const text = renderMessageText(m);
    assert.match(text, /setup wizard is done/, text);
    for (const p of passwords) assert.ok(!text.includes(p));
  });

  test('a restart on the same home logs no banner: the bot says so and where the file would be', async () => {
    const old = jenkinsTask();
    const host = sim.sim.state.agents.get(old.agentId)?.hostname ?? assert.fail('host');
    sim.sim.setOfferOrder([host]);
    sim.sim.killTask(old.id);
    await waitFor(() => [...sim.sim.state.tasks.values()].some((t) => t.appId === '/jenkins' && t.state === 'TASK_RUNNING' && t.id !== old.id), { deadlineMs: 30_000, what: 'Jenkins restarted' });
    const m = await ask(ALICE, 'jenkins password', /No first-start password|:x:|password/);
    const text = renderMessageText(m);
    assert.match(text, /No first-start password in the log of task/, text);
    assert.match(text, new RegExp(`\`/srv/jenkins_home/secrets/initialAdminPassword\` on \`${host}\``));
    for (const p of passwords) assert.ok(!text.includes(p));
  });

  test('the sandbox is gone from the agent (garbage-collected): a clear answer', async () => {
    sim.sim.addFault({ component: 'agent', path: '/files/browse', mode: 'fail', status: 404 });
    try {
      const m = await ask(ALICE, 'jenkins password', /:x:|password/);
      assert.match(renderMessageText(m), /sandbox of task `jenkins\.[^`]+` on `slave\d` is not on its agent .*garbage-collected/, renderMessageText(m));
    } finally {
      sim.sim.clearFaults('agent');
    }
  });

  test('no Jenkins app on Marathon: a clear answer', async () => {
    const res = await fetch(`${sim.urls.marathon}/v2/apps/jenkins`, { method: 'DELETE' });
    assert.ok(res.ok, `DELETE /v2/apps/jenkins: ${res.status}`);
    await waitFor(async () => (await fetch(`${sim.urls.marathon}/v2/apps/jenkins`)).status === 404, { deadlineMs: 20_000, what: 'app gone' });
    const m = await ask(ALICE, 'jenkins password', /:x:|password/);
    assert.match(renderMessageText(m), /no app `\/jenkins`.*deploy/i, renderMessageText(m));
  });
});

describe('the password is nowhere else', () => {
  test('the audit stream records who read it and where from, never the value', async () => {
    const r = new Redis(redis.url);
    try {
      const entries = await r.xrange(`${PREFIX}:audit`, '-', '+');
      const reads = entries.map(([, fields]) => Object.fromEntries(fields.reduce<string[][]>((acc, v, i) => (i % 2 === 0 ? [...acc, [v]] : (acc.at(-1)!.push(v), acc)), [])) as Record<string, string>)
        .filter((e) => e.kind === 'secret_read');
      assert.deepEqual(reads.map((e) => [e.user, e.outcome]), [[ALICE, 'shown'], [ALICE, 'shown'], [ALICE, 'wizard done'], [ALICE, 'not in log']]);
      assert.match(reads[0]!.detail ?? '', /sandbox stderr of task jenkins\./);
      const all = JSON.stringify(entries);
      for (const p of passwords) assert.ok(!all.includes(p), 'password in the audit stream');
    } finally {
      r.disconnect();
    }
  });

  test('not in Redis: every key, every type, whole values', async () => {
    const dump = await dumpRedis(redis.url);
    assert.ok(dump.entries.length > 3, `Redis holds the bot's state (${dump.entries.length} keys)`);
    assert.ok((dump.types.stream ?? 0) > 0, 'the audit stream is part of the scan');
    const all = dump.entries.join('\n');
    for (const p of passwords) assert.ok(!all.includes(p), `password found in Redis: ${dump.entries.find((e) => e.includes(p))?.slice(0, 300)}`);
  });

  test('in Slack only in the requester\'s ephemeral answers: no other call, message or ack', () => {
    const calls = slack.calls();
    assert.ok(calls.length > 3 && calls.every((c) => typeof c.body === 'string'), 'the emulator recorded the calls with their bodies');
    for (const p of passwords) {
      const holding = calls.filter((c) => c.body.includes(p) || JSON.stringify(c.args).includes(p) || JSON.stringify(c.response).includes(p));
      assert.equal(holding.length, 1, `exactly one call carries each password: ${holding.map((c) => c.method).join(', ')}`);
      const [call] = holding;
      assert.equal(call!.method, 'response_url');
      assert.equal((call!.args as { response_type?: string }).response_type, 'ephemeral');
      const messages = slack.allMessages().filter((m) => JSON.stringify(m).includes(p));
      assert.deepEqual(messages.map((m) => [m.kind, m.responseType, m.visibleTo]), [['response_url', 'ephemeral', ALICE]]);
      for (const a of acks) assert.ok(!a.includes(p), 'password in an ack');
    }
  });

  test('not in the logs: the whole stdout and stderr of the bot', async () => {
    await bot.stop();
    const log = bot.proc.output();
    assert.ok(bot.logs().some((l) => l.msg === 'ci-bot serve is listening' || /listening/.test(String(l.msg))), 'the log is read from its beginning');
    console.log(`# scanned ${log.length} chars of bot output`);
    for (const p of passwords) assert.ok(!log.includes(p), `password in the log: …${log.slice(Math.max(0, log.indexOf(p) - 200), log.indexOf(p) + 50)}`);
  });
});
