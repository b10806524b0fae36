/**
 * R20: no token, key or password in Redis, logs, audit entries or Slack messages. Every secret is a canary made
 * for this run, and every one is really used: the bot token and signing secret by the HTTP-mode bot (the emulator
 * checks both), the app token by a Socket Mode bot, the Jenkins API token and the Marathon password by /ci status
 * (both upstreams refuse requests without them), the SSH key and its passphrase by /ci setup-agent on a real sshd
 * host, and the Redis password by every process (Redis runs with requirepass). Then everything is scanned: every
 * Redis key of every type through a real client, the whole stdout and stderr of both bot processes, every request
 * body the Slack emulator received and every answer it recorded, every ack, and the audit stream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { dumpRedis } from '../support/redis-dump.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../support/slack-emulator/index.ts';
import { startSimulator, seedAgents, type RunningSimulator } from '../support/simulator/index.ts';
import { startTestHosts, type TestHosts } from '../support/ssh-hosts/index.ts';
import { waitFor } from '../support/ports.ts';

const ALICE = 'U0ALICE001'; // admin
const BOB = 'U0BOB00001'; // operator
const canary = (kind: string) => `r20canary-${kind}-${randomBytes(9).toString('hex')}`;
const secrets = {
  botToken: `xoxb-${canary('bot')}`,
  appToken: `xapp-${canary('app')}`,
  signingSecret: canary('signing'),
  jenkinsToken: canary('jenkins'),
  marathonPassword: canary('marathon'),
  sshPassphrase: canary('passphrase'),
  redisPassword: canary('redis'),
};

let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let th: TestHosts;
let bot: BotProcess;
let socketBot: BotProcess | undefined;
const acks: string[] = [];
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

before(async () => {
  redis = await startRedis({ password: secrets.redisPassword });
  sim = await startSimulator({
    agents: [seedAgents[0]!], jenkinsUser: 'ci-bot', jenkinsToken: secrets.jenkinsToken,
    marathonCredentials: { user: 'ci-bot', password: secrets.marathonPassword },
  });
  th = await startTestHosts({ names: ['master', 'slave2'], simulatorControlUrl: sim.urls.control, clientKeyPassphrase: secrets.sshPassphrase });
  sim.sim.opts.zkUrl = `zk://${th.get('master').address}:2181/mesos`;
  slack = await startSlackEmulator({ signingSecret: secrets.signingSecret, botToken: secrets.botToken, appToken: secrets.appToken });
  bot = await startBot({ config: config(), env: env(), fullOutput: true, deadlineMs: 60_000 });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await socketBot?.stop();
  await bot?.stop();
  await slack?.stop();
  await th?.stop();
  await sim?.stop();
  await redis?.stop();
});

function config() {
  const host = (name: string, roles: string[]) => {
    const h = th.get(name);
    return { name, address: h.address, port: h.port, user: 'root', roles, hostKey: h.hostKeyFingerprint };
  };
  return {
    roles: { default: 'viewer', admins: [ALICE], operators: [BOB] },
    inventory: { hosts: [host('master', ['master']), host('slave2', ['agent'])] },
    ssh: { connectTimeoutMs: 5000, agentJoinTimeoutMs: 6000 },
    // Generous upstream timeouts: on a loaded machine a timed-out read would hide whether the secret was used.
    cluster: { jenkins: { user: 'ci-bot', timeoutMs: 20_000 }, marathon: { timeoutMs: 20_000 }, mesos: { timeoutMs: 20_000 } },
  };
}

function env(): Record<string, string> {
  return {
    LOG_LEVEL: 'debug',
    SLACK_BOT_TOKEN: secrets.botToken, SLACK_SIGNING_SECRET: secrets.signingSecret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
    MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','), JENKINS_URL: sim.urls.jenkins,
    JENKINS_USER: 'ci-bot', JENKINS_API_TOKEN: secrets.jenkinsToken, MARATHON_USER: 'ci-bot', MARATHON_PASSWORD: secrets.marathonPassword,
    SSH_PRIVATE_KEY_PATH: th.clientKey.path, SSH_PRIVATE_KEY_PASSPHRASE: secrets.sshPassphrase,
  };
}

async function command(user: string, line: string): Promise<string> {
  const ack = await slack.command(user, line);
  assert.equal(ack.status, 200, `${line}: HTTP ${ack.status}`);
  acks.push(ack.body);
  return ack.body;
}

/** The values to look for: every secret, and each line of the private key file's body (its content). */
function needles(): Array<[string, string]> {
  const keyLines = readFileSync(th.clientKey.path, 'utf8').split('\n').filter((l) => l.length >= 20 && !l.startsWith('-----'));
  assert.ok(keyLines.length >= 3, 'the key file has a body');
  return [...Object.entries(secrets), ...keyLines.map((l, i): [string, string] => [`SSH private key line ${i + 1}`, l])];
}

describe('R20: every secret is a canary, and every one is used', () => {
  test('the upstreams refuse a request without its secret, so a working bot has used them', async () => {
    // Jenkins answers 503 until its Marathon task runs; then, without the token, 401.
    const jenkinsStatus = async () => (await fetch(`${sim.urls.jenkins}/api/json`)).status;
    await waitFor(async () => (await jenkinsStatus()) !== 503, { deadlineMs: 20_000, what: 'Jenkins up' });
    assert.equal(await jenkinsStatus(), 401, 'Jenkins needs the API token');
    assert.equal((await fetch(`${sim.urls.marathon}/v2/apps`)).status, 401, 'Marathon needs the password');
    assert.match(await redis.command('PING').catch((e: Error) => e.message), /PONG/, 'the test itself authenticates');
    // A client without the password: Redis must refuse it.
    const stranger = new Redis(`redis://127.0.0.1:${redis.port}`, { lazyConnect: true, maxRetriesPerRequest: 0 });
    const unauthenticated = await stranger.get('anything').then(String, (e: Error) => e.message);
    stranger.disconnect();
    assert.match(unauthenticated, /NOAUTH/);
    assert.throws(() => execFileSync('ssh-keygen', ['-y', '-P', '', '-f', th.clientKey.path], { stdio: 'pipe' }), 'the SSH key is encrypted');
  });

  test('bot token and signing secret: signed commands are answered; the bot posts with its token', async () => {
    const forged = await slack.command(ALICE, 'help', { forgeSecret: 'not-the-secret' });
    assert.equal(forged.status, 401, 'the bot checks the signature with the secret');
    const ack = await command(BOB, 'selftest');
    const jobId = /Queued `([^`]+)`/.exec(ack)?.[1] ?? assert.fail(ack);
    await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId) && /selftest passed/i.test(text(m)), 20_000);
    assert.ok(slack.calls('chat.postMessage').some((c) => (c.response as { ok?: boolean }).ok === true), 'the emulator accepted the bot token');
  });

  test('Jenkins token and Marathon password: /ci status shows what only authenticated requests return', async () => {
    const seen = new Set(slack.allMessages());
    await command(ALICE, 'status');
    const reply = await slack.waitForMessage((m) => m.kind === 'response_url' && !seen.has(m) && /CI cluster status/.test(text(m)), 20_000);
    assert.match(text(reply), /Jenkins app\* `\/jenkins` on `slave1`/, 'Marathon answered (with the password)');
    assert.match(text(reply), /\*Jenkins\*: [^\n]*executors[^\n]*jobs \d+/, `Jenkins answered (with the token):\n${text(reply)}`);
    assert.doesNotMatch(text(reply), /401|unauthori[sz]ed|invalid password/i);
  });

  test('SSH key and passphrase: /ci setup-agent logs in to a real sshd host and provisions it', async () => {
    const ack = await command(BOB, 'setup-agent slave2');
    const jobId = /Queued `([^`]+)`/.exec(ack)?.[1] ?? assert.fail(ack);
    const done = await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId) && /\*(Done|Failed)\*/.test(text(m)), 40_000);
    assert.match(text(done), /\*Done\*/, text(done));
    assert.ok(th.get('slave2').commands().length > 20, 'the host ran the recipe');
    assert.match(th.get('slave2').file('etc/mesos/zk') ?? '', /^zk:\/\//, 'the recipe wrote the agent config');
  });

  test('app token: a Socket Mode bot connects with it and answers', async () => {
    socketBot = await startBot({ role: 'serve', config: config(), env: { ...env(), SLACK_APP_TOKEN: secrets.appToken }, fullOutput: true, deadlineMs: 60_000 });
    slack.setTarget({ mode: 'socket' });
    try {
      await slack.waitForConnection(1, 15_000);
      assert.ok(slack.calls('apps.connections.open').some((c) => (c.response as { ok?: boolean }).ok === true), 'the emulator accepted the app token');
      const ack = await slack.command(ALICE, 'help');
      assert.ok(ack.acked);
      acks.push(ack.body);
      assert.match(ack.body, /\/ci selftest/);
    } finally {
      slack.setTarget({ mode: 'http', url: bot.eventsUrl });
    }
  });

  test('/ci history reads the audit stream back into Slack', async () => {
    const history = await command(ALICE, 'history 50');
    assert.match(history, /setup-agent/);
  });
});

describe('R20: then no secret anywhere', () => {
  test('not in Redis: every key, every type, whole values', async () => {
    const dump = await dumpRedis(redis.url);
    assert.ok(dump.entries.length > 10, `Redis holds the bot's state (${dump.entries.length} keys)`);
    for (const type of ['string', 'hash', 'stream']) assert.ok((dump.types[type] ?? 0) > 0, `the scan read ${type} keys (${JSON.stringify(dump.types)})`);
    const all = dump.entries.join('\n');
    assert.match(all, /ci-bot:audit\tstream\t.*setup-agent/, 'the audit stream is part of the scan');
    for (const [name, value] of needles()) assert.ok(!all.includes(value), `${name} found in Redis: ${dump.entries.find((e) => e.includes(value))?.slice(0, 300)}`);
  });

  test('not in the logs: the whole stdout and stderr of both bot processes', async () => {
    await socketBot?.stop();
    await bot.stop();
    const logs = [bot.proc.output(), socketBot?.proc.output() ?? ''];
    console.log(`# scanned ${logs[0]!.length} + ${logs[1]!.length} chars of bot output`);
    // The first lines are there, so this is the whole output, not a tail.
    assert.ok(bot.logs().some((l) => l.msg === 'ci-bot serve is listening'), 'the log is read from its beginning');
    assert.ok(logs[1]!.length > 0, 'the Socket Mode bot logged');
    for (const [name, value] of needles()) {
      for (const [i, log] of logs.entries()) assert.ok(!log.includes(value), `${name} found in the log of bot ${i + 1}: …${log.slice(Math.max(0, log.indexOf(value) - 200), log.indexOf(value) + 50)}`);
    }
  });

  test('not in anything sent to Slack: every request body, every recorded call and message, every ack', () => {
    const calls = slack.calls();
    assert.ok(calls.length > 10 && calls.every((c) => typeof c.body === 'string'), 'the emulator recorded the calls with their bodies');
    // A Web API call may authenticate with a `token` form field instead of the Authorization header (Bolt's
    // auth.test does): that field is the credential's own place, so it alone is taken out before the scan.
    const credential = `token=${encodeURIComponent(secrets.botToken)}`;
    const bodies = calls.map((c) => c.body.split('&').filter((field) => field !== credential).join('&'));
    const sent = [...bodies, JSON.stringify(calls.map((c) => ({ ...c, body: '' }))), JSON.stringify(slack.allMessages()), ...acks].join('\n');
    for (const [name, value] of needles()) {
      const where = calls.find((c) => JSON.stringify(c).includes(value));
      assert.ok(!sent.includes(value), `${name} found in what reached Slack${where ? ` (${where.method}: ${where.body.slice(0, 200)})` : ''}`);
    }
  });
});
