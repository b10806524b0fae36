/**
 * Provisioning from chat, end to end: ci-bot as its own process, driven by the Slack emulator, real Redis, real
 * sshd test hosts whose `systemctl start mesos-slave` registers with the cluster simulator, and Debian's ZooKeeper.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator, type RecordedMessage } from '../support/slack-emulator/index.ts';
import { startSimulator, seedAgents, type RunningSimulator } from '../support/simulator/index.ts';
import { startTestHosts, type TestHosts } from '../support/ssh-hosts/index.ts';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper.ts';
import { treeHashes, MUTATING } from '../integration/ssh/helpers.ts';
import { injectionPayloads } from '../support/injection-payloads.ts';

const ALICE = 'U0ALICE001'; // admin
const BOB = 'U0BOB00001'; // operator
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
const prefix = `prov${randomBytes(3).toString('hex')}`;

let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let th: TestHosts;
let zk: ZooKeeperServer;
let bot: BotProcess;
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

before(async () => {
  redis = await startRedis();
  // slave1 is in the cluster already; slave2 and slave3 are new build hosts.
  sim = await startSimulator({ agents: [seedAgents[0]!], deployJenkins: false });
  th = await startTestHosts({ names: ['master', 'slave1', 'slave2', 'slave3'], simulatorControlUrl: sim.urls.control });
  // Agents must name the master's ZooKeeper by the address the inventory gives it, as on a real cluster.
  sim.sim.opts.zkUrl = `zk://${th.get('master').address}:2181/mesos`;
  zk = await startZooKeeper(); // the real one (Debian's zookeeper), as the issue asks
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  const host = (name: string, roles: string[], pinned = true, extra: Record<string, unknown> = {}) => {
    const h = th.get(name);
    return { name, address: h.address, port: h.port, user: 'root', roles, ...(pinned ? { hostKey: h.hostKeyFingerprint } : {}), ...extra };
  };
  const config = {
    redis: { prefix },
    roles: { default: 'viewer', admins: [ALICE], operators: [BOB] },
    inventory: { hosts: [host('master', ['master']), host('slave1', ['agent']), host('slave2', ['agent']), host('slave3', ['agent'], false, { advertise: 'name' })] },
    ssh: { connectTimeoutMs: 5000, agentJoinTimeoutMs: 6000 },
    cluster: { zookeeper: { hosts: [zk.address] } },
  };
  bot = await startBot({
    config,
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      SSH_PRIVATE_KEY_PATH: th.clientKey.path, MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','),
    },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await zk?.stop();
  await th?.stop();
  await sim?.stop();
  await redis?.stop();
});

/** Sends a command, returns the job ids it queued. */
async function queue(user: string, cmd: string): Promise<string[]> {
  const ack = await slack.command(user, cmd);
  assert.equal(ack.status, 200);
  const ids = [...new Set([...ack.body.matchAll(/Queued `([^`]+)`/g)].map((m) => m[1]!))];
  if (ids.length > 0) return ids;
  const reply = await slack.waitForMessage((m) => /Queued `/.test(text(m)) && m.postedAtMs >= Date.now() - 5000, 5000);
  return [...text(reply).matchAll(/Queued `([^`]+)`/g)].map((m) => m[1]!);
}

/** The final state of a job's progress message. */
function finished(jobId: string, deadlineMs = 30_000): Promise<RecordedMessage> {
  return slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId) && /\*(Done|Failed)\*/.test(text(m)), deadlineMs);
}

async function agentCount(): Promise<{ agents: number; cpus: number; hostnames: string[] }> {
  const res = await fetch(`${sim.urls.mesos}/master/slaves`);
  const body = (await res.json()) as { slaves: Array<{ active?: boolean; hostname: string; resources: { cpus?: number } }> };
  const active = body.slaves.filter((s) => s.active !== false);
  return { agents: active.length, cpus: active.reduce((a, s) => a + (s.resources.cpus ?? 0), 0), hostnames: active.map((s) => s.hostname) };
}

describe('/ci setup-agent', () => {
  test('slave2: live checklist, output in the thread, agent registered under its address, final line with what it advertises and the new totals', async () => {
    const [jobId] = await queue(BOB, 'setup-agent slave2');
    assert.match(jobId ?? '', /^setup-agent-slave2-/);
    const done = await finished(jobId!);
    const body = text(done);
    const totals = await agentCount();
    assert.equal(totals.agents, 2, 'slave1 and the new slave2');
    const address = th.get('slave2').address;
    assert.ok(body.includes(`slave2 joined as ${address}: 2 agents, ${totals.cpus} cpus, `), body);
    assert.ok(totals.hostnames.includes(address), `the Mesos master lists the agent by its address: ${totals.hostnames.join(', ')}`);
    for (const step of ['detect os', 'install packages', 'configure mesos agent', 'start services', 'verify registration']) {
      assert.ok(body.includes(step), `checklist shows "${step}"`);
    }
    await waitThread(done, /\[install packages\] changed: installed: mesos docker\.io/);
    const h = th.get('slave2');
    assert.equal(h.file('etc/mesos-slave/hostname'), `${h.address}\n`, 'the seed writes the address');
    assert.equal(h.file('etc/mesos/zk'), `zk://${th.get('master').address}:2181/mesos\n`);
    assert.equal(h.file('etc/mesos-slave/containerizers'), 'docker,mesos\n');
    assert.equal(existsSync('/etc/mesos-slave'), false, "the test machine's /etc is untouched");
    const metrics = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
    assert.match(metrics, /cibot_ssh_connections [1-9]/, 'the pooled connection is counted');
    assert.match(metrics, /cibot_task_duration_seconds_count\{kind="setup-agent",outcome="ok"\} 1/);
  });

  test('running it again changes nothing and says so', async () => {
    const h = th.get('slave2');
    const mutating = h.calls().filter((c) => MUTATING.test(c)).length;
    const hashes = treeHashes(`${h.root}/etc`);
    const [jobId] = await queue(BOB, 'setup-agent slave2');
    const body = text(await finished(jobId!));
    assert.match(body, new RegExp(`slave2: no change — already set up and registered as ${h.address.replaceAll('.', '\\.')} `));
    assert.equal(h.calls().filter((c) => MUTATING.test(c)).length, mutating);
    assert.deepEqual(treeHashes(`${h.root}/etc`), hashes);
  });

  test('R19: two requests for the same host within 100 ms — one runs, the other is queued behind it', async () => {
    const [a, b] = await Promise.all([slack.command(BOB, 'setup-agent slave2'), slack.command(BOB, 'setup-agent slave2')]);
    const bodies = [a.body, b.body].join('\n');
    assert.match(bodies, /is queued behind `setup-agent-slave2-/);
    const ids = [...new Set([...bodies.matchAll(/`(setup-agent-slave2-[a-z0-9]+)`/g)].map((m) => m[1]!))];
    assert.equal(ids.length, 2);
    const [first, second] = await Promise.all(ids.map((id) => finished(id)));
    assert.match(text(first!), /no change/);
    assert.match(text(second!), /no change/);
  });

  test('--dry-run shows the diffs and changes nothing (file hashes before and after)', async () => {
    const h = th.get('slave1');
    const before = treeHashes(`${h.root}/etc`);
    const [jobId] = await queue(BOB, 'setup-agent slave1 --dry-run');
    const done = await finished(jobId!);
    assert.match(text(done), /dry run — \d step\(s\) would change; nothing was changed/);
    await waitThread(done, /\+docker,mesos/);
    assert.deepEqual(treeHashes(`${h.root}/etc`), before);
    assert.deepEqual(h.calls().filter((c) => MUTATING.test(c)), []);
  });

  test('an unknown host is refused at the front door with suggestions; nothing is queued', async () => {
    const ack = await slack.command(BOB, 'setup-agent slave9');
    assert.match(ack.body + slack.messages().map(text).join('\n'), /`slave9` is not in the inventory; known: master, slave1, slave2, slave3\. Did you mean/);
    const jobs = await slack.command(BOB, 'jobs');
    assert.doesNotMatch(jobs.body, /slave9/);
  });

  test('R11: an unpinned host key is refused before any command; an admin pins it in chat and the worker honours it', async () => {
    const h = th.get('slave3');
    const [jobId] = await queue(BOB, 'setup-agent slave3');
    const failed = text(await finished(jobId!));
    assert.match(failed, /Failed/);
    assert.ok(failed.includes(h.hostKeyFingerprint), 'the fingerprint seen is shown');
    assert.ok(failed.includes(`/ci trust-host slave3 ${h.hostKeyFingerprint}`), 'and how to pin it');
    assert.deepEqual(h.calls(), [], 'nothing ran on the host');
    await slack.command(ALICE, `trust-host slave3 ${h.hostKeyFingerprint}`);
    const prompt = await slack.waitForMessage((m) => /Confirm `\/ci trust-host slave3/.test(text(m)), 5000);
    await slack.click(prompt, 'ci_confirm', { user: ALICE });
    await slack.waitForMessage(/Pinned `SHA256:.*` for \*slave3\*/, 5000);
    const [again] = await queue(BOB, 'setup-agent slave3');
    assert.match(text(await finished(again!)), /slave3 joined as slave3: 3 agents/, 'advertise: name in the inventory');
    assert.equal(h.file('etc/mesos-slave/hostname'), 'slave3\n');
  });
});

async function waitThread(parent: RecordedMessage, re: RegExp): Promise<void> {
  await slack.waitForMessage((m) => m.thread_ts === parent.ts && re.test(text(m)), 10_000);
}

describe('/ci setup-master', () => {
  test('confirm → every SPEC file written → Mesos leader, Marathon framework and ZooKeeper verified', async () => {
    await slack.command(ALICE, 'setup-master master');
    const prompt = await slack.waitForMessage((m) => /Confirm `\/ci setup-master master/.test(text(m)), 5000);
    await slack.click(prompt, 'ci_confirm', { user: ALICE });
    const queued = await slack.waitForMessage(/Queued `setup-master-master-/, 5000);
    const jobId = /Queued `([^`]+)`/.exec(text(queued))![1]!;
    const body = text(await finished(jobId));
    assert.match(body, /master: set up — Mesos master ok, Marathon ok, ZooKeeper ok/);
    const h = th.get('master');
    const zkUrl = `zk://${h.address}:2181`;
    assert.equal(h.file('etc/zookeeper/conf/zoo.cfg'), 'tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/var/lib/zookeeper\nclientPort=2181\n' +
      `4lw.commands.whitelist=ruok,mntr,srvr\nadmin.enableServer=false\nserver.1=${h.address}:2888:3888\n`);
    assert.equal(h.file('etc/zookeeper/conf/myid'), '1\n');
    assert.equal(h.file('etc/mesos/zk'), `${zkUrl}/mesos\n`);
    assert.equal(h.file('etc/mesos-master/cluster'), 'ci\n');
    assert.equal(h.file('etc/mesos-master/hostname'), `${h.address}\n`);
    assert.equal(h.file('etc/mesos-master/ip'), `${h.address}\n`);
    assert.equal(h.file('etc/marathon/conf/hostname'), `${h.address}\n`);
    assert.equal(h.file('etc/marathon/conf/master'), `${zkUrl}/mesos\n`);
    assert.equal(h.file('etc/marathon/conf/zk'), `${zkUrl}/marathon\n`);
    const starts = h.calls().filter((c) => /^systemctl (start|restart)/.test(c));
    assert.deepEqual(starts, ['systemctl start zookeeper', 'systemctl start mesos-master', 'systemctl start marathon']);
    await waitThread(await finished(jobId), /ZooKeeper: 127\.0\.0\.1:\d+: imok, mode standalone/);
  });
});

describe('/ci prepull and /ci hosts', () => {
  test('prepull fans out to the named agents; /ci hosts shows pins and the last result per host', async () => {
    const ids = await queue(BOB, 'prepull registry.local:5000/ci/jenkins:lts --hosts slave2,slave3');
    assert.equal(ids.length, 2);
    for (const id of ids) assert.match(text(await finished(id)), /pulled registry\.local:5000\/ci\/jenkins:lts/);
    const hosts = await slack.command(BOB, 'hosts');
    const all = hosts.body + slack.messages().map(text).join('\n');
    assert.match(all, /slave2.*last: prepull changed/);
    assert.match(all, /master.*last: setup-master/);
  });
});

describe('R12: injection through chat arguments', () => {
  test('every value is refused by validation (the reply says so); nothing ran on any host, nothing was queued', async () => {
    // Payloads that leave a file under slave2's root if any host ever executes them (every host can write there).
    const payloads = injectionPayloads(th.get('slave2').root);
    const before = th.hosts.map((h) => h.commands().length);
    const jobsBefore = await jobKeyCount();
    assert.ok(jobsBefore > 0, 'the earlier tests queued jobs, so the count can see one');
    for (const p of payloads) {
      for (const cmd of [`setup-agent ${p.value}`, `prepull ${p.value}`, `prepull busybox --hosts ${p.value}`]) {
        const what = `${p.what}: ${JSON.stringify(cmd.slice(0, 60))}`;
        const ack = await slack.command(BOB, cmd);
        assert.equal(ack.status, 200, what);
        // The refusal is the ack itself: once it is here, validation has answered and nothing can be queued later.
        const reply = JSON.parse(ack.body) as { response_type?: string; text?: string };
        assert.equal(reply.response_type, 'ephemeral', what);
        assert.match(reply.text ?? '', /Usage: `\/ci (setup-agent|prepull)|not a (host|valid)|must be|too long|Unexpected|Unknown option|is not/i, what);
        assert.doesNotMatch(reply.text ?? '', /Queued/, what);
      }
    }
    assert.equal(await jobKeyCount(), jobsBefore, 'nothing was queued');
    assert.deepEqual(th.hosts.map((h) => h.commands().length), before, 'no shell ran anything on any host');
    for (const p of payloads) if (p.trace) assert.equal(existsSync(p.trace), false, `${p.what}: ${p.trace} exists`);
  });
});

/** Jobs ever created in this bot's queues (BullMQ's per-queue `:id` counters, summed). */
async function jobKeyCount(): Promise<number> {
  const keys = (await redis.command('KEYS', `${prefix}:*:id`)).split('\r\n').filter((l) => l && !/^[*$]/.test(l));
  let total = 0;
  for (const key of keys) total += Number((await redis.command('GET', key)).split('\r\n')[1] ?? 0);
  return total;
}

