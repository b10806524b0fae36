/**
 * P1 with Redis stopped — ci-bot `serve` (HTTP) gets signed `/ci setup-agent` at 20/s: BASE_SECONDS (default 10)
 * with Redis healthy, then STOP_SECONDS (default 60) with Redis SIGSTOPped, then SIGCONT and one command every
 * 100 ms until one is queued again. Prints the ack latency of the healthy phase, of the first request of the outage
 * (target ≤ 300 ms), of the rest of the outage (after the first failure, target p99 ≤ 50 ms, every one answered
 * "queue unavailable"), and the recovery time (SIGCONT → the first command queued again, target ≤ 5 s).
 * Loopback only; bounded by count and time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startRedis } from '../../src/playground/redis-server.ts';
import { startSlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startBot } from '../support/bot-process.ts';
import { fmt, openLoop, percentiles } from './support/stats.ts';

const BASE_SECONDS = Number(process.env.BASE_SECONDS ?? 10);
const STOP_SECONDS = Number(process.env.STOP_SECONDS ?? 60);
const RATE = 20;
const ADMIN = 'U0ALICE001';
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
const root = new URL('../../', import.meta.url).pathname;
const pkg = (name: string) => (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;

const redis = await startRedis({ aof: true });
const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
const bot = await startBot({
  role: 'serve',
  config: { roles: { admins: [ADMIN] }, inventory: { hosts: [{ name: 'slave1', address: '127.0.0.1', roles: ['agent'] }] } },
  env: { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LOG_LEVEL: 'info' },
});
slack.setTarget({ mode: 'http', url: bot.eventsUrl });
const redisVersion = /redis_version:(\S+)/.exec(await redis.command('INFO', 'server'))?.[1] ?? '?';
console.log(`P1 with Redis stopped — Node ${process.version}, Bolt ${pkg('@slack/bolt')}, BullMQ ${pkg('bullmq')}, ioredis ${pkg('ioredis')}, Redis ${redisVersion} (AOF everysec); ${RATE}/s over HTTP`);
const unavailable = (body: string) => /unavailable/.test(body);
const queued = (body: string) => /Queued `setup-agent-|is queued behind/.test(body);
const send = () => slack.command(ADMIN, 'setup-agent slave1');
try {
  const healthy = await openLoop(RATE, BASE_SECONDS, send);
  console.log(`${'Redis healthy'.padEnd(40)} ${fmt(percentiles(healthy.map((r) => r.latencyMs)))} — ${healthy.filter((r) => queued(r.body)).length}/${healthy.length} queued`);

  process.kill(redis.process.pid, 'SIGSTOP');
  let stopped: Awaited<ReturnType<typeof send>>[];
  try {
    stopped = await openLoop(RATE, STOP_SECONDS, send);
  } finally {
    process.kill(redis.process.pid, 'SIGCONT');
  }
  const resumedAt = performance.now();
  const [first, ...rest] = stopped;
  const restP = percentiles(rest.map((r) => (r.acked ? r.latencyMs : Infinity)));
  console.log(`${'Redis SIGSTOPped: first request'.padEnd(40)} ${first?.latencyMs.toFixed(1)} ms, "${unavailable(first?.body ?? '') ? 'queue unavailable' : first?.body.slice(0, 60)}" (target ≤ 300 ms)`);
  console.log(`${`Redis SIGSTOPped: the next ${STOP_SECONDS} s`.padEnd(40)} ${fmt(restP)} — ${rest.filter((r) => unavailable(r.body)).length}/${rest.length} said "queue unavailable"`);

  // Recovery: one command every 100 ms (at most 30 s) until one is queued.
  let recoveredMs = NaN;
  let tries = 0;
  while (performance.now() - resumedAt < 30_000) {
    const sentAt = performance.now();
    tries += 1;
    if (queued((await send()).body)) {
      recoveredMs = sentAt - resumedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - sentAt))));
  }
  console.log(`${'recovery (SIGCONT → a command queued)'.padEnd(40)} ${Number.isNaN(recoveredMs) ? 'NOT within 30 s' : `${recoveredMs.toFixed(0)} ms (${tries} tries)`} (target ≤ 5,000 ms)`);
  console.log(`distance to target: outage p99 ${restP.p99.toFixed(1)} ms vs ≤ 50 ms (${restP.p99 <= 50 ? 'met' : 'NOT met'}); first ${first?.latencyMs.toFixed(0)} ms vs ≤ 300 ms (${(first?.latencyMs ?? Infinity) <= 300 ? 'met' : 'NOT met'}); recovery ${recoveredMs.toFixed(0)} ms vs ≤ 5,000 ms (${recoveredMs <= 5000 ? 'met' : 'NOT met'})`);
} finally {
  await bot.stop();
  await slack.stop();
  await redis.stop();
}
process.exit(0);
