/**
 * The simulator's Jenkins honours `?tree=` (what the digest's root read relies on): the tree parser and filter,
 * and the real client reading the status tree from the in-process simulator after builds ran.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JenkinsClient } from '../../../src/clients/jenkins/client.ts';
import { readJenkinsStatus } from '../../../src/clients/jenkins/read-status.ts';
import { STATUS_ROOT_TREE } from '../../../src/clients/jenkins/schemas.ts';
import { UpstreamError } from '../../../src/core/errors.ts';
import { parseTree, pickTree, TreeSyntaxError } from '../../../src/playground/simulator/jenkins-tree.ts';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';

describe('tree filter', () => {
  const root = {
    _class: 'hudson.model.Hudson', mode: 'NORMAL',
    jobs: [{ _class: 'P', name: 'a', color: 'blue', builds: [{ _class: 'B', number: 3, result: null, url: 'u3' }, { _class: 'B', number: 2, result: 'SUCCESS', url: 'u2' }, { _class: 'B', number: 1, result: 'FAILURE', url: 'u1' }] }],
  };
  test('keeps the named fields and _class at every depth; ranges slice arrays', () => {
    assert.deepEqual(pickTree(root, parseTree('jobs[name,builds[number,result]{0,2}]')), {
      _class: 'hudson.model.Hudson',
      jobs: [{ _class: 'P', name: 'a', builds: [{ _class: 'B', number: 3, result: null }, { _class: 'B', number: 2, result: 'SUCCESS' }] }],
    });
    const numbers = (tree: string) => ((pickTree(root, parseTree(tree)) as typeof root).jobs[0]?.builds ?? []).map((b) => b.number);
    assert.deepEqual(numbers('jobs[builds[number]{1,}]'), [2, 1]);
    assert.deepEqual(numbers('jobs[builds[number]{,1}]'), [3]);
    assert.deepEqual(numbers('jobs[builds[number]{2}]'), [1]);
    assert.deepEqual(pickTree(root, parseTree('jobs,mode')), { _class: 'hudson.model.Hudson', mode: 'NORMAL', jobs: [{ _class: 'P' }] }, 'an object without a sub-tree: _class only');
  });
  test('malformed trees are refused', () => {
    for (const bad of ['jobs[name', 'jobs[name]]', 'jobs{x}', '', 'jobs[,]']) assert.throws(() => parseTree(bad), TreeSyntaxError, bad);
  });
});

describe('simulated Jenkins with the status tree', () => {
  let s: RunningSimulator;
  let jenkins: JenkinsClient;
  before(async () => {
    s = await startSimulator({ timeScale: 100, buildDurationMs: 5000 });
    jenkins = new JenkinsClient({ url: s.urls.jenkins, username: 'admin', apiToken: 'sim-token', timeoutMs: 2000, retryBaseMs: 5 });
    await waitFor(() => s.sim.jenkins.up, { what: 'jenkins up' });
  });
  after(async () => {
    await jenkins.close();
    await s.stop();
  });

  test('builds come back with number, result, timestamp, duration and building, as the simulator ran them', async () => {
    const j = s.sim.jenkins;
    j.setBuildResult('FAILURE', 'job-1');
    j.setBuildDuration(20_000, 'job-3');
    for (const job of ['job-1', 'job-1', 'job-3']) await jenkins.triggerBuild(job);
    await waitFor(() => ['job-1', 'job-3'].every((n) => (j.jobs.get(n)?.builds ?? []).some((b) => !b.building)), { deadlineMs: 5000, what: 'builds to finish' });
    const root = await jenkins.root({ tree: STATUS_ROOT_TREE });
    for (const job of root.jobs ?? []) {
      const sim = j.jobs.get(job.name)!.builds;
      assert.deepEqual(job.builds, sim.map((b) => ({ _class: 'hudson.model.FreeStyleBuild', number: b.number, result: b.result, timestamp: b.timestamp, duration: b.duration, building: b.building })), job.name);
    }
    assert.ok(root.jobs?.find((x) => x.name === 'job-1')?.builds?.some((b) => b.result === 'FAILURE'));
    assert.equal(root.mode, undefined, 'fields outside the tree are left out');
    await assert.rejects(jenkins.root({ tree: 'jobs[' }), (e: unknown) => e instanceof UpstreamError && e.status === 400);
  });

  test('the status read behind /ci status and digests asks for the builds tree: its view carries the builds run', async () => {
    const view = await readJenkinsStatus(jenkins, s.urls.jenkins, { signal: AbortSignal.timeout(5000), mesosLabel: 'mesos' });
    const ran = [...s.sim.jenkins.jobs.values()].flatMap((job) => job.builds.filter((b) => !b.building).map((b) => `${job.name}#${b.number} ${b.result}`)).sort();
    assert.ok(ran.length >= 3, 'the previous test ran builds');
    assert.deepEqual(view.recentBuilds?.finished.map((b) => `${b.job}#${b.number} ${b.result}`).sort(), ran);
  });
});
