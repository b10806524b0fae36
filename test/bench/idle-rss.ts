/**
 * P5 (idle part) — resident memory of an idle `ci-bot all` (front door, workers, outbox drainer, features), side
 * by side with a bare Node process and a bare Bolt + BullMQ Queue + Worker process in the same run.
 * Target: ≤ 160 MB. Samples RSS from /proc after IDLE_SECONDS (default 15) of idling.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startRedis } from '../../src/playground/redis-server.ts';
import { startBot } from '../support/bot-process.ts';
import { startSlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator } from '../../src/playground/simulator/index.ts';
import { start } from '../../src/playground/process.ts';
import { startBareBoltBullmq } from './support/bare-bolt-bullmq.ts';

const IDLE_MS = Number(process.env.IDLE_SECONDS ?? 15) * 1000;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

const redis = await startRedis();
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-rss-${randomBytes(6).toString('hex')}`;
const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
const sim = await startSimulator({});

async function idle(label: string, pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const mb = rssMb(pid);
  console.log(`${label.padEnd(40)} ${mb.toFixed(1)} MB`);
  return mb;
}

console.log(`P5 idle RSS after ${IDLE_MS / 1000} s — Node ${process.version}`);
const bare = start(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
await idle('bare Node', bare.pid);
await bare.stop();

const floor = await startBareBoltBullmq({ SLACK_BOT_TOKEN: botToken, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url });
await idle('bare Bolt + BullMQ Queue + Worker', floor.pid);
await floor.stop();

const dist = new URL('../../dist/src/main.js', import.meta.url).pathname;
if (!existsSync(dist)) console.log('(dist/ missing: run `npm run build` to measure the compiled form too)');
const variants: Array<[string, { entry?: string; nodeArgs?: string[] }]> = [
  ['ci-bot all, src/main.ts, default V8 heap', { nodeArgs: [] }],
  ['ci-bot all, src/main.ts, semi-space 1 MB', {}],
  ...(existsSync(dist)
    ? ([
        ['ci-bot all, dist/, default V8 heap', { entry: dist, nodeArgs: [] }],
        ['ci-bot all, dist/, semi-space 1 MB (production)', { entry: dist }],
      ] as Array<[string, { entry?: string; nodeArgs?: string[] }]>)
    : []),
];
for (const [label, how] of variants) {
  const bot = await startBot({
    ...how,
    env: { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, MESOS_URL: sim.urls.mesos, MARATHON_URL: sim.urls.marathon, JENKINS_URL: sim.urls.jenkins },
    config: { roles: { admins: ['U0ALICE001'] } },
  });
  const mb = await idle(label, bot.proc.pid);
  console.log(`  target ≤ 160 MB: ${mb <= 160 ? 'met' : 'NOT met'}`);
  await bot.stop();
}
await sim.stop();
await slack.stop();
await redis.stop();
process.exit(0);
