/**
 * `/ci smoke` and `/ci drill failover` end to end: ci-bot as its own process, the Slack emulator, real Redis and
 * the cluster simulator at time scale 100 (the seed's `sleep 100` takes a second, the plugin's 3 min idle timeout
 * 1.8 s). Expected figures come from the simulator's own state, watched while the command runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { renderMessageText, type RecordedMessage } from '../../src/playground/slack-emulator/index.ts';
import { startBotStack, type BotStack } from '../support/bot-stack.ts';

const ALICE = 'U0ALICE001'; // admin
const BOB = 'U0BOB00001'; // operator
const CAROL = 'U0CAROL001'; // viewer
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

let stack: BotStack;
const sim = () => stack.sim!.sim;

before(async () => {
  stack = await startBotStack({
    config: {
      redis: { prefix: `e2ejenkins${randomBytes(3).toString('hex')}` },
      roles: { default: 'viewer', admins: [ALICE], operators: [BOB] },
      cluster: { jenkins: { user: 'admin', timeoutMs: 3000 } },
      // The simulator runs 100× faster: its 180 s idle timeout is 1.8 s of wall time, the bot's deadline 3 s + 3 s.
      // …and its progress messages' step changes go out 4× as often as Slack's pace (1 s), or a phase that lasts
      // 60 s in a real cluster (0.6 s here) could pass between two publishes and the live counts not be seen.
      tasks: { progressIntervalMs: 250 },
      jenkins: { idleTerminationMinutes: 0.05, smoke: { pollMs: 100, recycleGraceMs: 3000, buildsTimeoutMs: 60_000 }, drill: { pollMs: 100, recoveryTimeoutMs: 20_000 } },
    },
    simulator: { timeScale: 100 },
    beforeBot: async (s) => {
      const deadline = Date.now() + 10_000;
      while (!s!.sim.jenkins.up && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(s!.sim.jenkins.up, 'Jenkins runs on Marathon before the bot starts');
    },
  });
});

after(async () => {
  await stack?.stop();
});

/** Sends a command (clicking Confirm where it asks), returns the queued job id. Only messages new since the command count. */
async function queue(user: string, cmd: string): Promise<string> {
  const seen = new Set(stack.slack.allMessages());
  const fresh = (re: RegExp) => stack.slack.waitForMessage((x) => !seen.has(x) && re.test(text(x)), 5000);
  const ack = await stack.slack.command(user, cmd);
  assert.equal(ack.status, 200);
  const jobIdIn = (t: string) => /Queued `([^`]+)`|`([^`]+)` is queued behind/.exec(t)?.slice(1).find(Boolean);
  const fromAck = jobIdIn(ack.body);
  if (fromAck) return fromAck;
  const m = await fresh(/Queued `|is queued behind|Confirm `/);
  if (!/Confirm `/.test(text(m))) return jobIdIn(text(m))!;
  await stack.slack.click(m, 'ci_confirm', { user });
  return jobIdIn(text(await fresh(/Queued `|is queued behind/)))!;
}

function finished(jobId: string, deadlineMs = 60_000): Promise<RecordedMessage> {
  return stack.slack.waitForMessage((m) => m.kind === 'channel' && text(m).includes(jobId) && /\*(Done|Failed)\*/.test(text(m)), deadlineMs);
}

const pluginTasks = () => [...sim().state.tasks.values()].filter((t) => t.name.startsWith('jenkins-agent-mesos-') && !/FINISHED|KILLED|FAILED|LOST|GONE/.test(t.state));
const jenkinsTask = () => [...sim().state.tasks.values()].find((t) => t.appId === '/jenkins' && t.state === 'TASK_RUNNING');
const hostOf = (agentId: string) => sim().state.agents.get(agentId)?.hostname;
/** Requests to `/v2/apps/jenkins/tasks/<id>` (the bot only ever sends DELETEs there). */
const taskKills = () => [...sim().faults.counts].filter(([k]) => k.startsWith('marathon /v2/apps/jenkins/tasks/')).reduce((n, [, c]) => n + c, 0);
/** Waits for a running Jenkins task (after a test that took it down). */
async function jenkinsBack() {
  const deadline = Date.now() + 10_000;
  while ((!jenkinsTask() || !sim().jenkins.up || sim().state.deployments.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const t = jenkinsTask();
  assert.ok(t, 'Jenkins runs');
  return t;
}

/** Watches the simulator while `run` goes: the most plugin agents (Mesos tasks) alive at once, and every one seen. */
async function watchAgents<T>(run: Promise<T>): Promise<{ result: T; peak: number; seen: Set<string> }> {
  let peak = 0;
  const seen = new Set<string>();
  let done = false;
  const watcher = (async () => {
    while (!done) {
      const live = pluginTasks();
      peak = Math.max(peak, live.length);
      for (const t of live) seen.add(t.id);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    return { result: await run, peak, seen };
  } finally {
    done = true;
    await watcher;
  }
}

describe('/ci smoke', () => {
  test('default: 5 jobs → 5 agents → 0, with live counts, every build SUCCESS and the agents recycled within the idle timeout', async () => {
    // An agent takes 60 s (0.6 s here) from launch to online, as a docker run plus JNLP connect would.
    const launchMs = sim().opts.pluginAgent.launchMs;
    sim().opts.pluginAgent.launchMs = 60_000;
    const jobId = await queue(BOB, 'smoke');
    const { result: done, peak, seen } = await watchAgents(finished(jobId)).finally(() => (sim().opts.pluginAgent.launchMs = launchMs));
    const body = text(done);
    assert.match(body, /\*Done\*/, body);
    assert.equal(peak, 5, 'the simulator ran 5 plugin agents at once');
    assert.equal(seen.size, 5, 'one Mesos task per queued build');
    assert.match(body, /5 jobs → 5 agents → 0: 5\/5 builds SUCCESS/);
    assert.match(body, /first agent after [\d.]+ s, peak 5 dynamic agents/);
    assert.match(body, /recycled within the idle timeout \(3 s\): all gone/);
    assert.equal(pluginTasks().length, 0, 'no plugin agent is left in Mesos');
    assert.equal([...sim().jenkins.computers.keys()].filter((n) => n !== 'master').length, 0, 'and none in Jenkins');
    for (let i = 1; i <= 5; i++) {
      const job = sim().jenkins.jobs.get(`ci-bot-smoke-${i}`);
      assert.ok(job, `job ci-bot-smoke-${i} created`);
      assert.equal(job.label, 'mesos');
      assert.equal(job.durationMs, 100_000, 'sleep 100');
      assert.equal(job.builds[0]?.result, 'SUCCESS');
      assert.match(job.builds[0]?.builtOn ?? '', /^jenkins-agent-mesos-/, 'built on a dynamic agent');
    }
    // The live counts: the progress message went through agents launching and running before done.
    const history = done.history.map((h) => renderBlockless(h));
    assert.ok(history.some((h) => /queued \d · agents launching [1-5] · running \d · done 0\/5/.test(h)), `agents launching shown: ${history.join('\n---\n')}`);
    assert.ok(history.some((h) => /running [1-5] · done \d\/5/.test(h)), 'builds running shown');
    for (let i = 1; i <= 5; i++) {
      const line = new RegExp(`ci-bot-smoke-${i} #1 SUCCESS on jenkins-agent-mesos-`);
      await stack.slack.waitForMessage((m) => m.thread_ts === done.ts && line.test(text(m)), 5000);
    }
  });

  test('a second run reuses the jobs with its own --jobs/--seconds', async () => {
    const jobId = await queue(BOB, 'smoke --jobs 2 --seconds 50');
    const body = text(await finished(jobId));
    assert.match(body, /2 jobs → 2 agents → 0: 2\/2 builds SUCCESS/, body);
    assert.match(body, /0 created, 2 reused/);
    assert.equal(sim().jenkins.jobs.get('ci-bot-smoke-1')?.durationMs, 50_000, 'the reused job got the new sleep');
    assert.equal(sim().jenkins.jobs.get('ci-bot-smoke-1')?.builds.length, 2);
  });

  test('agents that are not recycled are named, and the run fails', async () => {
    const idle = sim().opts.pluginAgent.idleTerminationMs;
    sim().opts.pluginAgent.idleTerminationMs = 3_600_000; // an hour: the agents outlive the bot's 6 s deadline
    try {
      const jobId = await queue(BOB, 'smoke --jobs 1 --seconds 10');
      const body = text(await finished(jobId));
      const stayed = pluginTasks().map((t) => t.id);
      assert.equal(stayed.length, 1);
      assert.match(body, /\*Failed\*/, body);
      assert.ok(body.includes(`NOT recycled`) && body.includes(`${stayed[0]} stayed`), body);
    } finally {
      sim().opts.pluginAgent.idleTerminationMs = idle;
      for (const t of pluginTasks()) sim().killTask(t.id, 'TASK_KILLED', 'cleanup');
    }
  });

  test('a viewer may not run it; bad values are refused before anything is queued', async () => {
    const denied = await stack.slack.command(CAROL, 'smoke');
    assert.match(denied.body, /operator/);
    const bad = await stack.slack.command(BOB, 'smoke --jobs 0');
    assert.match(bad.body, /jobs/i);
    assert.doesNotMatch(bad.body, /Queued/);
  });
});

/** Text of a message version kept in `history`. */
function renderBlockless(h: { text?: unknown; blocks?: unknown }): string {
  return renderMessageText(h);
}

describe('/ci drill failover', () => {
  test('kills the task through Marathon (no scale), follows the recovery, reports downtime, the new host and that JENKINS_HOME stayed behind', async () => {
    const before = jenkinsTask();
    assert.ok(before);
    const oldHost = hostOf(before.agentId)!;
    const other = sim().opts.agents.map((a) => a.hostname).find((h) => h !== oldHost)!;
    sim().setOfferOrder([other, oldHost]); // Marathon has no same-host preference: steer it to the other agent
    const jobsBefore = sim().jenkins.jobs.size;
    const eventsBefore = sim().bus.log.length;
    const killsBefore = taskKills();
    const jobId = await queue(ALICE, 'drill failover');
    const body = text(await finished(jobId, 30_000));
    assert.match(body, /\*Done\*/, body);
    const now = jenkinsTask();
    assert.ok(now && now.id !== before.id, 'a new task runs');
    assert.equal(hostOf(now.agentId), other);
    assert.ok(body.includes(`Jenkins back on ${other} (moved from ${oldHost}) after`), body);
    assert.match(body, /after [\d.]+ s down, answering after [\d.]+ s/);
    assert.ok(body.includes(`JENKINS_HOME did NOT come along: 0 of ${jobsBefore} jobs — it is a host path on ${oldHost}`), body);
    const killed = sim().bus.log.slice(eventsBefore).filter((e) => e.eventType === 'status_update_event' && e.taskId === before.id);
    assert.ok(killed.some((e) => e.taskStatus === 'TASK_KILLED'), 'the old task was killed');
    assert.equal(taskKills(), killsBefore + 1, 'by one DELETE /v2/apps/jenkins/tasks/<task>');
    assert.equal(sim().state.apps.get('/jenkins')?.definition.instances, 1, 'no scale: the app still wants one instance');
    sim().setOfferOrder([]);
  });

  test('with JENKINS_HOME on shared storage the jobs come along to the new host', async () => {
    const before = await jenkinsBack();
    const oldHost = hostOf(before.agentId)!;
    const other = sim().opts.agents.map((a) => a.hostname).find((h) => h !== oldHost)!;
    sim().opts.jenkinsHomeShared = true;
    sim().setOfferOrder([other, oldHost]);
    try {
      sim().jenkins.setJobCount(3); // the home Jenkins came back to after the drill before is a fresh one
      const jobs = sim().jenkins.jobs.size;
      const body = text(await finished(await queue(ALICE, 'drill failover'), 30_000));
      assert.ok(body.includes(`Jenkins back on ${other} (moved from ${oldHost})`), body);
      assert.ok(body.includes(`JENKINS_HOME came along: ${jobs} of ${jobs} jobs`), body);
    } finally {
      sim().opts.jenkinsHomeShared = false;
      sim().setOfferOrder([]);
    }
  });

  test('refuses while a Marathon deployment of the app runs, and kills nothing', async () => {
    for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, true); // the new version cannot be placed: the deployment stays
    try {
      const put = await fetch(`${stack.sim!.urls.marathons[0]}/v2/apps/jenkins`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cpus: 0.3 }) });
      assert.equal(put.status, 200);
      const { deploymentId } = (await put.json()) as { deploymentId: string };
      const killsBefore = taskKills();
      const body = text(await finished(await queue(ALICE, 'drill failover')));
      assert.match(body, /\*Failed\*/);
      assert.ok(body.includes(`A Marathon deployment is running for \`/jenkins\` (\`${deploymentId}\`)`), body);
      assert.match(body, /Nothing was killed/);
      assert.equal(taskKills(), killsBefore, 'no kill request from the drill');
    } finally {
      for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, false);
    }
    await jenkinsBack();
  });

  test('a second drill waits behind the running one (one lock for the Jenkins app)', async () => {
    await jenkinsBack();
    const killsBefore = taskKills();
    // The first drill's Jenkins cannot be placed again until the agents have room: it stays in "recovery".
    for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, true);
    let second: string;
    let first: string;
    try {
      first = await queue(ALICE, 'drill failover');
      const deadline = Date.now() + 10_000;
      while (taskKills() === killsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(taskKills(), killsBefore + 1, 'the first drill killed Jenkins');
      second = await queue(ALICE, 'drill failover');
    } finally {
      for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, false);
    }
    const a = await finished(first);
    const b = await finished(second);
    assert.match(text(a), /\*Done\*/, text(a));
    assert.match(text(b), /\*Done\*/, `the second ran once the first was done, against a running Jenkins: ${text(b)}`);
    assert.notEqual(second, first);
    assert.equal(taskKills(), killsBefore + 2, 'each drill killed one task');
    const told = stack.slack.allMessages().map(text).find((t) => t.includes(`\`${second}\` is queued behind \`${first}\``));
    assert.ok(told, 'the requester was told the second drill waits behind the first');
  });

  test('needs confirmation from an admin; an operator is refused', async () => {
    const denied = await stack.slack.command(BOB, 'drill failover');
    assert.match(denied.body, /admin/);
  });
});

describe('faults: nothing is done when Jenkins is not running', () => {
  test('a smoke run while Jenkins is down says so and creates nothing; a drill with no Jenkins running kills nothing', async () => {
    const task = await jenkinsBack();
    for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, true); // no offer fits: Marathon cannot relaunch it
    sim().killTask(task.id, 'TASK_FAILED', 'Container exited with status 137');
    try {
      const deadline = Date.now() + 5000;
      while (sim().jenkins.up && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(sim().jenkins.up, false);
      const creates = () => sim().faults.counts.get('jenkins /createItem') ?? 0;
      const createsBefore = creates();
      const smoke = text(await finished(await queue(BOB, 'smoke --jobs 3')));
      assert.match(smoke, /\*Failed\*/);
      assert.match(smoke, /Jenkins at http:\/\/\S+ does not answer .*503.*No job was created or triggered/, smoke);
      assert.equal(creates(), createsBefore, 'no createItem was even tried');
      const killsBefore = taskKills();
      const drill = text(await finished(await queue(ALICE, 'drill failover')));
      assert.match(drill, /\*Failed\*/);
      assert.match(drill, /No Jenkins running: `\/jenkins` has no running(, healthy)? task .*Nothing was killed/, drill);
      assert.equal(taskKills(), killsBefore, 'no kill request');
    } finally {
      for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, false);
    }
  });

  test('Jenkins going down in the middle of a smoke run: the run stops with the step it was at and what stays behind', async () => {
    const task = await jenkinsBack();
    const jobId = await queue(BOB, 'smoke --jobs 2 --seconds 1000');
    const running = Date.now() + 10_000;
    const building = () => [...sim().jenkins.jobs.values()].some((j) => j.name.startsWith('ci-bot-smoke-') && j.builds[0]?.building);
    while (!building() && Date.now() < running) await new Promise((r) => setTimeout(r, 20));
    assert.ok(building(), 'the builds run');
    for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, true);
    try {
      sim().killTask(task.id, 'TASK_FAILED', 'Container exited with status 137');
      const body = text(await finished(jobId));
      assert.match(body, /\*Failed\*/);
      assert.match(body, /Jenkins stopped answering during "builds" \(.*503.*\)\. The jobs ci-bot-smoke-\* stay/, body);
      assert.doesNotMatch(body, /internal error/);
    } finally {
      for (const a of sim().opts.agents) sim().setAgentFull(a.hostname, false);
    }
  });
});
