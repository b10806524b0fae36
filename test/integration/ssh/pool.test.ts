/**
 * The SSH pool against real sshd test hosts: reuse, host keys (R11), auth failure, connect timeout and keepalive
 * (R9), a session killed mid-step (R8), AbortSignal, output bound, bastion.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHosts, startControlStub, type TestHosts, type ControlStub } from '../../support/ssh-hosts/index.ts';
import { waitFor } from '../../support/ports.ts';
import { HostKeyChecker } from '../../../src/ssh/host-keys.ts';
import { MemoryPinStore } from '../../../src/ssh/pin-store.ts';
import { parseKnownHosts } from '../../../src/ssh/known-hosts.ts';
import { PermanentError, UpstreamError } from '../../../src/core/errors.ts';
import { poolFor, targetOf } from './helpers.ts';
import { within } from '../../support/deadline.ts';

let th: TestHosts;
let stub: ControlStub;

before(async () => {
  stub = await startControlStub();
  th = await startTestHosts({ names: ['a', 'b', 'c', 'd'], simulatorControlUrl: stub.url });
});
after(async () => {
  await th?.stop();
  await stub?.stop();
});

function signalAll(pids: number[], sig: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

describe('pool', () => {
  test('one connection per host, reused across commands', async () => {
    const pool = poolFor(th);
    try {
      const t = targetOf(th.get('a'));
      const c1 = await pool.client(t);
      const r1 = await pool.exec(t, { script: 'echo one' });
      const r2 = await pool.exec(t, { script: 'echo "$GREETING"', env: { GREETING: "it's me" } });
      assert.equal(await pool.client(t), c1);
      assert.equal(r1.stdout, 'one\n');
      assert.equal(r2.stdout, "it's me\n");
      assert.equal(th.get('a').sessionPids().length, 1, 'a single sshd session serves both commands');
      assert.equal(pool.size, 1);
    } finally {
      pool.close();
    }
  });

  test('sudo: the constant remote command becomes `sudo -n bash -s`', async () => {
    const pool = poolFor(th);
    try {
      const script = 'printf "%s:%s" "${SUDO_USER:-none}" "$(id -u)"';
      const plain = await pool.exec(targetOf(th.get('a')), { script });
      const sudo = await pool.exec(targetOf(th.get('a'), { sudo: true }), { script });
      assert.equal(plain.stdout, 'none:0');
      assert.equal(sudo.stdout, 'root:0', 'ran through sudo');
    } finally {
      pool.close();
    }
  });

  test('handshakes are capped', async () => {
    const pool = poolFor(th, { maxHandshakes: 2 });
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, pool.handshakesInFlight)), 1);
    try {
      await Promise.all(th.hosts.map((h) => pool.exec(targetOf(h), { script: 'true' })));
      assert.ok(peak <= 2, `peak ${peak}`);
      assert.equal(pool.size, 4);
    } finally {
      clearInterval(timer);
      pool.close();
    }
  });

  test('output is captured with a size bound, keeping the tail', async () => {
    const pool = poolFor(th);
    try {
      const r = await pool.exec(targetOf(th.get('a')), { script: 'seq 1 300000', maxOutputBytes: 64 * 1024 });
      assert.equal(r.truncated, true);
      assert.ok(r.stdout.length <= 64 * 1024);
      assert.ok(r.stdout.endsWith('299999\n300000\n'));
    } finally {
      pool.close();
    }
  });

  test('a bastion carries the connection (forwardOut), both host keys checked', async () => {
    const pool = poolFor(th);
    try {
      const t = targetOf(th.get('c'), { bastion: targetOf(th.get('b')) });
      const r = await pool.exec(t, { script: 'echo via-bastion' });
      assert.equal(r.stdout, 'via-bastion\n');
      assert.equal(pool.size, 2, 'the bastion connection is pooled too');
      assert.equal(th.get('b').sessionPids().length, 1, 'the bastion holds a session carrying the forward');
      const bad = targetOf(th.get('c'), { bastion: targetOf(th.get('b'), { name: 'b2', hostKeys: [] }) });
      await assert.rejects(pool.exec({ ...bad, name: 'c2' }, { script: 'true' }), { code: 'host_key' });
    } finally {
      pool.close();
    }
  });
});

describe('host keys (R11)', () => {
  test('unknown key: refused before authentication, fingerprint and trust-host shown, nothing pinned', async () => {
    const pins = new MemoryPinStore();
    const pool = poolFor(th, { hostKeys: new HostKeyChecker({ pins }) });
    const h = th.get('d');
    const callsBefore = h.calls().length;
    const logBefore = h.output().length;
    try {
      await assert.rejects(pool.exec(targetOf(h, { hostKeys: [] }), { script: 'systemctl start evil' }), (err: unknown) => {
        assert.ok(err instanceof PermanentError);
        assert.equal(err.code, 'host_key');
        assert.ok(err.message.includes(`/ci trust-host d ${h.hostKeyFingerprint}`), err.message);
        return true;
      });
      assert.equal(h.calls().length, callsBefore, 'no command ran');
      assert.doesNotMatch(h.output().slice(logBefore), /Accepted publickey/, 'it never even authenticated');
      assert.deepEqual(await pins.get('d'), []);
      await pins.add('d', h.hostKeyFingerprint);
      const r = await pool.exec(targetOf(h, { hostKeys: [] }), { script: 'echo pinned' });
      assert.equal(r.stdout, 'pinned\n');
    } finally {
      pool.close();
    }
  });

  test('changed key: refused with both fingerprints', async () => {
    const pool = poolFor(th);
    const wrong = th.get('a').hostKeyFingerprint;
    try {
      await assert.rejects(pool.exec(targetOf(th.get('b'), { hostKeys: [wrong] }), { script: 'true' }), (err: Error) =>
        /CHANGED/.test(err.message) && err.message.includes(wrong) && err.message.includes(th.get('b').hostKeyFingerprint));
    } finally {
      pool.close();
    }
  });

  test('a hashed known_hosts with [host]:port entries is accepted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ci-bot-kh-'));
    const h = th.get('c');
    try {
      const file = join(dir, 'known_hosts');
      const pub = execFileSync('ssh-keyscan', ['-p', String(h.port), '-t', 'ed25519', h.address], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      writeFileSync(file, pub);
      execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^\|1\|/m);
      const pool = poolFor(th, { hostKeys: new HostKeyChecker({ pins: new MemoryPinStore(), knownHosts: parseKnownHosts(text) }) });
      try {
        const r = await pool.exec(targetOf(h, { hostKeys: [] }), { script: 'echo known' });
        assert.equal(r.stdout, 'known\n');
      } finally {
        pool.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a refused client key is a permanent auth error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ci-bot-key-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const pool = poolFor(th, { auth: { privateKey: readFileSync(join(dir, 'k')) } });
      await assert.rejects(pool.exec(targetOf(th.get('a')), { script: 'true' }), (err: unknown) =>
        err instanceof PermanentError && err.code === 'ssh' && /authentication/.test(err.message));
      pool.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('faults (R8, R9)', () => {
  test('connect to a hung (SIGSTOPped) sshd fails within the connect timeout', async () => {
    const h = th.get('d');
    const pool = poolFor(th, { connectTimeoutMs: 1500 });
    process.kill(h.pid, 'SIGSTOP');
    try {
      // A stopped sshd never sends its banner: only the connect timeout can end this (the deadline is only for a hang).
      await assert.rejects(within(pool.exec(targetOf(h), { script: 'true' }), 30_000, 'exec on a hung host'), (err: unknown) =>
        err instanceof UpstreamError && err.failure === 'timeout' && err.transient);
    } finally {
      process.kill(h.pid, 'SIGCONT');
      pool.close();
    }
  });

  test('a half-dead peer (session SIGSTOPped) is detected by keepalive; the next use reconnects', async () => {
    const h = th.get('c');
    const pool = poolFor(th, { keepaliveIntervalMs: 500, keepaliveCountMax: 3 });
    const t = targetOf(h);
    await pool.exec(t, { script: 'true' });
    const session = h.descendants();
    const running = pool.exec(t, { script: 'echo started; sleep 60' });
    await waitFor(() => h.descendants().length > session.length, { what: 'command running' });
    const stopped = h.descendants();
    signalAll(stopped, 'SIGSTOP');
    try {
      // `sleep 60` would end the command only after a minute: a keepalive error before the deadline is the detection.
      await assert.rejects(within(running, 30_000, 'the command on a half-dead peer'), (err: unknown) =>
        err instanceof UpstreamError && err.transient && /Keepalive|connection lost/i.test(err.message));
    } finally {
      signalAll(stopped, 'SIGCONT');
      signalAll(stopped, 'SIGKILL');
    }
    const again = await pool.exec(t, { script: 'echo back' });
    assert.equal(again.stdout, 'back\n');
    pool.close();
  });

  test('sshd session killed mid-step: clear transient failure, other hosts unaffected, a retry works', async () => {
    const pool = poolFor(th);
    const a = th.get('a');
    const b = th.get('b');
    try {
      await pool.exec(targetOf(a), { script: 'true' });
      const sessions = a.sessionPids();
      assert.equal(sessions.length, 1);
      const victim = pool.exec(targetOf(a), { script: 'echo "::step install packages"; sleep 30' });
      const bystander = pool.exec(targetOf(b), { script: 'sleep 1; echo fine' });
      await waitFor(() => a.descendants().some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')), { what: 'step running' });
      process.kill(sessions[0]!, 'SIGKILL');
      await assert.rejects(victim, (err: unknown) => {
        assert.ok(err instanceof UpstreamError, String(err));
        assert.equal(err.transient, true);
        assert.match(err.message, /connection lost mid-command/);
        return true;
      });
      assert.equal((await bystander).stdout, 'fine\n');
      const retry = await pool.exec(targetOf(a), { script: 'echo retried' });
      assert.equal(retry.stdout, 'retried\n');
    } finally {
      pool.close();
    }
  });

  test('AbortSignal ends the remote command', async () => {
    const pool = poolFor(th);
    const b = th.get('b');
    try {
      const ctl = new AbortController();
      const run = pool.exec(targetOf(b), { script: 'echo started; sleep 120; echo never', signal: ctl.signal });
      const sleeping = () => b.descendants().filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\u0000120');
        } catch {
          return false;
        }
      });
      await waitFor(() => sleeping().length > 0, { what: 'remote sleep' });
      ctl.abort(new DOMException('cancelled', 'AbortError'));
      await assert.rejects(run, { name: 'AbortError' });
      await waitFor(() => sleeping().length === 0, { deadlineMs: 5000, what: 'remote sleep to end' });
    } finally {
      pool.close();
    }
  });
});
