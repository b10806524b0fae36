import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleResolver, type RoleGrants } from '../../src/slack/rbac.ts';
import { within } from '../support/deadline.ts';

class FakeClock {
  t = 1_000_000;
  now = () => this.t;
}

const grants: RoleGrants = { default: 'viewer', admins: ['UADMIN'], operators: ['SOPS'], viewers: [], usergroupCacheTtlMs: 60_000 };

test('roles by user id, by user group, and the default', async () => {
  const calls: string[] = [];
  const rbac = new RoleResolver({
    grants, clock: new FakeClock(),
    listGroupMembers: async (id) => (calls.push(id), id === 'SOPS' ? ['UOPS1'] : []),
  });
  assert.equal(await rbac.roleOf('UADMIN'), 'admin');
  assert.equal(await rbac.roleOf('UOPS1'), 'operator');
  assert.equal(await rbac.roleOf('USOMEONE'), 'viewer');
  assert.deepEqual(calls, ['SOPS'], 'group members are cached');
});

test('the group cache expires; a failed look-up grants nothing new and keeps the stale list', async () => {
  const clock = new FakeClock();
  let members = ['UOPS1'];
  let fail = false;
  const errors: string[] = [];
  const rbac = new RoleResolver({
    grants, clock,
    listGroupMembers: async () => {
      if (fail) throw new Error('ratelimited');
      return members;
    },
    onLookupError: (g) => errors.push(g),
  });
  assert.equal(await rbac.roleOf('UOPS1'), 'operator');
  members = ['UOPS2'];
  assert.equal(await rbac.roleOf('UOPS2'), 'viewer', 'still cached');
  clock.t += 60_001;
  assert.equal(await rbac.roleOf('UOPS2'), 'operator', 'refreshed after expiry');
  clock.t += 60_001;
  fail = true;
  assert.equal(await rbac.roleOf('UOPS2'), 'operator', 'stale list kept on failure');
  assert.equal(await rbac.roleOf('UNEW'), 'viewer');
  assert.deepEqual(errors, ['SOPS', 'SOPS']);
});

test('a slow look-up is bounded', async () => {
  const rbac = new RoleResolver({
    grants, clock: new FakeClock(), lookupTimeoutMs: 50,
    listGroupMembers: () => new Promise(() => {}),
  });
  // The look-up never answers: only its own timeout can produce this answer (the deadline is only for a hang).
  assert.equal(await within(rbac.roleOf('UOPS1'), 10_000, 'roleOf'), 'viewer');
});

test('a configured default role above viewer applies to everybody', async () => {
  const rbac = new RoleResolver({ grants: { ...grants, default: 'operator' }, clock: new FakeClock(), listGroupMembers: async () => [] });
  assert.equal(await rbac.roleOf('UANY'), 'operator');
  assert.equal(await rbac.roleOf('UADMIN'), 'admin');
});
