/**
 * P5 as shipped — compiled (`npm run build`: the dist/src/main.js bundle) and run with the Docker image's node flags
 * and allocator (bin/node-runtime.js: NODE_FLAGS; jemalloc preloaded where installed, as in the image, else glibc
 * with MALLOC_ARENA_MAX=2 and fixed 128 KiB mmap/trim thresholds; plus `--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir` so heap snapshots can be taken, which costs nothing until the signal comes). Two parts, in one run:
 *  1. idle RSS of `ci-bot all` holding 100 pooled SSH connections (a `/ci prepull` to 100 loopback sshd hosts opens
 *     them; the pool keeps them), beside a bare Bolt + BullMQ Queue + Worker process (target ≤ 1.2× of it, ≤ 160 MB);
 *     each idle figure is the median of IDLE_READINGS readings 5 s apart, taken after IDLE_MS of idling (one reading
 *     swings by several MiB with where the allocator's freed blocks happen to sit);
 *  2. SOAK_MINUTES (default 60) of a digest every minute (`/ci digest add "* * * * *"`) plus synthetic Marathon
 *     events (EVENTS_PER_SEC, default 20, status updates of 200 apps on the simulator's bus): RSS and V8 heap used
 *     sampled every 15 s; growth = the least-squares slope over the hour as a % of the start (target ≤ 2 %), and the
 *     first vs last 5 minutes' medians; heap snapshots at start and end compared (the groups that grew most), taken
 *     in a twin process under the same load (a snapshot leaves > 100 MB of native memory behind in the process).
 * Loopback only; bounded (the soak length, plus a hard deadline that stops everything).
 *
 *   node test/bench/memory-soak.ts              # the hour
 *   SOAK_MINUTES=3 node test/bench/memory-soak.ts
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../../src/playground/redis-server.ts';
import { renderMessageText, startSlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator } from '../../src/playground/simulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';
import { startBot } from '../support/bot-process.ts';
import { agentInventory, startTestHosts } from '../support/ssh-hosts/index.ts';
import { startBareBoltBullmq } from './support/bare-bolt-bullmq.ts';
import { heapDiff, summarizeHeapSnapshot } from './support/heap-summary.ts';
import { median } from './support/stats.ts';
import { JEMALLOC, MALLOC_ENV, NODE_FLAGS, jemallocInstalled } from '../../bin/node-runtime.js';

const SOAK_MIN = Number(process.env.SOAK_MINUTES ?? 60);
const EVENTS_PER_SEC = Number(process.env.EVENTS_PER_SEC ?? 20);
const HOSTS = Number(process.env.SOAK_HOSTS ?? 100);
const IDLE_MS = 20_000;
const IDLE_READINGS = 7;
const SAMPLE_MS = 15_000;
const WARMUP_MS = 120_000;
const SHIP_FLAGS = NODE_FLAGS;
const ADMIN = 'U0ALICE001';
const root = new URL('../../', import.meta.url).pathname;

// Bounded: whatever happens, the run ends (the finally below stops every process it started).
const hardStop = setTimeout(() => {
  console.log('hard deadline reached: stopping');
  void stopAll().finally(() => process.exit(3));
}, (SOAK_MIN + 20) * 60_000);
hardStop.unref();

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The median of IDLE_READINGS RSS readings of `pid`, 5 s apart, after IDLE_MS; the readings themselves in `seen`. */
async function idleRss(pid: number): Promise<{ mb: number; seen: string }> {
  await sleep(IDLE_MS);
  const xs: number[] = [];
  for (let i = 0; i < IDLE_READINGS; i++) {
    if (i > 0) await sleep(5_000);
    xs.push(rssMb(pid));
  }
  return { mb: median(xs), seen: xs.map((x) => x.toFixed(1)).join(' ') };
}
const stamp = () => new Date().toISOString().slice(11, 19);

const pkg = (name: string) => (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
const sshV = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();
console.log(`P5 as shipped — Node ${process.version}, Bolt ${pkg('@slack/bolt')}, BullMQ ${pkg('bullmq')}, ioredis ${pkg('ioredis')}, ssh2 ${pkg('ssh2')}, ${sshV}`);
console.log(`allocator: ${jemallocInstalled ? `${JEMALLOC} preloaded (as in the Docker image)` : `glibc with ${Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} (${JEMALLOC} not installed: apt-get install libjemalloc2 to measure the image's)`}; node flags ${NODE_FLAGS.join(' ')}`);
console.log(`soak ${SOAK_MIN} min, ${EVENTS_PER_SEC} Marathon events/s, digest every minute, ${HOSTS} pooled SSH connections; started ${new Date().toISOString()}`);

const built = spawnSync(process.execPath, ['scripts/build.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (built.status !== 0) throw new Error('npm run build failed');
const entry = `${root}dist/src/main.js`;

const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-soak-${randomBytes(6).toString('hex')}`;
const snapDir = mkdtempSync(join(tmpdir(), 'ci-bot-p5-'));
const redis = await startRedis({ aof: true });
const s = await startSimulator({});
const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
const th = await startTestHosts({
  names: Array.from({ length: HOSTS }, (_, i) => `p${i}`), simulatorControlUrl: 'http://127.0.0.1:9', startConcurrency: 6,
  files: { 'var/lib/cibot-shim/active/docker': '' },
});
const redisVersion = /redis_version:(\S+)/.exec(await redis.command('INFO', 'server'))?.[1] ?? '?';
console.log(`Redis ${redisVersion}; heap snapshots in ${snapDir}`);
let bot: Awaited<ReturnType<typeof startBot>> | undefined;
let twin: Awaited<ReturnType<typeof startBot>> | undefined;
let events: NodeJS.Timeout | undefined;
async function stopAll(): Promise<void> {
  if (events) clearInterval(events);
  await bot?.stop();
  await twin?.stop();
  await th.stop();
  await slack.stop();
  await s.stop();
  await redis.stop();
  rmSync(snapDir, { recursive: true, force: true });
}
// Stopped from outside (Ctrl-C, a timeout): every process it started is still stopped by pid.
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void stopAll().finally(() => process.exit(130)));
try {
  // 1. The floor, then ci-bot with 100 pooled connections, each idling IDLE_MS before the reading.
  const floorEnv = { SLACK_BOT_TOKEN: botToken, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url };
  const floors: Record<string, number> = {};
  // The floor as a bare process runs (Node's and glibc's defaults), and with the image's flags and malloc settings.
  for (const [label, flags, env] of [['default flags', [], {}], ['the image\'s flags', SHIP_FLAGS, MALLOC_ENV]] as Array<[string, string[], Record<string, string>]>) {
    const floor = await startBareBoltBullmq({ ...floorEnv, ...env }, flags);
    const { mb, seen } = await idleRss(floor.pid);
    floors[label] = mb;
    console.log(`${`bare Bolt + BullMQ Queue + Worker, ${label}`.padEnd(58)} ${mb.toFixed(1)} MiB (median of ${seen})`);
    await floor.stop();
  }
  /** One ci-bot (role all, compiled) under `prefix`, with `extraFlags`; its /metrics reader; 100 pooled connections. */
  const launch = async (prefix: string, extraFlags: string[]) => {
    const started = await startBot({
      role: 'all', entry, nodeArgs: [...SHIP_FLAGS, ...extraFlags],
      config: {
        redis: { prefix }, roles: { admins: [ADMIN] }, logLevel: 'warn',
        inventory: agentInventory(th.hosts), tasks: { concurrency: 16 }, cluster: { jenkins: { user: 'admin' } },
      },
      env: {
        ...floorEnv, SLACK_SIGNING_SECRET: secret, LOG_LEVEL: 'info', SSH_PRIVATE_KEY_PATH: th.clientKey.path,
        MESOS_URL: s.urls.mesos, MARATHON_URL: s.urls.marathon, JENKINS_URL: s.urls.jenkins, JENKINS_API_TOKEN: 'sim-token',
      },
      deadlineMs: 60_000,
    });
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${started.port}/metrics`)).text();
      return Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    };
    return { bot: started, metric };
  };
  const connect = async (label: string, one: Awaited<ReturnType<typeof launch>>) => {
    slack.setTarget({ mode: 'http', url: one.bot.eventsUrl });
    // A fan-out stops at the first task the queue did not take in time (on a loaded machine a 250 ms enqueue
    // deadline can pass): then the prepull is sent again, a few times.
    let tries = 0;
    const full = async () => (await one.metric('cibot_ssh_connections')) >= HOSTS;
    while (!(await full())) {
      if ((tries += 1) > 5) throw new Error(`${label}: not ${HOSTS} pooled SSH connections after 5 prepulls\n--- ci-bot output ---\n${one.bot.proc.output().slice(-3000)}`);
      const ack = await slack.command(ADMIN, 'prepull busybox:1.36');
      if (!ack.acked) throw new Error(`prepull not acked: ${ack.body}`);
      if (/not queued/.test(ack.body)) console.log(`${label}: prepull ${tries}: some tasks not queued (${(/was not queued: ([^\n"]+)/.exec(ack.body)?.[1] ?? '').slice(0, 80)}); will send it again`);
      await waitFor(full, { deadlineMs: 120_000, intervalMs: 1000, what: `${label}: ${HOSTS} pooled SSH connections` }).catch(() => undefined);
    }
    const digestAck = await slack.command(ADMIN, 'digest add "* * * * *" --tz UTC');
    if (!digestAck.acked) throw new Error(`digest add refused: ${digestAck.body}`);
    console.log(`${label}: ${HOSTS} connections; digest add: ${digestAck.body.slice(0, 120).replace(/\s+/g, ' ')}`);
  };
  // The measured process, exactly as shipped; and a twin (same config, own prefix, same load) that takes the heap
  // snapshots: writing one leaves well over 100 MB of freed-but-kept native memory in the process, which would
  // swamp the RSS slope of the measured one.
  const measured = await launch('soak', []);
  bot = measured.bot;
  const pid = measured.bot.proc.pid;
  const metric = measured.metric;
  const fresh = await idleRss(pid);
  console.log(`${'ci-bot all, dist/, no SSH connection yet'.padEnd(58)} ${fresh.mb.toFixed(1)} MiB (median of ${fresh.seen})`);
  await connect('measured', measured);
  const { mb: idle, seen } = await idleRss(pid);
  const conns = await metric('cibot_ssh_connections');
  console.log(`${`ci-bot all, dist/, the image's flags, ${conns} pooled SSH connections`.padEnd(58)} ${idle.toFixed(1)} MiB (median of ${seen})`);
  for (const [label, mb] of Object.entries(floors)) {
    console.log(`  vs floor (${label}): ${(idle / mb).toFixed(2)}× (target ≤ 1.2×: ${idle / mb <= 1.2 ? 'met' : `NOT met, ${(idle - 1.2 * mb).toFixed(1)} MiB over`})`);
  }
  console.log(`  target ≤ 160 MB: ${idle <= 160 ? 'met' : 'NOT met'}`);
  const twinOf = await launch('soak-twin', ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`]);
  twin = twinOf.bot;
  await connect('snapshot twin', twinOf);
  const twinPid = twinOf.bot.proc.pid;

  // 2. The soak.
  const sim = s.sim;
  const agentIds = [...sim.state.agents.keys()];
  let emitted = 0;
  const evStart = performance.now();
  const evCap = EVENTS_PER_SEC * (SOAK_MIN * 60 + WARMUP_MS / 1000 + 600);
  events = setInterval(() => {
    const due = Math.min(evCap, Math.floor(((performance.now() - evStart) * EVENTS_PER_SEC) / 1000));
    for (; emitted < due; emitted++) {
      const app = emitted % 200;
      sim.bus.emit('status_update_event', {
        slaveId: agentIds[app % agentIds.length] ?? 'S0', taskId: `soak_app-${app}.instance-${String(emitted).padStart(8, '0')}._app.1`,
        taskStatus: emitted % 7 === 0 ? 'TASK_FAILED' : 'TASK_RUNNING', message: '', appId: `/soak/app-${app}`, host: 'slave1',
        ipAddresses: [{ ipAddress: '127.0.0.1', protocol: 'IPv4' }], ports: [31000 + app], version: '2026-12-01T12:00:00.000Z',
      });
    }
  }, 50);
  const digests = () => slack.allMessages().filter((m) => /CI cluster digest/.test(renderMessageText(m))).length;
  const snapshot = async (label: string) => {
    const before = new Set(readdirSync(snapDir));
    process.kill(twinPid, 'SIGUSR2');
    const file = await waitFor(() => readdirSync(snapDir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)), { deadlineMs: 120_000, intervalMs: 500, what: `${label} heap snapshot` });
    // Written when its size stops changing.
    let size = -1;
    await waitFor(() => {
      const now = statSync(join(snapDir, file)).size;
      const stable = now > 0 && now === size;
      size = now;
      return stable;
    }, { deadlineMs: 120_000, intervalMs: 1000, what: `${label} heap snapshot written` });
    console.log(`[${stamp()}] ${label} heap snapshot: ${(size / 2 ** 20).toFixed(1)} MiB file`);
    return join(snapDir, file);
  };

  console.log(`[${stamp()}] warm-up ${WARMUP_MS / 1000} s`);
  await sleep(WARMUP_MS);
  const startSnap = await snapshot('start');
  await sleep(30_000); // the snapshot's own allocations settle before the first sample
  const samples: Array<{ tH: number; rss: number; heap: number }> = [];
  const t0 = performance.now();
  const digests0 = digests();
  let lastPrint = 0;
  while (performance.now() - t0 < SOAK_MIN * 60_000) {
    const tH = (performance.now() - t0) / 3_600_000;
    samples.push({ tH, rss: rssMb(pid), heap: (await metric('nodejs_heap_size_used_bytes')) / 2 ** 20 });
    if (performance.now() - lastPrint >= 300_000) {
      lastPrint = performance.now();
      const last = samples.at(-1)!;
      console.log(`[${stamp()}] ${(tH * 60).toFixed(0).padStart(3)} min: RSS ${last.rss.toFixed(1)} MiB, heap used ${last.heap.toFixed(1)} MiB, ${digests() - digests0} digests, ${emitted} events, ${await metric('cibot_ssh_connections')} SSH connections; twin RSS ${rssMb(twinPid).toFixed(1)} MiB`);
    }
    await sleep(SAMPLE_MS);
  }
  const endSnap = await snapshot('end');
  clearInterval(events);
  const digestCount = digests() - digests0;

  const fit = (ys: number[], xs = samples.map((p) => p.tH)) => {
    const mx = xs.reduce((a, v) => a + v, 0) / xs.length;
    const my = ys.reduce((a, v) => a + v, 0) / ys.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return { slope, start: my - slope * mx };
  };
  const perWindow = Math.max(1, Math.round(300_000 / SAMPLE_MS));
  const hours = SOAK_MIN / 60;
  console.log(`\nP5 soak: ${samples.length} samples over ${SOAK_MIN} min; ${digestCount} digests posted by the two (expected ≈ ${2 * SOAK_MIN}); ${emitted} Marathon events emitted`);
  for (const [label, ys] of [['RSS', samples.map((p) => p.rss)], ['V8 heap used', samples.map((p) => p.heap)]] as Array<[string, number[]]>) {
    const { slope, start } = fit(ys);
    const pct = ((slope * hours) / start) * 100;
    const first = median(ys.slice(0, perWindow));
    const last = median(ys.slice(-perWindow));
    console.log(`${label.padEnd(13)} start ${start.toFixed(1)} MiB, slope ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MiB/h = ${pct >= 0 ? '+' : ''}${pct.toFixed(2)} % over the run; first 5 min median ${first.toFixed(1)} → last 5 min ${last.toFixed(1)} MiB (${(((last - first) / first) * 100).toFixed(2)} %); min ${Math.min(...ys).toFixed(1)} max ${Math.max(...ys).toFixed(1)}`);
    if (label === 'RSS') console.log(`  target growth ≤ 2 % over the hour: ${pct <= 2 ? 'met' : `NOT met (${(pct - 2).toFixed(2)} points over)`}${SOAK_MIN < 60 ? ` (a ${SOAK_MIN}-minute run, not the hour)` : ''}`);
    // Beside the verdict, not instead of it: a leak keeps its slope, a warm-up (JIT code, allocator arenas) flattens.
    const half = Math.floor(ys.length / 2);
    const late = fit(ys.slice(half), samples.slice(half).map((p) => p.tH));
    console.log(`  second half alone: slope ${late.slope >= 0 ? '+' : ''}${late.slope.toFixed(2)} MiB/h = ${((late.slope / start) * 100).toFixed(2)} % of the start per hour`);
  }
  console.log('heap snapshots, start → end (groups that grew most):');
  for (const line of heapDiff(summarizeHeapSnapshot(startSnap), summarizeHeapSnapshot(endSnap))) console.log(line);
} finally {
  await stopAll();
}
process.exit(0);
