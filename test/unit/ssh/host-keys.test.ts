import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKnownHosts, fingerprintOf, hostFieldMatches, knownHostsName } from '../../../src/ssh/known-hosts.ts';
import { HostKeyChecker, hostKeyError } from '../../../src/ssh/host-keys.ts';
import { MemoryPinStore, FINGERPRINT } from '../../../src/ssh/pin-store.ts';
import { PermanentError } from '../../../src/core/errors.ts';

/** A real ed25519 public key from ssh-keygen, with its fingerprint as ssh-keygen prints it. */
function realKey(): { type: string; blob: Buffer; b64: string; fp: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-hk-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    const [type, b64] = readFileSync(join(dir, 'k.pub'), 'utf8').split(' ') as [string, string];
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1]!;
    return { type, blob: Buffer.from(b64, 'base64'), b64, fp };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const a = realKey();
const b = realKey();
const target = { name: 'slave2', address: '10.0.0.3', port: 2222, user: 'root' };

describe('fingerprints and known_hosts', () => {
  test('fingerprintOf matches ssh-keygen -l', () => {
    assert.equal(fingerprintOf(a.blob), a.fp);
    assert.match(a.fp, FINGERPRINT);
  });

  test('hashed entries and [host]:port forms match only their host and port', () => {
    assert.equal(knownHostsName('10.0.0.3', 22), '10.0.0.3');
    assert.equal(knownHostsName('10.0.0.3', 2222), '[10.0.0.3]:2222');
    const field = hashed('[10.0.0.3]:2222');
    assert.ok(hostFieldMatches(field, '[10.0.0.3]:2222'));
    assert.ok(!hostFieldMatches(field, '10.0.0.3'));
    assert.ok(!hostFieldMatches(field, '[10.0.0.3]:22'));
    assert.ok(hostFieldMatches('slave1,[10.0.0.3]:2222', '[10.0.0.3]:2222'));
    assert.ok(!hostFieldMatches('10.0.0.*,!10.0.0.3', '10.0.0.3'));
    assert.ok(hostFieldMatches('10.0.0.*', '10.0.0.4'));
  });

  test('ssh-keygen -H output (real hashing) is understood', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ci-bot-kh-'));
    try {
      const file = join(dir, 'known_hosts');
      (await import('node:fs')).writeFileSync(file, `[10.0.0.3]:2222 ${a.type} ${a.b64}\n`);
      execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^\|1\|/);
      const checker = new HostKeyChecker({ pins: new MemoryPinStore(), knownHosts: parseKnownHosts(text) });
      assert.deepEqual(await checker.check(target, a.blob), { ok: true, fingerprint: a.fp });
      const other = await checker.check({ ...target, port: 22 }, a.blob);
      assert.equal(other.ok, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HostKeyChecker (R11)', () => {
  test('a pinned key is accepted', async () => {
    const c = new HostKeyChecker({ pins: new MemoryPinStore() });
    assert.equal((await c.check({ ...target, hostKeys: [a.fp] }, a.blob)).ok, true);
  });

  test('an unknown key is refused, with the fingerprint and the trust-host command', async () => {
    const c = new HostKeyChecker({ pins: new MemoryPinStore() });
    const v = await c.check(target, a.blob);
    assert.deepEqual(v, { ok: false, fingerprint: a.fp, reason: 'unknown', expected: [] });
    if (v.ok) return;
    const err = hostKeyError(target, v);
    assert.ok(err instanceof PermanentError);
    assert.equal(err.code, 'host_key');
    assert.ok(err.message.includes(`/ci trust-host slave2 ${a.fp}`));
  });

  test('a changed key is refused naming both fingerprints', async () => {
    const c = new HostKeyChecker({ pins: new MemoryPinStore() });
    const v = await c.check({ ...target, hostKeys: [a.fp] }, b.blob);
    assert.equal(v.ok, false);
    if (v.ok) return;
    assert.equal(v.reason, 'changed');
    const msg = hostKeyError(target, v).message;
    assert.ok(msg.includes(a.fp) && msg.includes(b.fp) && /CHANGED/.test(msg));
  });

  test('pins added through the store count; nothing is pinned by checking', async () => {
    const pins = new MemoryPinStore();
    const c = new HostKeyChecker({ pins });
    assert.equal((await c.check(target, a.blob)).ok, false);
    assert.deepEqual(await pins.get('slave2'), [], 'a refused key is never pinned automatically');
    await pins.add('slave2', a.fp);
    assert.equal((await c.check(target, a.blob)).ok, true);
    assert.equal((await c.check({ ...target, name: 'slave1' }, a.blob)).ok, false);
  });

  test('@revoked in known_hosts wins over a pin', async () => {
    const known = parseKnownHosts(`@revoked [10.0.0.3]:2222 ${a.type} ${a.b64}\n`);
    const c = new HostKeyChecker({ pins: new MemoryPinStore(), knownHosts: known });
    const v = await c.check({ ...target, hostKeys: [a.fp] }, a.blob);
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.reason, 'revoked');
  });
});
