/**
 * The Jenkins files a fresh clone ships: the Marathon template in config/ renders into a deployable app with the
 * default config, and every `config/…`, `dockerfiles/…` or `commands/…` path the README and the Dockerfiles name
 * exists (the master Dockerfile once named a config/marathon-jenkins.json that was not there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.ts';
import { renderJenkinsApp } from '../../src/features/jenkins/deploy-template.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

test('config/marathon-jenkins.json renders with the default config: host network, JENKINS_HOME volume, MESOS_HTTP /login, upgradeStrategy {0,0}', () => {
  const { app, image, warnings } = renderJenkinsApp(configSchema.parse({}), fileURLToPath(root));
  assert.equal(app.id, '/jenkins');
  assert.equal(image, 'ci-bot/jenkins-master:2.289.3-jdk11');
  assert.deepEqual(app.upgradeStrategy, { minimumHealthCapacity: 0, maximumOverCapacity: 0 });
  assert.deepEqual(warnings.map((w) => w.split(':')[0]), ['no hostname constraint'], 'only the host-path warning: the template is otherwise as the reference says');
  const master = read('dockerfiles/jenkins-master/Dockerfile');
  assert.ok(master.includes(image.split(':')[0]!) && master.includes(`FROM jenkins/jenkins:2.289.3-lts-jdk11`), 'the template names the image the Dockerfile builds');
});

test('the seed\'s 0.2 cpu / 256 MB is allowed but warned about; below 256 MB and a non-zero upgradeStrategy are refused', () => {
  const seed = renderJenkinsApp(configSchema.parse({ deploy: { jenkins: { cpus: 0.2, memMb: 256, pinHost: 'slave1' } } }), fileURLToPath(root));
  assert.deepEqual(seed.app.constraints, [['hostname', 'CLUSTER', 'slave1']]);
  assert.ok(seed.warnings.some((w) => w.startsWith("0.2 cpu / 256 MB (the seed's 0.2 / 256) works, but 256 MB is Jenkins' bare minimum")), seed.warnings.join('\n'));
  assert.ok(!seed.warnings.some((w) => w.startsWith('health check grace period')), 'the template\'s 600 s grace fits 256 MB');
  assert.throws(() => renderJenkinsApp(configSchema.parse({ deploy: { jenkins: { memMb: 200 } } }), fileURLToPath(root)), /mem 200 MB: Jenkins needs at least 256 MB/);
  assert.throws(() => renderJenkinsApp(configSchema.parse({ deploy: { jenkins: { template: 'config/missing.json' } } }), fileURLToPath(root)), /Cannot read the Marathon template config\/missing\.json/);
});

test('every config/, dockerfiles/ and commands/ path named in the README and the Dockerfiles exists', () => {
  const sources = ['README.md', 'dockerfiles/jenkins-master/Dockerfile', 'dockerfiles/jenkins-agent/Dockerfile'];
  const named = new Set<string>();
  for (const s of sources) for (const m of read(s).matchAll(/(?<![\w/.-])((?:config|dockerfiles|commands)\/[\w./<>-]*[\w])/g)) named.add(m[1]!);
  const concrete = [...named].filter((p) => !p.includes('<') && !p.endsWith('ci-bot.yaml'));
  assert.ok(concrete.includes('config/marathon-jenkins.json'), `the README names the template: ${concrete.join(', ')}`);
  for (const p of concrete) assert.ok(existsSync(new URL(p, root)), `${p} is named but does not exist`);
});
