import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { JenkinsClient } from '../../../src/clients/jenkins/client.ts';
import { MesosClient } from '../../../src/clients/mesos/client.ts';
import { UpstreamError } from '../../../src/core/errors.ts';
import { jobXml, startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';

let s: RunningSimulator;
let jenkins: JenkinsClient;

before(async () => {
  s = await startSimulator({
    timeScale: 100,
    buildDurationMs: 5000,
    pluginAgent: { cpus: 0.2, memMb: 512, label: 'mesos', idleTerminationMs: 20_000, launchMs: 3000 },
  });
  jenkins = new JenkinsClient({ url: s.urls.jenkins, username: 'admin', apiToken: 'sim-token', timeoutMs: 2000, retryBaseMs: 5 });
  await waitFor(() => s.sim.jenkins.up, { what: 'jenkins up' });
});
after(async () => {
  await jenkins.close();
  await s.stop();
});

test('root with tree, computers and queue', async () => {
  const root = await jenkins.root({ tree: 'jobs[name,color,url]' });
  assert.deepEqual(root.jobs?.map((j) => j.name), ['job-1', 'job-2', 'job-3']);
  const computers = await jenkins.computers();
  assert.equal(computers.computer[0]?.displayName, 'master');
  assert.deepEqual(await jenkins.queue(), []);
});

test('create a job from config.xml, build → queue item → build number; crumb fetched once and reused', async () => {
  await jenkins.createJob('hello', jobXml());
  const crumbRequests = () => s.sim.faults.requests('jenkins', '/crumbIssuer/api/json');
  const before = crumbRequests();
  const queueId = await jenkins.triggerBuild('hello');
  const queueId2 = await jenkins.triggerBuild('hello', { BRANCH: 'main' });
  assert.ok(queueId2 > queueId);
  assert.ok(before <= 1 && crumbRequests() <= 1, 'the crumb is fetched at most once');
  const number = await jenkins.waitForBuildNumber(queueId, { intervalMs: 10, deadlineMs: 5000 });
  assert.equal(number, 1);
  const build = await jenkins.build('hello', number);
  assert.equal(build.queueId, queueId);
  const second = await jenkins.build('hello', await jenkins.waitForBuildNumber(queueId2, { intervalMs: 10 }));
  assert.ok(JSON.stringify(second).includes('BRANCH'));
  await assert.rejects(jenkins.createJob('hello', jobXml()), (e: unknown) => e instanceof UpstreamError && e.status === 400);
});

test('an expired crumb (403) is refreshed once and the POST succeeds', async () => {
  await jenkins.scriptText('println 1');
  const before = s.sim.faults.requests('jenkins', '/crumbIssuer/api/json');
  s.sim.jenkins.crumb = 'rotated';
  const out = await jenkins.scriptText('println(Jenkins.instance.items.size())');
  assert.equal(out.trim(), String(s.sim.jenkins.jobs.size));
  assert.equal(s.sim.faults.requests('jenkins', '/crumbIssuer/api/json'), before + 1);
});

test('a wrong token is an auth failure', async () => {
  const bad = new JenkinsClient({ url: s.urls.jenkins, username: 'admin', apiToken: 'wrong', retries: 0 });
  await assert.rejects(bad.root(), (e: unknown) => e instanceof UpstreamError && e.failure === 'auth' && e.status === 401);
  await bad.close();
});

// mesos-plugin 2.x (MARATHON-FAILOVER.md S8): framework "Jenkins Scheduler" (MesosCloud/config.jelly), agents and their
// Mesos tasks named jenkins-agent-<label>-<uuid> (MesosAgentSpecTemplate.generateName), one executor each, killed after
// idleTerminationMinutes idle (integration/MesosJenkinsAgentLifecycleTest testRetentionStrategy).
test('Mesos plugin: a build on label mesos launches an agent task, joins /computer, and is removed when idle', async () => {
  await jenkins.createJob('on-mesos', jobXml('mesos'));
  const mesos = new MesosClient({ masters: [s.urls.mesos] });
  try {
    const queueId = await jenkins.triggerBuild('on-mesos');
    const agentTask = await waitFor(async () => {
      const { frameworks } = await mesos.frameworks();
      return frameworks.find((f) => f.name === 'Jenkins Scheduler')?.tasks?.find((t) => t.name.startsWith('jenkins-agent-mesos-'));
    }, { what: 'plugin task in Mesos' });
    assert.match(agentTask.name, /^jenkins-agent-mesos-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(agentTask.id, agentTask.name, 'the Mesos task id is the agent name');
    assert.equal(agentTask.resources.cpus, 0.2);
    assert.equal(agentTask.resources.mem, 512);
    const computer = await waitFor(async () => (await jenkins.computers()).computer.find((c) => c.displayName === agentTask.name));
    assert.equal(computer.numExecutors, 1);
    const number = await jenkins.waitForBuildNumber(queueId, { intervalMs: 10 });
    const build = await jenkins.build('on-mesos', number);
    assert.equal(build.builtOn, agentTask.name);
    await waitFor(async () => !(await jenkins.computers()).computer.some((c) => c.displayName === agentTask.name), {
      deadlineMs: 3000,
      what: 'idle agent removed',
    });
    const { frameworks } = await mesos.frameworks();
    const fw = frameworks.find((f) => f.name === 'Jenkins Scheduler');
    assert.equal(fw?.tasks?.length, 0);
    assert.equal(fw?.completed_tasks?.find((t) => t.id === agentTask.id)?.state, 'TASK_KILLED', 'killed by the retention strategy');
  } finally {
    await mesos.close();
  }
});
