/**
 * R10: `/ci prepull` fanned out to 200 real sshd hosts at once (one sshd per host, each with its own loopback
 * address, host key and filesystem view; real handshakes). ci-bot runs as its own process with 64 tasks at a time,
 * so the handshake cap (ssh.maxConcurrentHandshakes, 8 — below OpenSSH's MaxStartups 10) is what limits the
 * handshakes. Every sshd appends to one log file in write order; from it the test measures how many handshakes
 * were in progress at once (a connection arriving → its key accepted) and asserts no handshake was dropped. Ten
 * hosts are stopped (SIGSTOP) when the fan-out starts: their connects time out, a transient failure the worker
 * retries after a jittered backoff (each host continued once its first attempt failed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';
import { agentInventory, startTestHosts, type TestHosts } from '../support/ssh-hosts/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const BOB = 'U0BOB00001'; // operator
const HOSTS = 200;
const CAP = 8;
/** The provisioning kinds' retry backoff base (src: provisioning kinds, 2000 ms ± 50 % jitter). */
const BACKOFF_BASE_MS = 2000;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-r10-${randomBytes(6).toString('hex')}`;
const prefix = `r10${randomBytes(3).toString('hex')}`;
const names = Array.from({ length: HOSTS }, (_, i) => `h${i}`);
/** Stopped when the fan-out starts: every 20th host. */
const stopped = names.filter((_, i) => i % 20 === 5);

let redis: RedisServer;
let slack: SlackEmulator;
let th: TestHosts;
let bot: BotProcess;
let db: Redis;
let provision: Queue;
const logDir = mkdtempSync(join(tmpdir(), 'ci-bot-r10-'));
const logFile = join(logDir, 'sshd.log');

before(async () => {
  redis = await startRedis({ aof: true });
  th = await startTestHosts({
    names, simulatorControlUrl: 'http://127.0.0.1:9', logFile, logLevel: 'VERBOSE', startConcurrency: 6,
    // Docker is installed and running on every host already: prepull's first step checks that.
    files: { 'var/lib/cibot-shim/active/docker': '' },
  });
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  db = new Redis(redis.url);
  provision = new Queue('provision', { connection: db, prefix });
  bot = await startBot({
    config: {
      redis: { prefix },
      roles: { operators: [BOB] },
      inventory: agentInventory(th.hosts),
      ssh: { connectTimeoutMs: 3000, maxConcurrentHandshakes: CAP },
      tasks: { concurrency: 64 },
    },
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      SSH_PRIVATE_KEY_PATH: th.clientKey.path,
    },
    deadlineMs: 60_000,
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  for (const name of stopped) {
    try {
      process.kill(th.get(name).pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  await bot?.stop();
  await provision?.close();
  db?.disconnect();
  await slack?.stop();
  await th?.stop();
  await redis?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

interface Handshake { client: number; server: string; start: number; end: number; accepted: boolean }

/**
 * Handshakes in the sshd log, by line index: a connection's arrival to its key accepted (or its end). The end lines
 * name only the client port, and one client port can be open to several hosts at once (the hosts have their own
 * loopback addresses, so the 4-tuples differ: seen in a full run, where such a host's accepted line went to the
 * other host's handshake). Then the host whose key sshd accepted most recently ("Accepted key … found at
 * <host>/ssh/authorized_keys", written by the same sshd just before) is the one.
 */
function handshakes(lines: readonly string[], addressOf: (host: string) => string | undefined): Handshake[] {
  const open = new Map<number, Handshake[]>();
  const all: Handshake[] = [];
  const keyAt = new Map<string, number>();
  lines.forEach((line, i) => {
    const from = /Connection from 127\.0\.0\.1 port (\d+) on ([\d.]+) port \d+/.exec(line);
    if (from) {
      const h = { client: Number(from[1]), server: from[2]!, start: i, end: Number.POSITIVE_INFINITY, accepted: false };
      open.set(h.client, [...(open.get(h.client) ?? []), h]);
      all.push(h);
      return;
    }
    const key = /^Accepted key .* found at \S*\/([^/\s]+)\/ssh\/authorized_keys/.exec(line);
    const keyServer = key ? addressOf(key[1]!) : undefined;
    if (keyServer) keyAt.set(keyServer, i);
    // The end of a handshake: the key accepted, or the connection gone before that ("Postponed publickey" and
    // "Accepted key" lines come earlier in a successful one).
    const end = /^(Accepted publickey for \S+ from|Connection (?:closed|reset) by|Disconnected from|Timeout before authentication for|banner exchange: Connection from) (?:\S+ )*?127\.0\.0\.1 port (\d+)/.exec(line);
    const candidates = end ? open.get(Number(end[2])) : undefined;
    if (!end || !candidates?.length) return;
    const accepted = end[1]!.startsWith('Accepted publickey');
    const pick = accepted && candidates.length > 1
      ? candidates.reduce((best, c, j) => ((keyAt.get(c.server) ?? -1) > (keyAt.get(candidates[best]!.server) ?? -1) ? j : best), 0)
      : 0;
    const [h] = candidates.splice(pick, 1);
    h!.end = i;
    h!.accepted = accepted;
  });
  return all;
}

/** The most intervals open at once. */
function maxOverlap(list: readonly Handshake[]): number {
  const edges = list.flatMap((h) => [{ at: h.start, d: 1 }, { at: h.end, d: -1 }]).sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

test('the sshd log reading: one client port open to two hosts at once, each host\'s accepted key is its own', () => {
  const addr = { a: '127.0.9.2', b: '127.0.9.3' } as Record<string, string>;
  const lines = [
    'Connection from 127.0.0.1 port 40000 on 127.0.9.2 port 2222 rdomain ""',
    'Connection from 127.0.0.1 port 40000 on 127.0.9.3 port 2222 rdomain ""',
    'Accepted key ED25519 SHA256:x found at /tmp/r/b/ssh/authorized_keys:1',
    'Accepted publickey for root from 127.0.0.1 port 40000 ssh2: ED25519 SHA256:x',
    'Accepted key ED25519 SHA256:x found at /tmp/r/a/ssh/authorized_keys:1',
    'Accepted publickey for root from 127.0.0.1 port 40000 ssh2: ED25519 SHA256:x',
  ];
  const got = handshakes(lines, (n) => addr[n]).map((h) => [h.server, h.accepted, h.end]);
  assert.deepEqual(got, [['127.0.9.2', true, 5], ['127.0.9.3', true, 3]]);
});

test(`R10: prepull to ${HOSTS} sshd hosts at once — no handshake dropped, ≤ ${CAP} handshakes at a time, transient connect failures retried with jitter`, async () => {
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  for (const name of stopped) process.kill(th.get(name).pid, 'SIGSTOP');
  const started = Date.now();
  await slack.command(BOB, 'prepull busybox:1.36');
  const jobs = await waitFor(async () => {
    const all = await provision.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    return all.length === HOSTS ? all : undefined;
  }, { deadlineMs: 20_000, what: `${HOSTS} prepull jobs` });
  const jobOf = (host: string) => jobs.find((j) => j.id?.startsWith(`prepull-${host}-`)) ?? assert.fail(`no job for ${host}`);

  // A stopped host continues once its first attempt failed (and is waiting for the retry).
  const waiting = new Set(stopped);
  await waitFor(async () => {
    for (const name of [...waiting]) {
      if ((await jobOf(name).getState()) === 'delayed') {
        process.kill(th.get(name).pid, 'SIGCONT');
        waiting.delete(name);
      }
    }
    return waiting.size === 0;
  }, { deadlineMs: 60_000, intervalMs: 20, what: `the first attempts on ${stopped.join(', ')} to fail` });

  await waitFor(async () => {
    const c = await provision.getJobCounts('completed', 'failed');
    if ((c.failed ?? 0) > 0) assert.fail(`${c.failed} prepull jobs failed: ${(await provision.getFailed()).map((j) => `${j.id}: ${j.failedReason}`).join('; ').slice(0, 2000)}`);
    return c.completed === HOSTS;
  }, { deadlineMs: 120_000, intervalMs: 200, what: `all ${HOSTS} prepull jobs completed` });
  const wallMs = Date.now() - started;

  // Each host pulled the image once; the stopped ones needed a retry (more on a loaded machine, where a connect to
  // a host that just continued can time out again), the others none.
  for (const h of th.hosts) {
    assert.ok(existsSync(join(h.root, 'var/lib/cibot-shim/images/busybox_1.36')), `${h.name} has the image`);
    const attempts = (await jobOf(h.name).getState()) === 'completed' ? ((await provision.getJob(jobOf(h.name).id!))?.attemptsMade ?? -1) : -1;
    if (stopped.includes(h.name)) assert.ok(attempts >= 2, `${h.name}: retried after its timed-out connect (${attempts} attempts)`);
    else assert.equal(attempts, 1, `${h.name}: attempts`);
  }

  // The sshd side: no drops, one accepted connection per host, concurrency within the cap.
  // sshd writes its log lines on its own schedule: read until every host's accepted line is there (or the deadline).
  const addressOf = (name: string) => th.hosts.find((h) => h.name === name)?.address;
  const readLines = () => readFileSync(logFile, 'utf8').slice(logStart).split('\n').filter(Boolean);
  const lines = await waitFor(() => {
    const now = readLines();
    const seen = new Set(handshakes(now, addressOf).filter((x) => x.accepted).map((x) => x.server));
    return th.hosts.every((h) => seen.has(h.address)) ? now : undefined;
  }, { deadlineMs: 10_000, intervalMs: 100, what: 'an accepted line in the sshd log for every host' }).catch(() => readLines());
  assert.deepEqual(lines.filter((l) => /drop connection|MaxStartups|beyond|penalty/i.test(l)), [], 'no connection dropped by sshd');
  const all = handshakes(lines, addressOf);
  const shared = all.filter((h) => all.some((o) => o !== h && o.client === h.client && o.server !== h.server && o.start < h.end && h.start < o.end));
  console.log(`R10: ${new Set(shared.map((h) => h.client)).size} client ports were open to two hosts at once`);
  const byServer = new Map<string, number>();
  for (const h of all.filter((x) => x.accepted)) byServer.set(h.server, (byServer.get(h.server) ?? 0) + 1);
  for (const h of th.hosts) assert.equal(byServer.get(h.address), 1, `${h.name}: one accepted connection`);
  // The connects that timed out reach a stopped sshd only once it continues, after the client gave up: they are
  // not handshakes the pool was holding a slot for.
  const stoppedAddrs = new Set(stopped.map((n) => th.get(n).address));
  const counted = all.filter((h) => h.accepted || !stoppedAddrs.has(h.server));
  const peak = maxOverlap(counted);

  // Jitter: the retry delays BullMQ scheduled for the ten failed first attempts (its events stream).
  const events = await db.xrange(`${prefix}:provision:events`, '-', '+');
  const stoppedIds = new Set(stopped.map((n) => jobOf(n).id));
  // The first retry of each timed-out host (a later one, on a loaded machine, backs off further: base × 2^n).
  const firstDelay = new Map<string, number>();
  for (const [id, fields] of events) {
    const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
    const job = String(f.jobId);
    if (f.event === 'delayed' && stoppedIds.has(job) && !firstDelay.has(job)) firstDelay.set(job, Number(f.delay) - Number(id.split('-')[0]));
  }
  const delays = [...firstDelay.values()];
  console.log(`R10: ${HOSTS} hosts, wall ${wallMs} ms; ${counted.filter((h) => h.accepted).length} handshakes accepted, ` +
    `peak ${peak} in progress at once (cap ${CAP}); 0 dropped; retry delays of the ${stopped.length} timed-out hosts: ` +
    `${delays.map((d) => `${d} ms`).join(', ')}`);
  assert.ok(peak <= CAP, `at most ${CAP} handshakes at once, saw ${peak}`);
  assert.ok(peak >= 2, 'the fan-out ran handshakes in parallel (the measurement can see overlap)');
  assert.equal(delays.length, stopped.length, 'a scheduled retry for every timed-out host');
  for (const d of delays) assert.ok(d >= BACKOFF_BASE_MS * 0.5 - 50 && d <= BACKOFF_BASE_MS * 1.5 + 50, `retry delay ${d} ms within base ± 50 %`);
  assert.ok(new Set(delays.map((d) => Math.round(d / 10))).size >= stopped.length / 2, `jittered, not one fixed delay: ${delays.join(', ')}`);
});
