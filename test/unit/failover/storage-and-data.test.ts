/**
 * Where JENKINS_HOME lives (from the app definition) and whether it came along after a move (before/after
 * fingerprints), per shared/reference/JENKINS-ON-MARATHON.md sections 1 and 6.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../support/fixtures-dir.ts';
import { describeStorage, storageModeOf, type AppStorageView } from '../../../src/cluster/storage-mode.ts';
import { compareFingerprints } from '../../../src/cluster/failover/data-check.ts';

const pluginSample = JSON.parse(readFileSync(join(FIXTURES, 'marathon/app_definitions/jenkins.mesos-plugin-dcos-testing.json'), 'utf8')) as AppStorageView;
const withVolume = (volume: Record<string, unknown>, extra: Partial<AppStorageView> = {}): AppStorageView => ({ container: { volumes: [{ containerPath: '/var/jenkins_home', ...volume }] }, ...extra });

describe('JENKINS_HOME storage mode from the Marathon app definition', () => {
  test("the Mesos plugin's own sample (hostPath /tmp/jenkins, only an os UNLIKE constraint) loses its data on a move", () => {
    const mode = storageModeOf(pluginSample);
    assert.deepEqual(mode, { kind: 'host-path', hostPath: '/tmp/jenkins', safe: false });
    assert.match(describeStorage(mode), /stay behind/);
  });

  test('a hostname CLUSTER / IS / literal LIKE constraint pins it; a LIKE pattern or UNIQUE does not', () => {
    for (const op of ['CLUSTER', 'IS', 'LIKE']) {
      assert.equal(storageModeOf(withVolume({ hostPath: '/srv/jenkins' }, { constraints: [['hostname', op, 'slave1']] })).kind, 'host-path-pinned', op);
    }
    assert.equal(storageModeOf(withVolume({ hostPath: '/srv/jenkins' }, { constraints: [['hostname', 'LIKE', 'slave[12]']] })).kind, 'host-path');
    assert.equal(storageModeOf(withVolume({ hostPath: '/srv/jenkins' }, { constraints: [['hostname', 'UNIQUE']] })).kind, 'host-path');
  });

  test('persistent and external volumes are safe; no volume for JENKINS_HOME (or one for another path) is not', () => {
    assert.equal(storageModeOf(withVolume({ persistent: { size: 1024 } })).safe, true);
    assert.equal(storageModeOf(withVolume({ external: { name: 'jenkins', provider: 'dvdi' } })).kind, 'external');
    assert.equal(storageModeOf({}).kind, 'container');
    assert.equal(storageModeOf({ env: { JENKINS_HOME: '/data/jenkins' }, ...withVolume({ hostPath: '/x' }) }).kind, 'container');
    assert.equal(storageModeOf({ env: { JENKINS_HOME: '/data/jenkins/' }, container: { volumes: [{ containerPath: '/data/jenkins', hostPath: '/x' }] } }).kind, 'host-path');
  });
});

const hostPathMode = { kind: 'host-path', hostPath: '/tmp/jenkins', safe: false } as const;

describe('did JENKINS_HOME come along', () => {
  const before = { jobCount: 37, jobsHash: 'c1', identity: 'MIIB-old' };
  test('fewer jobs after a move to a host path: NOT, with the reason and the old host', () => {
    const v = compareFingerprints(before, { jobCount: 0, identity: 'MIIB-new' }, { kind: 'host-path', hostPath: '/tmp/jenkins', safe: false }, 'slave1');
    assert.equal(v.cameAlong, false);
    assert.equal(v.text, 'JENKINS_HOME did NOT come along: 0 of 37 jobs, new instance identity — it is a host path on slave1');
  });

  test('same jobs, same identity: came along; a new identity alone is enough to say it did not', () => {
    assert.equal(compareFingerprints(before, { ...before }).cameAlong, true);
    assert.match(compareFingerprints(before, { ...before }).text, /came along: 37 of 37 jobs$/);
    assert.equal(compareFingerprints(before, { ...before, identity: 'MIIB-new' }).cameAlong, false);
    assert.equal(compareFingerprints(before, { jobCount: 37 }).cameAlong, true, 'no identity header after: judged on jobs');
    const other = { jobCount: 40, jobsHash: 'c2' };
    assert.equal(compareFingerprints(before, other).cameAlong, true, 'in place, a changed job list is later edits');
    assert.equal(compareFingerprints(before, other, hostPathMode, 'slave1', true).cameAlong, false, 'after a move it is another home');
  });

  test('without a reading from before, it says it could not check instead of guessing', () => {
    const v = compareFingerprints(undefined, before);
    assert.equal(v.cameAlong, undefined);
    assert.match(v.text, /not checked/);
  });
});
