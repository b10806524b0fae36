/**
 * P1 — slash-command ack latency. The emulator sends signed `/ci status` and `/ci setup-agent` (falling back to
 * `/ci selftest` where provisioning is not installed) at 20/s for BENCH_SECONDS (default 60) over HTTP and over
 * Socket Mode, to ci-bot (`serve`, its own process) and, in the same run, to a bare Bolt app that only enqueues
 * one BullMQ job and acks (the floor). Redis stopped: ack-redis-down.ts. Loopback only; bounded by count and time.
 */
import { randomBytes } from 'node:crypto';
import { startRedis } from '../../src/playground/redis-server.ts';
import { startBot } from '../support/bot-process.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { start } from '../../src/playground/process.ts';
import { waitFor } from '../../src/playground/ports.ts';
import { fmt, openLoop, percentiles } from './support/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = 20;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
const appToken = `xapp-bench-${randomBytes(6).toString('hex')}`;
const ADMIN = 'U0ALICE001';

const redis = await startRedis({ aof: true });
const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken });
const config = {
  roles: { admins: [ADMIN] },
  inventory: { hosts: [1, 2, 3, 4].map((i) => ({ name: `slave${i}`, address: '127.0.0.1', roles: ['agent'] })) },
};
const baseEnv = { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LOG_LEVEL: 'info' };
console.log(`P1 ack latency — ${RATE}/s for ${SECONDS} s per run; Node ${process.version}; redis AOF everysec`);

async function measure(label: string, s: SlackEmulator, texts: string[], seconds: number): Promise<number[]> {
  const results = await openLoop(RATE, seconds, (i) => s.command(ADMIN, texts[i % texts.length] as string));
  const lat = results.map((r) => (r.acked ? r.latencyMs : Infinity));
  const missed = results.filter((r) => !r.acked).length;
  console.log(`${label.padEnd(34)} ${fmt(percentiles(lat))}${missed ? ` — ${missed} not acked` : ''}`);
  return lat;
}

async function floor(mode: 'http' | 'socket'): Promise<number[]> {
  const env = { PATH: process.env.PATH ?? '', ...baseEnv, ...(mode === 'socket' ? { SLACK_APP_TOKEN: appToken } : {}) };
  const proc = start(process.execPath, [new URL('./support/bare-bolt-floor.ts', import.meta.url).pathname], { env });
  const line = await waitFor(() => proc.output().split('\n').find((l) => l.includes('floor ready')), { deadlineMs: 15_000, what: 'floor' });
  if (mode === 'http') slack.setTarget({ mode: 'http', url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/slack/events` });
  else {
    slack.setTarget({ mode: 'socket' });
    await slack.waitForConnection(slack.connectionsOpened, 10_000);
  }
  try {
    return await measure(`floor (bare Bolt + BullMQ), ${mode}`, slack, ['status', 'setup-agent slave1'], SECONDS);
  } finally {
    await proc.stop();
  }
}

const report: Record<string, number[]> = {};
for (const mode of ['http', 'socket'] as const) {
  report[`floor-${mode}`] = await floor(mode);
  const bot = await startBot({ role: 'serve', config, env: { ...baseEnv, ...(mode === 'socket' ? { SLACK_APP_TOKEN: appToken } : {}) } });
  if (mode === 'http') slack.setTarget({ mode: 'http', url: bot.eventsUrl });
  else {
    slack.setTarget({ mode: 'socket' });
    await waitFor(() => slack.connected, { deadlineMs: 10_000, what: 'socket' });
  }
  const help = await slack.command(ADMIN, 'help');
  const setup = /setup-agent/.test(help.body) ? 'setup-agent slave1' : 'selftest';
  report[mode] = await measure(`ci-bot, ${mode} (status + ${setup.split(' ')[0]})`, slack, ['status', setup], SECONDS);
  await bot.stop();
}
for (const mode of ['http', 'socket'] as const) {
  const ours = percentiles(report[mode] ?? []);
  const base = percentiles(report[`floor-${mode}`] ?? []);
  console.log(`${mode}: p99 ${ours.p99.toFixed(1)} ms vs floor ${base.p99.toFixed(1)} ms = ${(ours.p99 / base.p99).toFixed(2)}× (target ≤ 2× and ≤ 25 ms; max < 1 s: ${ours.max < 1000 ? 'yes' : 'no'})`);
}
await slack.stop();
await redis.stop();
process.exit(0);
