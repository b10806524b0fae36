/**
 * S3 — two `serve` and two `worker` processes behind one Slack app, on one Redis. HTTP mode: the emulator sends
 * each slash command to one of the two serve URLs in turn, and some to both at once (the same signed request, as
 * a retrying proxy would). Socket Mode: both serve processes connected, the emulator spreading envelopes over the
 * two connections. Holds, from the records: each command handled once (audit `command` entries, and the serve
 * processes' own command counters add up), each task run once (audit `task_started` per job) and posted once
 * (one progress message per job in the emulator, ending in "selftest passed").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ADMIN = 'U0ALICE001';
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-s3-${randomBytes(6).toString('hex')}`;
const appToken = `xapp-1-A0CIBOT001-s3-${randomBytes(6).toString('hex')}`;
let redis: RedisServer;
let reader: Redis;
const started: BotProcess[] = [];
after(async () => {
  for (const b of started) await b.stop();
  reader?.disconnect();
  await redis?.stop();
});
before(async () => {
  redis = await startRedis({ aof: true });
  reader = new Redis(redis.url);
});

/** Two serve and two worker processes sharing `prefix`; `socket` adds the app token (Socket Mode). */
async function replicas(slack: SlackEmulator, prefix: string, socket: boolean): Promise<{ serves: BotProcess[] }> {
  const config = { redis: { prefix }, roles: { admins: [ADMIN] }, tasks: { selftestStepMs: 30 } };
  const env = { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, ...(socket ? { SLACK_APP_TOKEN: appToken } : {}) };
  const procs = await Promise.all(['serve', 'serve', 'worker', 'worker'].map((role) => startBot({ role, config, env })));
  started.push(...procs);
  return { serves: procs.slice(0, 2) };
}

/** Accepted `selftest` commands per serve process, from its own /metrics. */
async function commandsHandled(serve: BotProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${serve.port}/metrics`)).text();
  return [...text.matchAll(/^cibot_commands_total\{[^}]*name="selftest"[^}]*outcome="(?:queued|accepted|ok)"[^}]*\} (\d+)/gm)]
    .reduce((n, m) => n + Number(m[1]), 0);
}

async function audit(prefix: string): Promise<Array<Record<string, string>>> {
  const entries = (await reader.xrange(`${prefix}:audit`, '-', '+')) as Array<[string, string[]]>;
  return entries.map(([, fields]) => Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : []))) as Record<string, string>);
}

const queuedId = (body: string) => /Queued `([^`]+)`/.exec(body)?.[1];

/** Every job ran once and has exactly one progress message, which ends passed. */
async function assertEachOnce(slack: SlackEmulator, prefix: string, jobIds: string[], commands: number): Promise<void> {
  for (const id of jobIds) {
    await slack.waitForMessage((m) => m.kind === 'channel' && renderMessageText(m).includes(id) && /selftest passed/.test(renderMessageText(m)), 20_000);
  }
  for (const id of jobIds) {
    const posts = slack.calls('chat.postMessage').filter((c) => c.status === 200 && !c.args.thread_ts && JSON.stringify(c.args).includes(id));
    assert.equal(posts.length, 1, `one progress message for ${id}`);
  }
  const entries = await waitFor(async () => {
    const all = await audit(prefix);
    return jobIds.every((id) => all.some((e) => e.kind === 'task_finished' && e.jobId === id)) ? all : undefined;
  }, { what: 'every task finished in the audit', deadlineMs: 10_000 });
  for (const id of jobIds) {
    assert.equal(entries.filter((e) => e.kind === 'task_started' && e.jobId === id).length, 1, `${id} started once`);
  }
  assert.equal(entries.filter((e) => e.kind === 'command' && e.command === 'selftest').length, commands, 'each command handled once');
}

describe('S3: two serve + two worker processes behind one Slack app', () => {
  test('HTTP mode: commands spread over both serve URLs, some sent to both at once', async () => {
    const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken });
    after(() => slack.stop());
    const prefix = `s3http${randomBytes(3).toString('hex')}`;
    const { serves } = await replicas(slack, prefix, false);
    const [a, b] = serves as [BotProcess, BotProcess];
    const jobIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      slack.setTarget({ mode: 'http', url: (i % 2 === 0 ? a : b).eventsUrl });
      const ack = await slack.command(ADMIN, 'selftest');
      const id = queuedId(ack.body);
      assert.ok(id, ack.body);
      jobIds.push(id);
    }
    for (let i = 0; i < 3; i++) {
      slack.setTarget({ mode: 'http', url: a.eventsUrl, alsoTo: [b.eventsUrl] });
      const ack = await slack.command(ADMIN, 'selftest');
      const answers = [ack.body, ...(ack.duplicates ?? []).map((d) => d.body)];
      assert.equal(answers.length, 2, 'delivered to both serve processes');
      const ids = answers.map(queuedId).filter((x): x is string => x !== undefined);
      assert.equal(ids.length, 1, `one of the two copies queued a task: ${JSON.stringify(answers)}`);
      if (i === 0) console.log(`S3 HTTP: the same signed request to both: statuses ${ack.status} and ${ack.duplicates?.[0]?.status}`);
      jobIds.push(ids[0]!);
    }
    await assertEachOnce(slack, prefix, jobIds, 9);
    const handled = await Promise.all(serves.map(commandsHandled));
    console.log(`S3 HTTP: selftest commands handled per serve process: ${handled.join(' + ')}`);
    assert.ok(handled.every((n) => n > 0), `both serve processes handled commands: ${handled}`);
  });

  test('Socket Mode: both serve processes connected, envelopes spread over the two connections', async () => {
    const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken, socketSpread: true });
    after(() => slack.stop());
    slack.setTarget({ mode: 'socket' });
    const prefix = `s3sock${randomBytes(3).toString('hex')}`;
    const { serves } = await replicas(slack, prefix, true);
    await slack.waitForConnection(2);
    const jobIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const ack = await slack.command(ADMIN, 'selftest');
      const id = queuedId(ack.body);
      assert.ok(id, ack.body);
      jobIds.push(id);
    }
    await assertEachOnce(slack, prefix, jobIds, 6);
    const handled = await Promise.all(serves.map(commandsHandled));
    console.log(`S3 Socket Mode: selftest commands handled per serve process: ${handled.join(' + ')}`);
    assert.ok(handled.every((n) => n > 0), `both serve processes handled commands: ${handled}`);
  });
});
