/**
 * The Mesos cloud of `jenkins.cloud`: its config validation, the YAML it renders held to the plugin 2.x's own
 * configuration-as-code files (`../shared/fixtures/upstream/jenkins/mesos-plugin/`), the diff, and the simulator's
 * configuration-as-code check held to the same files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.ts';
import { cascDocument, cloudsOf, desiredCloud, diffCloud } from '../../src/features/jenkins/cloud-render.ts';
import { Simulation, withDefaults } from '../../src/playground/simulator/index.ts';
import { createState } from '../../src/playground/simulator/state.ts';
import { FIXTURES } from '../support/fixtures-dir.ts';

const fixture = (name: string) => readFileSync(join(FIXTURES, 'jenkins/mesos-plugin', name), 'utf8');
const defaults = { mesosMasterUrl: 'http://master:5050', jenkinsUrl: 'http://slave1:8080', label: 'mesos', cpus: 0.2, memMb: 512, idleTerminationMinutes: 3 };
type Obj = Record<string, unknown>;
const keysDeep = (o: Obj, prefix = ''): string[] => Object.entries(o).flatMap(([k, v]) => {
  const path = prefix ? `${prefix}.${k}` : k;
  if (Array.isArray(v)) return v.length > 0 && typeof v[0] === 'object' ? keysDeep(v[0] as Obj, `${path}[]`) : [path];
  return typeof v === 'object' && v !== null ? keysDeep(v as Obj, path) : [path];
});

test('config: defaults render the seed cloud; bad values are refused with the field named', () => {
  const ok = configSchema.parse({});
  assert.equal(ok.jenkins.cloud.frameworkName, 'Jenkins Scheduler');
  assert.equal(ok.jenkins.cloud.maxExecutors, 1);
  const bad = (cloud: Obj) => {
    const r = configSchema.safeParse({ jenkins: { cloud } });
    assert.equal(r.success, false, JSON.stringify(cloud));
    return r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? '';
  };
  assert.match(bad({ networking: 'host' }), /jenkins\.cloud\.networking/);
  assert.match(bad({ minExecutors: 3, maxExecutors: 1 }), /jenkins\.cloud\.minExecutors: minExecutors must not exceed maxExecutors/);
  assert.match(bad({ frameworkName: 'x-${JENKINS_ADMIN_PASSWORD}' }), /frameworkName: must not contain "\$\{"/);
  assert.match(bad({ dockerImage: 'image; rm -rf /' }), /dockerImage: must be an image reference/);
  assert.match(bad({ mesosMasterUrl: 'not a url' }), /mesosMasterUrl/);
  assert.match(bad({ cpu: 1 }), /Unrecognized key/i, 'a typo is an error, not a silent default');
});

test('the rendered cloud uses exactly the plugin 2.x keys and value types of its own configuration.yaml', () => {
  const { cloud, missing } = desiredCloud(configSchema.parse({}).jenkins.cloud, defaults);
  assert.deepEqual(missing, []);
  const upstream = cloudsOf(fixture('jcasc_mesos_cloud.test.yaml')).mesos[0] ?? assert.fail('fixture cloud');
  // Every key we render is one the plugin's YAML uses (frameworkId only when pinned); none it needs is missing.
  assert.deepEqual(keysDeep(cloud).sort(), keysDeep(upstream).sort());
  const t = (cloud.mesosAgentSpecTemplates as Obj[])[0]!;
  const u = (upstream.mesosAgentSpecTemplates as Obj[])[0]!;
  for (const k of ['cpus', 'mem', 'disk', 'idleTerminationMinutes', 'maxExecutors', 'mode']) assert.equal(typeof t[k], typeof u[k], k);
  assert.deepEqual([t.cpus, t.mem, t.disk], ['0.2', '512', '0.0']);
});

test('plugin 1.x fields are explained, never rendered; a missing master or Jenkins URL is named', () => {
  const c = configSchema.parse({ jenkins: { cloud: { onDemandRegistration: false, executorCpus: 0.2, executorMemMb: 0.2, nativeLibraryPath: '/usr/lib/libmesos.so' } } }).jenkins.cloud;
  const { cloud, notes } = desiredCloud(c, defaults);
  assert.equal(notes.length, 3);
  assert.doesNotMatch(JSON.stringify(cloud), /executorCpus|executorMem|onDemand|nativeLibrary|libmesos/i);
  const { missing } = desiredCloud(c, { label: 'mesos', cpus: 0.2, memMb: 512, idleTerminationMinutes: 3 });
  assert.deepEqual(missing, ['`jenkins.cloud.mesosMasterUrl` (or `cluster.mesos.urls`)', '`jenkins.cloud.jenkinsUrl` (or `cluster.jenkins.url`)']);
});

test('diff: numbers compare as numbers, templates by label, Jenkins-only fields are not changes', () => {
  const { cloud } = desiredCloud(configSchema.parse({}).jenkins.cloud, defaults);
  const exported = structuredClone(cloud) as Obj;
  const t = (exported.mesosAgentSpecTemplates as Obj[])[0]!;
  Object.assign(t, { cpus: 0.2, mem: 512, disk: 0 }); // the export writes the getters' numbers
  exported.frameworkId = 'generated-by-jenkins';
  assert.deepEqual(diffCloud(exported, cloud), []);
  (exported.mesosAgentSpecTemplates as Obj[]).push({ label: 'windows' });
  t.mem = 256;
  assert.deepEqual(diffCloud(exported, cloud), [
    { path: 'mesosAgentSpecTemplates[mesos].mem', was: '256', now: '512' },
    { path: 'mesosAgentSpecTemplates[windows]', was: 'template', now: undefined },
  ]);
  assert.equal(diffCloud(undefined, cloud).length > 10, true, 'no current cloud: every field is new');
});

test('the applied document keeps the other clouds and Jenkins\' framework id', () => {
  const { cloud } = desiredCloud(configSchema.parse({}).jenkins.cloud, defaults);
  const doc = parse(cascDocument(cloud, { frameworkId: 'fw-1' }, [{ docker: { name: 'd' } }])) as { jenkins: { clouds: Obj[] } };
  assert.deepEqual(doc.jenkins.clouds[0], { docker: { name: 'd' } });
  assert.equal((doc.jenkins.clouds[1]!.mesos as Obj).frameworkId, 'fw-1');
});

test('simulator: configuration-as-code accepts the plugin\'s own files and the bot\'s document, refuses unknown keys', () => {
  const sim = new Simulation(withDefaults({}), createState());
  try {
    assert.deepEqual(sim.jenkinsCasc.check(fixture('jcasc_mesos_cloud.test.yaml')), []);
    assert.deepEqual(sim.jenkinsCasc.check(fixture('jcasc_mesos_cloud.dcos-testing.yaml')), []);
    const { cloud } = desiredCloud(configSchema.parse({}).jenkins.cloud, defaults);
    assert.deepEqual(sim.jenkinsCasc.check(cascDocument(cloud, undefined, [])), []);
    const [w] = sim.jenkinsCasc.check('jenkins:\n  clouds:\n    - mesos:\n        slaveCpus: "0.2"\n');
    assert.match(w?.warning ?? '', /Invalid configuration elements for type class org\.jenkinsci\.plugins\.mesos\.MesosCloud : slaveCpus/);
    // `${VAR:-default}` expands to the default, as the plugin's files rely on.
    sim.jenkinsCasc.apply(fixture('jcasc_mesos_cloud.test.yaml'));
    assert.equal(cloudsOf(sim.jenkinsCasc.export()).mesos[0]?.mesosMasterUrl, 'http://leader.mesos:5050');
  } finally {
    void sim.stop();
  }
});

test('idle termination defaults to jenkins.idleTerminationMinutes (what /ci smoke expects), in whole minutes', () => {
  const c = configSchema.parse({ jenkins: { idleTerminationMinutes: 2.5 } });
  const t = (desiredCloud(c.jenkins.cloud, { ...defaults, idleTerminationMinutes: c.jenkins.idleTerminationMinutes }).cloud.mesosAgentSpecTemplates as Obj[])[0]!;
  assert.equal(t.idleTerminationMinutes, 3);
  const own = configSchema.parse({ jenkins: { cloud: { idleTerminationMinutes: 0 } } }).jenkins.cloud;
  assert.equal((desiredCloud(own, defaults).cloud.mesosAgentSpecTemplates as Obj[])[0]!.idleTerminationMinutes, 0, '0 (never) when set so');
});
