/**
 * What production runs: `npm run build` (scripts/build.ts: one esbuild bundle, dist/src/main.js) started as its own
 * process with the image's Node flags, against the Slack emulator, real Redis and the cluster simulator. Every other
 * end-to-end test runs src/main.ts; this one holds the bundle to the same behaviour where bundling could change it:
 * files found relative to the module (the recipes at start-up, the Marathon template when a deploy renders it, from
 * a working directory that has no config/), luxon and cron-parser shared with BullMQ (a digest schedule), and the
 * ASCII, tree-shaken output the build exists for (TARGETS.md P5).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/playground/simulator/index.ts';

const ALICE = 'U0ALICE001';
const root = new URL('../../', import.meta.url).pathname;
const entry = `${root}dist/src/main.js`;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let bot: BotProcess;
let buildOutput = '';

before(async () => {
  const built = spawnSync(process.execPath, ['scripts/build.ts'], { cwd: root, encoding: 'utf8' });
  buildOutput = `${built.stdout}${built.stderr}`;
  assert.equal(built.status, 0, `npm run build failed:\n${buildOutput}`);
  [redis, sim] = await Promise.all([startRedis(), startSimulator({})]);
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  // startBot runs it in a fresh temporary directory: no config/ there, so the template can only come from the build.
  bot = await startBot({
    entry,
    config: { redis: { prefix: `e2ebuild${randomBytes(3).toString('hex')}` }, roles: { admins: [ALICE] }, cluster: { jenkins: { user: 'admin' } } },
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      MESOS_URL: sim.urls.mesos, MARATHON_URL: sim.urls.marathon, JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
    },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await sim?.stop();
  await redis?.stop();
});

describe('the compiled build (dist/src/main.js)', () => {
  test('is one ASCII module without zod\'s other locales and without comments, and says its size', () => {
    const js = readFileSync(entry, 'utf8');
    // A two-byte source costs twice its length in V8's heap for as long as the process runs.
    const wide = /[^\x00-\x7f]/.exec(js)?.index;
    assert.equal(wide, undefined, `non-ASCII character in the bundle: ${JSON.stringify(js.slice((wide ?? 0) - 60, (wide ?? 0) + 10))}`);
    // zod's classic API re-exports every locale; tree-shaking keeps English only (German: "Ungültige Eingabe";
    // Catalan: "Entrada invàlida").
    assert.doesNotMatch(js, /Ung(\\u00FC|\\xFC|ü)ltige Eingabe/i);
    assert.doesNotMatch(js, /Entrada inv(\\u00E0|\\xE0|à)lida/i);
    assert.match(js, /Invalid input/, 'zod\'s English messages are in');
    assert.doesNotMatch(js, /\/\*\*\s/, 'no doc comments');
    assert.ok(js.length < 1_000_000, `the bundle is ${js.length} bytes (about 530 KB when this was written)`);
    // The packages a bare Bolt + BullMQ process loads stay external: one copy, shared with the libraries.
    for (const pkg of ['@slack/bolt', 'bullmq', 'ioredis', 'ssh2', 'luxon', 'cron-parser']) {
      assert.match(js, new RegExp(`from ?"${pkg}"|\\("${pkg}"\\)`), `${pkg} is imported, not bundled`);
    }
    assert.match(buildOutput, /built dist\/src\/main\.js \(\d+ KiB/);
  });

  test('starts with the recipes found beside it and answers /ci status', async () => {
    const seen = new Set(slack.allMessages());
    const ack = await slack.command(ALICE, 'status');
    assert.equal(ack.status, 200);
    const m = await slack.waitForMessage((x) => x.kind === 'response_url' && !seen.has(x) && /CI cluster status/.test(renderMessageText(x)), 15_000);
    assert.match(renderMessageText(m), /agents/i);
  });

  test('a digest schedule (cron-parser and luxon, shared with BullMQ) is accepted and scheduled', async () => {
    const ack = await slack.command(ALICE, 'digest add "*/5 * * * *" --tz UTC');
    assert.equal(ack.status, 200);
    const list = await slack.command(ALICE, 'digest list');
    assert.match(ack.body, /\*\/5 \* \* \* \*/);
    assert.match(list.body, /\*\/5 \* \* \* \*/, 'the schedule is listed');
    assert.match(list.body, /UTC/);
    assert.match(list.body, /next/i, 'BullMQ computed the next run');
  });

  test('/ci deploy jenkins --dry-run renders the Marathon template shipped in the build', async () => {
    const since = Date.now();
    const ack = await slack.command(ALICE, 'deploy jenkins --dry-run');
    assert.equal(ack.status, 200);
    const prompt = await slack.waitForMessage((m) => /Confirm `\/ci deploy jenkins/.test(renderMessageText(m)) && m.changedAtMs >= since, 10_000);
    await slack.click(prompt, 'ci_confirm', { user: ALICE });
    const done = await slack.waitForMessage((m) => m.kind === 'channel' && m.changedAtMs >= since && /\*(Done|Failed)\*/.test(renderMessageText(m)), 45_000);
    const body = renderMessageText(done);
    assert.doesNotMatch(body, /Cannot read the Marathon template/);
    assert.match(body, /render app[^\n]*\/jenkins: ci-bot\/jenkins-master:/, body);
    assert.match(body, /\*Done\*[^\n]*dry run: .*nothing was changed/, body);
  });
});
