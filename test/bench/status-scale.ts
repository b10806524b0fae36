/**
 * P4 — status and digest at scale. The simulator holds 10,000 agents / 100,000 tasks, then (fresh processes)
 * 50,000 agents / 500,000 tasks; ci-bot runs as its own process (role all) against it, the Slack emulator and a
 * real Redis. Measures, for `/ci status` (command sent → answer received) and `/ci digest now` (command sent →
 * digest posted): wall time, the bot's extra RSS (peak sampled from /proc over its idle RSS, the median of 10 s of
 * idling), the bot's event-loop
 * lag over the run (p99 and max, from its own /metrics: prom-client's monitorEventLoopDelay, reset per scrape), and
 * the count of `/master/state` requests (must be 0). `/master/slaves` (≈32 MB at 50,000 agents) is stream-parsed.
 * Target (TARGETS.md P4): each ≤ 3 s wall at 50,000 (≤ 2 s at 10,000), ≤ 150 MB extra RSS, lag p99 ≤ 100 ms.
 * Run: node test/bench/status-scale.ts [agents tasks] (default: both sizes).
 */
import { randomBytes } from 'node:crypto';
import { NODE_FLAGS } from '../../bin/node-runtime.js';
import { readFileSync } from 'node:fs';
import { startRedis } from '../../src/playground/redis-server.ts';
import { startBot } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator } from '../../src/playground/simulator/index.ts';

const SIZES: Array<[number, number]> = process.argv[2]
  ? [[Number(process.argv[2]), Number(process.argv[3] ?? Number(process.argv[2]) * 10)]]
  : [[10_000, 100_000], [50_000, 500_000]];
const RUNS = 3;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Samples the RSS of `pid` every 10 ms while `work` runs; returns its result, wall ms and peak RSS. */
async function measure<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; ms: number; peakMb: number }> {
  let peakMb = rssMb(pid);
  const timer = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 10);
  const t0 = performance.now();
  try {
    const result = await work();
    return { result, ms: performance.now() - t0, peakMb: Math.max(peakMb, rssMb(pid)) };
  } finally {
    clearInterval(timer);
  }
}

/** The bot's event-loop lag since the previous scrape (prom-client resets its histogram on each), in ms. */
async function lagMs(port: number): Promise<{ p99: number; max: number; heap: string }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const mb = (name: string) => (read(name) / 2 ** 20).toFixed(0);
  return {
    p99: read('nodejs_eventloop_lag_p99_seconds') * 1000, max: read('nodejs_eventloop_lag_max_seconds') * 1000,
    heap: `V8 heap after: used ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB`,
  };
}

async function runSize(AGENTS: number, TASKS: number): Promise<void> {
  const secret = randomBytes(16).toString('hex');
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const [redis, sim] = await Promise.all([startRedis(), startSimulator({})]);
  const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  const gen = await (await fetch(`${sim.urls.control}/_control/generate`, { method: 'POST', body: JSON.stringify({ agents: AGENTS, tasks: TASKS }) })).json();
  // BOT_NODE_ARGS overrides the production V8 flags (bin/ci-bot.js), to compare heap settings.
  const nodeArgs = process.env.BOT_NODE_ARGS === undefined ? undefined : process.env.BOT_NODE_ARGS.split(' ').filter(Boolean);
  console.log(`bot node args: ${(nodeArgs ?? [...NODE_FLAGS, '(production default)']).join(' ') || '(none)'}`);
  // BOT_MALLOC=glibc runs the bot with glibc's malloc defaults instead of the production settings (bin/node-runtime.js);
  // BOT_MALLOC=K=V,K=V with exactly those (to compare them one by one).
  const mallocEnv = !process.env.BOT_MALLOC;
  const mallocVars = Object.fromEntries((process.env.BOT_MALLOC ?? '').split(',').filter((kv) => kv.includes('=')).map((kv) => kv.split('=') as [string, string]));
  console.log(`bot malloc settings: ${mallocEnv ? 'production (bin/node-runtime.js)' : Object.keys(mallocVars).length ? JSON.stringify(mallocVars) : "glibc's defaults"}`);
  const bot = await startBot({
    ...(nodeArgs ? { nodeArgs } : {}),
    mallocEnv,
    config: { redis: { prefix: 'bench' }, roles: { admins: ['U0ALICE001'] }, cluster: { jenkins: { user: 'admin' } }, logLevel: 'warn' },
    env: {
      ...mallocVars,
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LOG_LEVEL: 'info',
      MESOS_URL: sim.urls.mesos, MARATHON_URL: sim.urls.marathon, JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
    },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
  const pid = bot.proc.child.pid as number;
  // Idle: the median of 10 s of samples once start-up is over. An idle bot is not flat at this size: its failover
  // watcher reads /master/slaves every 10 s and keeps the agents (≈ 85 MB of heap at 50,000).
  await new Promise((r) => setTimeout(r, 1500));
  const earlyMb = rssMb(pid);
  await new Promise((r) => setTimeout(r, 3500));
  const idleSamples: number[] = [];
  for (let i = 0; i < 20; i++, await new Promise((r) => setTimeout(r, 500))) idleSamples.push(rssMb(pid));
  const idleMb = [...idleSamples].sort((a, b) => a - b)[10] as number;
  const idleMin = Math.min(...idleSamples);
  const extra = (peak: number) => `+${(peak - idleMb).toFixed(1)} MB RSS (peak ${peak.toFixed(1)} MB; +${(peak - idleMin).toFixed(1)} over the idle minimum)`;
  const rows: string[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const seen = new Set(slack.allMessages());
      await lagMs(bot.port);
      const status = await measure(pid, async () => {
        await slack.command('U0ALICE001', 'status');
        return slack.waitForMessage((m) => m.kind === 'response_url' && !seen.has(m) && /CI cluster status/.test(renderMessageText(m)), 30_000);
      });
      const statusLag = await lagMs(bot.port);
      // Totals come from /metrics/snapshot; the capacity line needs every agent from /master/slaves.
      const ok = /Agents: \*[\d,]+ active\*/.test(renderMessageText(status.result)) && /\*Capacity\*: /.test(renderMessageText(status.result));
      rows.push(`/ci status      run ${i + 1}: ${status.ms.toFixed(0).padStart(5)} ms wall, ${extra(status.peakMb)}, lag p99 ${statusLag.p99.toFixed(0)} ms max ${statusLag.max.toFixed(0)} ms; ${statusLag.heap}${ok ? '' : ' [answer incomplete!]'}`);
      const digest = await measure(pid, async () => {
        await slack.command('U0ALICE001', 'digest now');
        return slack.waitForMessage((m) => m.kind === 'channel' && !seen.has(m) && /CI cluster digest/.test(renderMessageText(m)), 30_000);
      });
      const digestLag = await lagMs(bot.port);
      rows.push(`/ci digest now  run ${i + 1}: ${digest.ms.toFixed(0).padStart(5)} ms wall, ${extra(digest.peakMb)}, lag p99 ${digestLag.p99.toFixed(0)} ms max ${digestLag.max.toFixed(0)} ms; ${digestLag.heap}`);
    }
    const requests = (await (await fetch(`${sim.urls.control}/_control/requests`)).json()) as Record<string, number>;
    console.log(`P4 status/digest at scale — Node ${process.version}, simulator ${JSON.stringify(gen)} (+ seed agents)`);
    console.log(`bot idle RSS ${idleMb.toFixed(1)} MB (median of 10 s from 5 s after start; min ${Math.min(...idleSamples).toFixed(1)} max ${Math.max(...idleSamples).toFixed(1)}; ${earlyMb.toFixed(1)} MB at 1.5 s) (pid ${pid})`);
    for (const r of rows) console.log(r);
    console.log(`/master/state requests: ${requests['mesos /master/state'] ?? 0} (target 0); /master/frameworks: ${requests['mesos /master/frameworks'] ?? 0}; /master/slaves: ${requests['mesos /master/slaves'] ?? 0}; /metrics/snapshot: ${requests['mesos /metrics/snapshot'] ?? 0}`);
    console.log(`target: each ≤ ${AGENTS > 10_000 ? 3000 : 2000} ms wall, ≤ 150 MB extra RSS, lag p99 ≤ 100 ms. Digest wall time includes the queue and the outbox (≈1 post/s per channel).`);
  } finally {
    await bot.stop();
    await slack.stop();
    await sim.stop();
    await redis.stop();
  }
}

for (const [agents, tasks] of SIZES) await runSize(agents, tasks);
