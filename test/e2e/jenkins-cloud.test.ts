/**
 * `/ci jenkins cloud [--apply]` end to end: ci-bot as its own process, a real Redis, the Slack emulator and the
 * simulator's Jenkins with its configuration-as-code endpoints, whose seed Mesos cloud is the one the seed set up by
 * hand (0.2 cpu / 512 MB, label mesos). The config asks for a different agent size, image and idle time, and carries
 * two plugin-1.x fields from the seed manual: the diff names every changed field and explains the 1.x fields;
 * `--apply` changes Jenkins (the simulated plugin then launches agents of the new size), keeps Jenkins' framework id
 * and its other clouds, and verifies by reading back; a Jenkins that drops a field is caught by that read-back; a
 * Jenkins without the plugin gets a clear answer. Expected values come from the config and the simulator.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { startBotStack, type BotStack } from '../support/bot-stack.ts';
import { renderMessageText } from '../../src/playground/slack-emulator/index.ts';
import type { RunningSimulator } from '../../src/playground/simulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ALICE = 'U0ALICE001'; // admin
const BOB = 'U0BOB00001'; // operator
const cloud = {
  frameworkName: 'Jenkins Scheduler', cpus: 0.5, memMb: 1024, idleTerminationMinutes: 5,
  dockerImage: 'registry.example/jenkins-agent:jdk21', networking: 'HOST', executorCpus: 0.2, onDemandRegistration: false,
};

let stack: BotStack;
let sim: RunningSimulator;

before(async () => {
  stack = await startBotStack({
    config: {
      redis: { prefix: `e2ecloud${randomBytes(3).toString('hex')}` },
      roles: { admins: [ALICE], operators: [BOB] },
      cluster: { jenkins: { user: 'admin', timeoutMs: 10_000 } },
      jenkins: { cloud },
    },
  });
  sim = stack.sim ?? assert.fail('simulator');
  // The simulated Jenkins starts as a Marathon task: until it runs, it answers 503 (the first test failed 1 in 2 runs alone).
  await waitFor(() => sim.sim.jenkins.up, { deadlineMs: 20_000, what: 'Jenkins running' });
});

after(async () => {
  await stack?.stop();
});

async function ask(user: string, line: string): Promise<string> {
  const seen = new Set(stack.slack.allMessages());
  const ack = await stack.slack.command(user, line);
  assert.equal(ack.status, 200);
  if (/needs the \*admin\* role/.test(ack.body)) return ack.body;
  const m = await stack.slack.waitForMessage((x) => !seen.has(x) && x.kind === 'response_url' && /cloud|:x:/i.test(renderMessageText(x)), 30_000);
  return renderMessageText(m);
}

type Template = Record<string, unknown> & { containerInfo: Record<string, unknown> };
const mesosClouds = () => sim.sim.jenkinsCasc.clouds.map((c) => (c as { mesos?: Record<string, unknown> }).mesos).filter((m) => m !== undefined);
const template = (): Template => (mesosClouds()[0]?.mesosAgentSpecTemplates as Template[])[0] ?? assert.fail('a template');

describe('/ci jenkins cloud', () => {
  test('shows the diff against Jenkins\' cloud and explains the plugin-1.x fields; changes nothing', async () => {
    const before = structuredClone(sim.sim.jenkinsCasc.clouds);
    const text = await ask(ALICE, 'jenkins cloud');
    assert.match(text, /against Jenkins' current one/);
    assert.match(text, /cpus`: `0\.2` → `0\.5`/, text);
    assert.match(text, /mem`: `512` → `1024`/);
    assert.match(text, /idleTerminationMinutes`: `3` → `5`/);
    assert.match(text, /dockerImage`: `jenkins\/inbound-agent:latest-jdk21` → `registry\.example\/jenkins-agent:jdk21`/);
    assert.doesNotMatch(text, /label`|networking`|frameworkName`/, 'unchanged fields are not listed');
    assert.match(text, /`onDemandRegistration` is a plugin 1\.x setting/);
    assert.match(text, /`executorCpus`\/`executorMemMb` are plugin 1\.x settings/);
    // The YAML shown is configuration-as-code for the 2.x plugin, and holds none of the 1.x fields.
    const yaml = /```([\s\S]+?)```/.exec(text)?.[1] ?? assert.fail('a YAML block');
    const shown = parse(yaml) as { jenkins: { clouds: Array<{ mesos: Record<string, unknown> }> } };
    const t = (shown.jenkins.clouds[0]!.mesos.mesosAgentSpecTemplates as Template[])[0]!;
    assert.deepEqual([t.cpus, t.mem, t.containerInfo.dockerImage], ['0.5', '1024', cloud.dockerImage]);
    assert.doesNotMatch(yaml, /executorCpus|onDemand|slaveCpus/);
    assert.match(text, /--apply/);
    assert.deepEqual(sim.sim.jenkinsCasc.clouds, before, 'showing the diff applies nothing');
  });

  test('an operator may not see or apply it', async () => {
    assert.match(await ask(BOB, 'jenkins cloud --apply'), /needs the \*admin\* role/);
    assert.equal(template().cpus, 0.2);
  });

  test('--apply applies it, keeps the framework id and the other clouds, and verifies by reading back', async () => {
    const frameworkId = mesosClouds()[0]?.frameworkId;
    assert.ok(typeof frameworkId === 'string' && frameworkId.length > 0);
    // Another cloud in Jenkins: configuration-as-code replaces the whole list, so the bot must carry it over.
    const docker = { docker: { name: 'docker-local', dockerApi: { dockerHost: { uri: 'unix:///var/run/docker.sock' } } } };
    sim.sim.jenkinsCasc.apply(JSON.stringify({ jenkins: { clouds: [...sim.sim.jenkinsCasc.clouds, docker] } }));
    const text = await ask(ALICE, 'jenkins cloud --apply');
    assert.match(text, /Applied the Mesos cloud `Jenkins Scheduler` and read it back/, text);
    const t = template();
    assert.deepEqual([t.cpus, t.mem, t.idleTerminationMinutes, t.containerInfo.dockerImage], [0.5, 1024, 5, cloud.dockerImage]);
    assert.equal(mesosClouds()[0]?.frameworkId, frameworkId, 'Jenkins keeps registering as the same framework');
    assert.deepEqual(sim.sim.jenkinsCasc.clouds.filter((c) => 'docker' in (c as object)), [docker], 'the other cloud is still there');
    // The simulated plugin now sizes its agents from the applied cloud.
    assert.deepEqual([sim.sim.opts.pluginAgent.cpus, sim.sim.opts.pluginAgent.memMb], [0.5, 1024]);
  });

  test('--apply again: nothing to change, nothing applied', async () => {
    let applied = 0;
    const real = sim.sim.jenkinsCasc.apply.bind(sim.sim.jenkinsCasc);
    sim.sim.jenkinsCasc.apply = (body: string) => (applied++, real(body));
    try {
      assert.match(await ask(ALICE, 'jenkins cloud --apply'), /already has this Mesos cloud; nothing applied/);
      assert.equal(applied, 0);
    } finally {
      sim.sim.jenkinsCasc.apply = real;
    }
    assert.match(await ask(ALICE, 'jenkins cloud'), /no changes/);
  });

  test('a Jenkins that drops a field on apply is caught by the read-back', async () => {
    // Back to the seed's size, so there is something to apply.
    sim.sim.jenkinsCasc.apply(JSON.stringify({ jenkins: { clouds: sim.sim.jenkinsCasc.clouds.map((c) => {
      const m = (c as { mesos?: { mesosAgentSpecTemplates: Template[] } }).mesos;
      return m ? { mesos: { ...m, mesosAgentSpecTemplates: m.mesosAgentSpecTemplates.map((x) => ({ ...x, cpus: 0.2 })) } } : c;
    }) } }));
    const real = sim.sim.jenkinsCasc.apply.bind(sim.sim.jenkinsCasc);
    // An older plugin that silently ignores the image.
    sim.sim.jenkinsCasc.apply = (body: string) => real(body.replace(cloud.dockerImage, 'jenkins/inbound-agent:latest-jdk21'));
    try {
      const text = await ask(ALICE, 'jenkins cloud --apply');
      assert.match(text, /Applied, but Jenkins reads back a different cloud \(1 field\)/, text);
      assert.match(text, /dockerImage`: `jenkins\/inbound-agent:latest-jdk21` → `registry\.example/);
    } finally {
      sim.sim.jenkinsCasc.apply = real;
    }
  });

  test('configuration-as-code refuses the document: its warnings are shown and nothing is applied', async () => {
    const real = { check: sim.sim.jenkinsCasc.check.bind(sim.sim.jenkinsCasc), apply: sim.sim.jenkinsCasc.apply.bind(sim.sim.jenkinsCasc) };
    let applied = 0;
    // A plugin that does not know `domainFilterModel` (the check is the simulator's own validation, with one key less).
    sim.sim.jenkinsCasc.check = (body: string) => real.check(body.replace(/domainFilterModel/g, 'domainFilterModelUnknown'));
    sim.sim.jenkinsCasc.apply = (body: string) => (applied++, real.apply(body));
    try {
      const text = await ask(ALICE, 'jenkins cloud --apply');
      assert.match(text, /configuration-as-code refused the cloud; nothing was applied/, text);
      assert.match(text, /Invalid configuration elements for type class org\.jenkinsci\.plugins\.mesos\.MesosAgentSpecTemplate : domainFilterModelUnknown/);
      assert.equal(applied, 0);
    } finally {
      Object.assign(sim.sim.jenkinsCasc, real);
    }
  });

  test('an export that leaves out a field is named, not taken for a failure; a Mesos cloud missing from the export is one', async () => {
    const casc = sim.sim.jenkinsCasc;
    const real = { export: casc.export.bind(casc), apply: casc.apply.bind(casc) };
    // Something to apply again: the seed's image.
    real.apply(JSON.stringify({ jenkins: { clouds: casc.clouds.map((c) => {
      const m = (c as { mesos?: { mesosAgentSpecTemplates: Template[] } }).mesos;
      return m ? { mesos: { ...m, mesosAgentSpecTemplates: m.mesosAgentSpecTemplates.map((x) => ({ ...x, containerInfo: { ...x.containerInfo, dockerImage: 'jenkins/inbound-agent:latest-jdk21' } })) } } : c;
    }) } }));
    // An export that omits a value equal to the plugin's default.
    casc.export = () => real.export().replace(/^\s*dockerForcePullImage: false\n/m, '');
    try {
      const text = await ask(ALICE, 'jenkins cloud --apply');
      assert.match(text, /Applied the Mesos cloud/, text);
      assert.match(text, /Not in Jenkins' export \(it may omit values equal to the plugin's defaults\): `mesosAgentSpecTemplates\[mesos\]\.containerInfo\.dockerForcePullImage`/);
      assert.equal(template().containerInfo.dockerImage, cloud.dockerImage);
      // A Jenkins whose Mesos plugin does not load: its export lists no Mesos cloud, before or after the apply.
      casc.export = () => {
        const doc = parse(real.export()) as { jenkins: { clouds: unknown[] } };
        doc.jenkins.clouds = doc.jenkins.clouds.filter((c) => !('mesos' in (c as object)));
        return stringify(doc);
      };
      assert.match(await ask(ALICE, 'jenkins cloud --apply'), /Applied, but Jenkins' export has no Mesos cloud `Jenkins Scheduler`: the Mesos plugin may not be installed/);
    } finally {
      Object.assign(casc, real);
    }
  });

  test('a Jenkins without the configuration-as-code plugin: a clear answer', async () => {
    sim.sim.addFault({ component: 'jenkins', path: '/configuration-as-code', mode: 'fail', status: 404 });
    try {
      assert.match(await ask(ALICE, 'jenkins cloud'), /configuration-as-code plugin is not installed/);
    } finally {
      sim.sim.clearFaults('jenkins');
    }
  });
});
