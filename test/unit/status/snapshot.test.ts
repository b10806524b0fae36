import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../../src/core/errors.ts';
import { FRAMEWORKS_MAX_TASKS, takeSnapshot } from '../../../src/cluster/snapshot.ts';
import { calls, fakeReader, generatedAgents } from './fake-cluster.ts';
import { within } from '../../support/deadline.ts';

const opts = { jenkinsLabel: 'mesos', now: () => 1 };

describe('takeSnapshot', () => {
  beforeEach(() => void calls.splice(0));

  test('seed cluster: every part read; tasks per agent from frameworks on a small cluster', async () => {
    const s = await takeSnapshot(fakeReader(), opts);
    assert.ok(s.mesos.totals.ok && s.mesos.agents.ok && s.mesos.frameworks.ok && s.jenkins.ok && s.jenkinsApp.ok);
    assert.equal(s.mesos.totals.value.agentsActive, 2);
    assert.deepEqual(s.mesos.agents.value.map((a) => [a.hostname, a.tasks]), [['slave1', 3], ['slave2', 1]]);
    assert.equal(s.jenkins.value.mesosAgents, 1);
    assert.deepEqual(s.jenkins.value.jobs.failing, ['integration']);
    assert.equal(s.jenkinsApp.value.tasks[0]?.host, 'slave1');
    assert.equal(s.zookeeper[0]?.part.ok, true);
  });

  test('each failure is shown with its reason and the rest still reads (R18)', async () => {
    const s = await takeSnapshot(fakeReader({
      fail: {
        jenkins: new UpstreamError('jenkins', 'GET /api/json', { failure: 'auth', status: 401 }),
        marathon: new UpstreamError('marathon', 'GET /v2/apps/jenkins', { failure: 'refused' }),
        zookeeper: new UpstreamError('zookeeper', 'srvr', { failure: 'bad_answer', detail: 'unexpected answer at mode: Required' }),
        slaves: new UpstreamError('mesos', 'GET /master/slaves', { failure: 'http', status: 500 }),
      },
    }), opts);
    assert.deepEqual(!s.jenkins.ok && s.jenkins.reason, { failure: 'auth', text: 'credentials refused (HTTP 401)' });
    assert.deepEqual(!s.jenkinsApp.ok && s.jenkinsApp.reason, { failure: 'refused', text: 'connection refused' });
    const zk = s.zookeeper[0]?.part;
    assert.match(zk && !zk.ok ? zk.reason.text : '', /^bad answer: unexpected answer at mode/);
    assert.deepEqual(!s.mesos.agents.ok && s.mesos.agents.reason, { failure: 'http', text: 'HTTP 500 on GET /master/slaves' });
    assert.ok(s.mesos.totals.ok, 'metrics still read when /master/slaves fails');
  });

  test('a hanging upstream costs only its own timeout; the others answer', async () => {
    // Jenkins never answers: the snapshot can only be complete if the per-upstream timeout ended that read.
    const s = await within(takeSnapshot(fakeReader({ fail: { jenkins: 'hang' }, timeoutMs: 300 }), opts), 30_000, 'the snapshot');
    assert.deepEqual(!s.jenkins.ok && s.jenkins.reason, { failure: 'timeout', text: 'no answer in 0.3 s' });
    assert.ok(s.mesos.totals.ok && s.jenkinsApp.ok);
  });

  test('not configured upstreams say so; a non-upstream error is a bad answer', async () => {
    const r = fakeReader({ fail: { marathon: new Error('boom') } });
    delete r.mesos;
    delete r.jenkins;
    const s = await takeSnapshot(r, opts);
    assert.equal(!s.mesos.totals.ok && s.mesos.totals.reason.failure, 'not_configured');
    assert.match(!s.jenkins.ok ? s.jenkins.reason.text : '', /JENKINS_URL/);
    assert.deepEqual(!s.jenkinsApp.ok && s.jenkinsApp.reason, { failure: 'bad_answer', text: 'unexpected answer (boom)' });
  });

  test('a big cluster never reads /master/frameworks (it carries every task)', async () => {
    const agents = generatedAgents(300);
    assert.ok(agents.reduce((n, a) => n + (a.tasks ?? 0), 0) > FRAMEWORKS_MAX_TASKS);
    const s = await takeSnapshot(fakeReader({ agents }), opts);
    assert.equal(calls.filter((c) => c === 'mesos').length > 0, true);
    assert.equal(!s.mesos.frameworks.ok && s.mesos.frameworks.reason.failure, 'skipped');
    assert.ok(s.mesos.agents.ok && s.mesos.agents.value.every((a) => a.tasks === undefined));
  });
});
