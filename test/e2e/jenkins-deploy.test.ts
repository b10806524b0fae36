/**
 * `/ci deploy jenkins` end to end: ci-bot as its own process, the Slack emulator, real Redis, real sshd test hosts
 * (their `docker` shim says which images each agent has, and tells the simulator; every call is in the host's call
 * log) and the cluster simulator starting with an empty Marathon and a Jenkins that runs once Marathon runs it. The
 * agents join through `/ci setup-agent`, as on a new cluster; the Marathon template is the one in config/, copied so
 * tests can change it between runs (the handler reads it on each deploy). The deploy pulls what the agents lack and
 * ends by applying the Mesos cloud to Jenkins (the simulator's configuration-as-code export shows it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisServer } from '../../src/playground/redis-server.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator, type RecordedMessage } from '../../src/playground/slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/playground/simulator/index.ts';
import { startTestHosts, type TestHosts } from '../support/ssh-hosts/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ALICE = 'U0ALICE001'; // admin
const BOB = 'U0BOB00001'; // operator
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-e2e-${randomBytes(8).toString('hex')}`;
const prefix = `dep${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'cibot-deploy-'));
const templatePath = join(dir, 'marathon-jenkins.json');
const original = JSON.parse(readFileSync(new URL('../../config/marathon-jenkins.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const IMAGE = (original.container as { docker: { image: string } }).docker.image;
/** The Mesos cloud's agent image (config default): the deploy pulls it on every agent too. */
const AGENT_IMAGE = 'jenkins/inbound-agent:latest-jdk21';

let redis: RedisServer;
let slack: SlackEmulator;
let sim: RunningSimulator;
let th: TestHosts;
let bot: BotProcess;
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

function setTemplate(change: (t: Record<string, unknown>) => void = () => undefined): void {
  const t = structuredClone(original);
  change(t);
  writeFileSync(templatePath, JSON.stringify(t, null, 2));
}

before(async () => {
  setTemplate();
  redis = await startRedis();
  // An empty Marathon and no agents: the hosts join below, as the seed's step 2 leaves a new cluster.
  sim = await startSimulator({ agents: [], deployJenkins: false, timeScale: 30 });
  th = await startTestHosts({ names: ['master', 'slave1', 'slave2'], simulatorControlUrl: sim.urls.control });
  // Agents name the master's ZooKeeper by its inventory address (the master host itself is not set up here).
  sim.sim.opts.zkUrl = `zk://${th.get('master').address}:2181/mesos`;
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  const host = (name: string, role = 'agent') => {
    const h = th.get(name);
    return { name, address: h.address, port: h.port, user: 'root', roles: [role], hostKey: h.hostKeyFingerprint };
  };
  const config = {
    redis: { prefix },
    roles: { default: 'viewer', admins: [ALICE], operators: [BOB] },
    inventory: { hosts: [host('master', 'master'), host('slave1'), host('slave2')] },
    ssh: { connectTimeoutMs: 5000, agentJoinTimeoutMs: 10_000 },
    deploy: { jenkins: { template: templatePath, followTimeoutMs: 30_000, pollMs: 200 } },
  };
  bot = await startBot({
    config,
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      SSH_PRIVATE_KEY_PATH: th.clientKey.path, MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','),
      JENKINS_URL: sim.urls.jenkins, JENKINS_USER: sim.sim.opts.jenkinsUser, JENKINS_API_TOKEN: sim.sim.opts.jenkinsToken,
    },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
  const ids = await queue(BOB, 'setup-agent slave1 slave2');
  for (const id of ids) assert.match(text(await finished(id)), /joined as/);
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await th?.stop();
  await sim?.stop();
  await redis?.stop();
});

/**
 * Sends a command (confirming it as `user` when asked), returns the job ids it queued. The front door gives the
 * queue 250 ms before it answers "unavailable"; on this shared machine that happens, so the command is sent again.
 */
async function queue(user: string, cmd: string, tries = 3): Promise<string[]> {
  try {
    return await queueOnce(user, cmd);
  } catch (err) {
    const busy = slack.allMessages().some((m) => /task queue is unavailable|may or may not be queued/.test(text(m)) && m.changedAtMs >= Date.now() - 10_000);
    if (!busy || tries <= 1) throw err;
    return queue(user, cmd, tries - 1);
  }
}

async function queueOnce(user: string, cmd: string): Promise<string[]> {
  const since = Date.now();
  const ack = await slack.command(user, cmd);
  assert.equal(ack.status, 200);
  const fromAck = [...new Set([...ack.body.matchAll(/`((?:deploy-jenkins|setup-agent|prepull)-[^`]+)`/g)].map((m) => m[1]!))];
  if (fromAck.length > 0) return fromAck;
  if (/Confirm/.test(ack.body) || cmd.startsWith('deploy')) {
    const prompt = await slack.waitForMessage((m) => /Confirm `\/ci deploy jenkins/.test(text(m)) && m.changedAtMs >= since, 5000);
    await slack.click(prompt, 'ci_confirm', { user });
  }
  const reply = await slack.waitForMessage((m) => /Queued `/.test(text(m)) && m.changedAtMs >= since, 5000);
  return [...text(reply).matchAll(/Queued `([^`]+)`/g)].map((m) => m[1]!);
}

function finished(jobId: string, deadlineMs = 45_000): Promise<RecordedMessage> {
  return slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId) && /\*(Done|Failed)\*/.test(text(m)), deadlineMs);
}

async function deploy(args = ''): Promise<{ jobId: string; body: string; message: RecordedMessage }> {
  const [jobId] = await queue(ALICE, `deploy jenkins${args ? ` ${args}` : ''}`);
  assert.match(jobId ?? '', /^deploy-jenkins-/);
  const message = await finished(jobId!);
  return { jobId: jobId!, body: text(message), message };
}

async function marathonApp(): Promise<{ status: number; app?: Record<string, unknown> & { tasks: Array<{ host: string; state: string }> } }> {
  const res = await fetch(`${sim.urls.marathon}/v2/apps/jenkins`);
  const body = (await res.json()) as { app?: Record<string, unknown> & { tasks: Array<{ host: string; state: string }> } };
  return { status: res.status, ...(body.app ? { app: body.app } : {}) };
}

async function control(path: string, body: unknown, method = 'POST'): Promise<void> {
  const res = await fetch(`${sim.urls.control}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}

/** How many times each agent's `docker` shim was asked to pull `image` (the shims' call log). */
function pulls(image: string): Record<'slave1' | 'slave2', number> {
  const n = (h: string) => th.get(h).calls().filter((c) => c === `docker pull ${image}`).length;
  return { slave1: n('slave1'), slave2: n('slave2') };
}

/** The Mesos clouds in the simulated Jenkins' configuration-as-code export. */
function exportedMesosClouds(): Array<Record<string, unknown>> {
  const doc = parse(sim.sim.jenkinsCasc.export()) as { jenkins: { clouds?: Array<{ mesos?: Record<string, unknown> }> } };
  return (doc.jenkins.clouds ?? []).flatMap((c) => (c.mesos ? [c.mesos] : []));
}

async function thread(parent: RecordedMessage, re: RegExp): Promise<RecordedMessage> {
  return slack.waitForMessage((m) => m.thread_ts === parent.ts && re.test(text(m)), 10_000);
}

describe('/ci deploy jenkins', () => {
  test('an operator is refused: deploy is for admins', async () => {
    const ack = await slack.command(BOB, 'deploy jenkins');
    assert.match(ack.body, /admin/);
    assert.equal((await marathonApp()).status, 404);
  });

  test('--no-pull with the image on no agent: nothing is pulled or deployed, /ci prepull is offered; on one agent: the other is named with --hosts', async () => {
    const none = await deploy('--no-pull');
    assert.match(none.body, /Failed/);
    assert.ok(none.body.includes(`\`${IMAGE}\` is not on slave1, slave2`), none.body);
    assert.ok(none.body.includes(`/ci prepull ${IMAGE}\``), 'prepull is offered for every agent');
    assert.deepEqual(pulls(IMAGE), { slave1: 0, slave2: 0 }, 'nothing was pulled');
    assert.equal((await marathonApp()).status, 404, 'Marathon was not asked');
    const [pull] = await queue(BOB, `prepull ${IMAGE} --hosts slave1`);
    assert.match(text(await finished(pull!)), /slave1: (pulled|no change)/);
    const one = await deploy('--no-pull');
    assert.ok(one.body.includes(`is not on slave2`) && one.body.includes(`/ci prepull ${IMAGE} --hosts slave2`), one.body);
    assert.deepEqual(pulls(IMAGE), { slave1: 1, slave2: 0 }, 'only /ci prepull pulled');
    assert.equal((await marathonApp()).status, 404);
  });

  test('--dry-run on an empty Marathon: says what it would pull and pulls nothing; would be created, the definition in the thread, nothing sent', async () => {
    const clouds = exportedMesosClouds();
    const dry = await deploy('--dry-run');
    assert.match(dry.body, /dry run: \/jenkins would be created/);
    assert.ok(dry.body.includes(`would pull ${IMAGE} on slave2;`), dry.body);
    assert.ok(dry.body.includes(`${AGENT_IMAGE} on slave1, slave2`), dry.body);
    assert.deepEqual(pulls(IMAGE), { slave1: 1, slave2: 0 }, 'the dry run pulled nothing');
    assert.deepEqual(pulls(AGENT_IMAGE), { slave1: 0, slave2: 0 }, 'the dry run pulled nothing');
    await thread(dry.message, /`\/upgradeStrategy`: \(new\) \{"minimumHealthCapacity":0,"maximumOverCapacity":0\}/);
    assert.equal((await marathonApp()).status, 404);
    assert.deepEqual(exportedMesosClouds(), clouds, 'nor was the cloud applied');
  });

  test('deploy: pulls the image on exactly the agent that lacked it, POST, followed until running and healthy; the Mesos cloud applied last', async () => {
    const done = await deploy();
    assert.match(done.body, /Done/);
    assert.deepEqual(pulls(IMAGE), { slave1: 1, slave2: 1 }, 'pulled on slave2 only (slave1 had it from /ci prepull)');
    assert.deepEqual(pulls(AGENT_IMAGE), { slave1: 1, slave2: 1 }, "the cloud's agent image on every agent");
    assert.ok(done.body.includes(`pulled ${IMAGE} on slave2`), done.body);
    const { app } = await marathonApp();
    assert.ok(app);
    const running = app.tasks.find((t) => t.state === 'TASK_RUNNING');
    assert.ok(running, 'a running task');
    assert.ok(done.body.includes(`/jenkins is running and healthy on ${running.host}`), done.body);
    assert.ok(done.body.includes('POST (create)'), done.body);
    assert.deepEqual(app.upgradeStrategy, { minimumHealthCapacity: 0, maximumOverCapacity: 0 });
    const hc = (app.healthChecks as Array<Record<string, unknown>>)[0]!;
    assert.equal(hc.protocol, 'MESOS_HTTP');
    assert.equal(hc.path, '/login');
    assert.deepEqual((app.container as { volumes: unknown[] }).volumes, [{ containerPath: '/var/jenkins_home', hostPath: '/srv/jenkins_home', mode: 'RW' }]);
    assert.equal((app.env as Record<string, string>).CASC_JENKINS_CONFIG, '/usr/share/jenkins/ref/casc/jenkins.yaml');
    await thread(done.message, /no hostname constraint: JENKINS_HOME is on \/srv\/jenkins_home/);
    // The seed's cloud named the master as `master:5050`; the deploy's last step put the config's in.
    const [cloud, ...others] = exportedMesosClouds();
    assert.equal(others.length, 0);
    assert.equal(cloud?.frameworkName, 'Jenkins Scheduler');
    assert.equal(cloud?.mesosMasterUrl, sim.urls.mesosMasters[0]);
    const template = (cloud?.mesosAgentSpecTemplates as Array<{ containerInfo: { dockerImage: string } }>)[0];
    assert.equal(template?.containerInfo.dockerImage, AGENT_IMAGE);
    assert.match(done.body, /Mesos cloud: applied and read back: \d+ changes/);
  });

  test('again with no change: says so and sends nothing', async () => {
    const before = sim.sim.faults.requests('marathon', '/v2/apps/jenkins');
    const again = await deploy();
    assert.match(again.body, /no change: \/jenkins already runs this definition and is healthy/);
    const puts = (await (await fetch(`${sim.urls.control}/_control/events`)).json()) as Array<{ eventType: string }>;
    assert.equal(puts.filter((e) => e.eventType === 'api_post_event').length, 1, 'only the first deploy posted the app');
    assert.ok(sim.sim.faults.requests('marathon', '/v2/apps/jenkins') > before);
  });

  test('--no-cloud leaves Jenkins\' clouds alone; a Jenkins that refuses the cloud leaves a succeeded deploy that says what to run', async () => {
    // Jenkins loses its clouds (as a fresh JENKINS_HOME would have none).
    sim.sim.jenkinsCasc.apply('jenkins:\n  clouds: []\n');
    const skipped = await deploy('--no-cloud');
    assert.match(skipped.body, /Done/);
    assert.match(skipped.body, /no change: \/jenkins already runs this definition and is healthy/);
    assert.deepEqual(exportedMesosClouds(), [], '--no-cloud applied nothing');
    await control('/_control/faults', { component: 'jenkins', path: '/configuration-as-code/apply', mode: 'fail', status: 403 });
    try {
      const refused = await deploy();
      assert.match(refused.body, /Done/);
      assert.match(refused.body, /the Mesos cloud was not applied \(Jenkins could not apply the cloud: the bot's Jenkins user needs Overall\/Administer\.\): run `\/ci jenkins cloud --apply` later/);
      assert.deepEqual(exportedMesosClouds(), []);
    } finally {
      await control('/_control/faults', {}, 'DELETE');
    }
    const applied = await deploy();
    assert.match(applied.body, /Mesos cloud: applied and read back/);
    assert.equal(exportedMesosClouds().length, 1);
    const again = await deploy();
    assert.match(again.body, /Mesos cloud: Jenkins has it already/);
  });

  test('a pull that fails on one agent: the agent and the reason are said, and Jenkins is deployed on the other', async () => {
    const image = IMAGE.includes(':') ? `${IMAGE}-e2e` : `${IMAGE}:e2e`;
    const reason = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';
    th.get('slave2').failPulls(reason);
    // slave1's offers first: Marathon keeps a failed start on the host it chose, and slave2 cannot start this image.
    await control('/_control/offers', { order: [th.get('slave1').address] });
    setTemplate((t) => void ((t.container as { docker: { image: string } }).docker.image = image));
    try {
      const done = await deploy();
      assert.match(done.body, /Done/);
      assert.ok(done.body.includes(`pulled ${image} on slave1`), done.body);
      assert.ok(done.body.includes(`it failed on slave2: deploying with it on slave1; why: slave2 (step "pull image": Error response from daemon: Get "https://`), done.body);
      assert.ok(done.body.includes(`/jenkins is running and healthy on ${th.get('slave1').address}`), done.body);
      const said = await thread(done.message, /could not be pulled on slave2 /);
      assert.ok(text(said).includes(`could not be pulled on slave2 (step "pull image": Error response from daemon: ${reason}); deploying anyway: slave1 has it`), text(said));
      assert.deepEqual(pulls(image), { slave1: 1, slave2: 1 }, 'tried on both');
      const both = await deploy('--no-pull');
      assert.ok(both.body.includes(`\`${image}\` is not on slave2`) && both.body.includes(`/ci prepull ${image} --hosts slave2`), both.body);
    } finally {
      th.get('slave2').failPulls(undefined);
      await control('/_control/offers', { order: [] });
      setTemplate();
    }
    // Back to the template's image (on both agents), for the tests below.
    assert.match((await deploy()).body, /Done/);
  });

  test('--dry-run after a change made in Marathon: the diff against the running app', async () => {
    const res = await fetch(`${sim.urls.marathon}/v2/apps/jenkins`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mem: 2048 }) });
    assert.equal(res.status, 200);
    await waitFor(async () => (await (await fetch(`${sim.urls.marathon}/v2/deployments`)).json() as unknown[]).length === 0, { deadlineMs: 20_000, what: "no deployments" });
    const dry = await deploy('--dry-run');
    assert.match(dry.body, /dry run: 1 field\(s\) of \/jenkins would change/);
    await thread(dry.message, /`\/mem`: 2048 → 1024/);
    assert.equal((await marathonApp()).app?.mem, 2048, 'nothing was changed');
  });

  test('a deployment holds the app: 409 names it; --force overrides it and the deploy completes', async () => {
    // A restart that can never be placed: its deployment stays.
    const res = await fetch(`${sim.urls.marathon}/v2/apps/jenkins`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ constraints: [['hostname', 'CLUSTER', 'nowhere']] }),
    });
    const { deploymentId } = (await res.json()) as { deploymentId: string };
    const locked = await deploy();
    assert.match(locked.body, /Failed/);
    assert.ok(locked.body.includes(`locked by Marathon deployment \`${deploymentId}\` (RestartApplication /jenkins, step 1/1)`), locked.body);
    assert.ok(locked.body.includes('/ci deploy jenkins --force'), locked.body);
    const forced = await deploy('--force');
    assert.match(forced.body, /Done/);
    assert.match(forced.body, /PUT \(replace\) --force/);
    const { app } = await marathonApp();
    assert.deepEqual(app?.constraints, []);
    assert.equal(app?.mem, 1024);
  });

  test('422: Marathon refuses the template; every field error is explained, nothing deployed', async () => {
    setTemplate((t) => {
      t.constraints = [['hostname', 'CLUSTR', 'slave1']];
      (t.healthChecks as Array<Record<string, unknown>>)[0]!.portIndex = 5;
    });
    try {
      const bad = await deploy();
      assert.match(bad.body, /Marathon refused the app definition \(422 Object is not valid\)/);
      assert.ok(bad.body.includes('`/constraints(0)`: Constraint operator must be one of the following'), bad.body);
      assert.ok(bad.body.includes('`/healthChecks(0)/portIndex`: health check port index 5'), bad.body);
      assert.deepEqual((await marathonApp()).app?.constraints, [], 'the running app is untouched');
    } finally {
      setTemplate();
    }
  });

  test('bad values in the template are refused before Marathon is asked: upgradeStrategy, image; too big for any agent', async () => {
    setTemplate((t) => {
      t.upgradeStrategy = { minimumHealthCapacity: 1, maximumOverCapacity: 1 };
      (t.container as { docker: { image: string } }).docker.image = 'Not An Image';
    });
    try {
      const bad = await deploy();
      assert.match(bad.body, /upgradeStrategy: must be \{"minimumHealthCapacity":0,"maximumOverCapacity":0\}/);
      assert.match(bad.body, /image `Not An Image`: must be a Docker image reference/);
      setTemplate((t) => void (t.mem = 100_000));
      const big = await deploy();
      assert.match(big.body, /No agent can hold \/jenkins \(1 cpu \/ 100000 MB\): the largest is .* 3789 MB/);
      assert.equal((await marathonApp()).app?.mem, 1024, 'the running app is untouched');
    } finally {
      setTemplate();
    }
  });

  test('Marathon answers 503 to the update: it did not take it, nothing deployed; the next deploy goes through', async () => {
    setTemplate((t) => void (t.mem = 1536));
    try {
      await control('/_control/faults', { component: 'marathon', path: '/v2/apps/jenkins', mode: 'fail', status: 503, method: 'PUT', times: 1 });
      const failed = await deploy();
      assert.match(failed.body, /Marathon answered 503 to the update of \/jenkins and did not take it/);
      assert.match(failed.body, /Nothing was deployed/);
      assert.equal((await marathonApp()).app?.mem, 1024);
      const ok = await deploy();
      assert.match(ok.body, /Done/);
      assert.equal((await marathonApp()).app?.mem, 1536);
    } finally {
      await control('/_control/faults', {}, 'DELETE');
      setTemplate();
    }
  });

  test('the new task keeps failing on the agent: stops after 3 failures with the agent\'s message; Marathon is left retrying, and says so', async () => {
    // The image vanishes from the agents' Docker after the SSH check (in-process fault): every launch fails.
    const agents = [...sim.sim.state.agents.values()];
    for (const a of agents) a.images?.delete(IMAGE);
    setTemplate((t) => void ((t.env as Record<string, string>).JAVA_OPTS = '-Xmx700m'));
    try {
      const failed = await deploy();
      assert.match(failed.body, /Failed/);
      assert.match(failed.body, /\/jenkins did not start: its task failed 3 times; last on [0-9.]+: Failed to launch container: .*pull access denied/);
      assert.match(failed.body, /Marathon keeps retrying \(deployment `[0-9a-f-]+` is still running\)/);
    } finally {
      for (const a of agents) a.images?.add(IMAGE);
      setTemplate();
    }
    // Marathon's own retry finishes the deployment once the image is back; the next deploy then goes through.
    await waitFor(async () => ((await (await fetch(`${sim.urls.marathon}/v2/deployments`)).json()) as unknown[]).length === 0, { deadlineMs: 20_000, what: 'Marathon recovers once the image is back' });
    const after = await deploy();
    assert.match(after.body, /Done/);
    assert.equal(((await marathonApp()).app?.env as Record<string, string>).JAVA_OPTS, '-Xmx768m');
  });

  test('the new task never passes its health check: the progress says unhealthy, and the deploy stops after 3 health kills', async () => {
    // Every new Jenkins task fails /login (in-process fault); a short grace period so the executor kills it soon.
    let failing = true;
    sim.sim.marathon.onTaskChange((t) => {
      if (failing && t.appId === '/jenkins' && t.state === 'TASK_STAGING') t.failHealth = true;
    });
    setTemplate((t) => {
      (t.env as Record<string, string>).JAVA_OPTS = '-Xmx600m';
      (t.healthChecks as Array<Record<string, unknown>>)[0]!.gracePeriodSeconds = 30;
    });
    try {
      const [jobId] = await queue(ALICE, 'deploy jenkins');
      await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId!) && /unhealthy on [0-9.]+: the \/login health check fails/.test(text(m)), 20_000);
      const body = text(await finished(jobId!));
      assert.match(body, /\/jenkins did not start: its task failed 3 times; last on [0-9.]+: unhealthy: killed after failing its \/login health check/);
    } finally {
      failing = false;
      setTemplate();
    }
    await waitFor(async () => ((await (await fetch(`${sim.urls.marathon}/v2/deployments`)).json()) as unknown[]).length === 0, { deadlineMs: 20_000, what: 'healthy again' });
    assert.match((await deploy()).body, /Done/);
  });

  test('no offer fits, then Marathon goes down mid-deploy: the progress message says both, and the deploy completes once they clear', async () => {
    for (const h of ['slave1', 'slave2']) await control(`/_control/agents/${th.get(h).address}/full`, { full: true });
    const [jobId] = await queue(ALICE, 'deploy jenkins --force');
    const progress = (re: RegExp) => slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId!) && re.test(text(m)), 20_000);
    await progress(/no offer fits: .*DeclinedScarceResources/);
    await control('/_control/leader', { component: 'marathon' });
    await progress(/Marathon not answering since/);
    await control('/_control/leader', { component: 'marathon', index: 0 });
    for (const h of ['slave1', 'slave2']) await control(`/_control/agents/${th.get(h).address}/full`, { full: false });
    const done = text(await finished(jobId!));
    assert.match(done, /Done/);
    assert.match(done, /running and healthy on/);
  });

  test('Marathon down before the deploy: a clear message, nothing sent', async () => {
    await control('/_control/leader', { component: 'marathon' });
    try {
      const failed = await deploy('--force');
      assert.match(failed.body, /Marathon is not answering \(marathon GET \/v2\/(apps\/jenkins|leader) failed/);
      assert.match(failed.body, /Nothing was deployed/);
      assert.doesNotMatch(failed.body, /correlation/i, 'said plainly, not as an internal error');
    } finally {
      await control('/_control/leader', { component: 'marathon', index: 0 });
    }
  });

  test('the deployment is cancelled in Marathon before Jenkins is healthy: the deploy says so', async () => {
    for (const h of ['slave1', 'slave2']) await control(`/_control/agents/${th.get(h).address}/full`, { full: true });
    try {
      const [jobId] = await queue(ALICE, 'deploy jenkins --force');
      await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId!) && /no offer fits/.test(text(m)), 20_000);
      const [d] = (await (await fetch(`${sim.urls.marathon}/v2/deployments`)).json()) as Array<{ id: string }>;
      assert.ok(d);
      assert.equal((await fetch(`${sim.urls.marathon}/v2/deployments/${d.id}?force=true`, { method: 'DELETE' })).status, 202);
      const body = text(await finished(jobId!));
      assert.ok(body.includes(`Deployment \`${d.id}\` ended (deployment_failed or cancelled) without a running, healthy /jenkins`), body);
    } finally {
      for (const h of ['slave1', 'slave2']) await control(`/_control/agents/${th.get(h).address}/full`, { full: false });
    }
  });

  test('two deploys at once: the second waits behind the first', async () => {
    for (const h of ['slave1', 'slave2']) await control(`/_control/agents/${th.get(h).address}/full`, { full: true });
    try {
      const [first] = await queue(ALICE, 'deploy jenkins --force');
      await slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(first!) && /no offer fits/.test(text(m)), 20_000);
      const since = Date.now();
      await slack.command(ALICE, 'deploy jenkins --force');
      const prompt = await slack.waitForMessage((m) => /Confirm `\/ci deploy jenkins/.test(text(m)) && m.changedAtMs >= since, 5000);
      await slack.click(prompt, 'ci_confirm', { user: ALICE });
      await slack.waitForMessage((m) => m.changedAtMs >= since && text(m).includes(`is queued behind \`${first!}\``), 5000);
    } finally {
      for (const h of ['slave1', 'slave2']) await control(`/_control/agents/${th.get(h).address}/full`, { full: false });
    }
  });
});
