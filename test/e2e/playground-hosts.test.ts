/**
 * The demo's local hosts as an ordinary user: the whole tour (setup-master, setup-agent ×2 over real SSH) run by
 * a user who is not root. The test (root) gives that user an /etc/passwd entry in a mount namespace of its own (the
 * machine's files are untouched), drops to it, and runs `ci-bot demo --tour`: sshd runs as that user, each session
 * in an unprivileged user namespace with the host's overlays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

const UID = 4242;
const userNamespaces = spawnSync('unshare', ['--user', '--map-root-user', 'true']).status === 0;

test('as an ordinary user the demo hosts run (sshd as that user, sessions in user namespaces) and the tour sets them up', {
  timeout: 600_000, skip: process.getuid?.() !== 0 ? 'needs root to create the ordinary user for the test' : !userNamespaces && 'no user namespaces here',
}, async () => {
  const home = mkdtempSync(join(tmpdir(), 'ci-bot-user-'));
  chmodSync(home, 0o755);
  spawnSync('chown', [`${UID}:${UID}`, home]);
  // /etc as an overlay whose upper layer adds the user (one mount: files bind-mounted below /etc would be locked
  // submounts, which the hosts' own overlays of /etc in a user namespace refuse).
  const etc = join(home, 'etc-upper');
  const work = join(home, 'etc-work');
  mkdirSync(etc);
  mkdirSync(work);
  writeFileSync(join(etc, 'passwd'), `${readFileSync('/etc/passwd', 'utf8')}cidemo:x:${UID}:${UID}:ci-bot demo:${home}:/bin/bash\n`);
  writeFileSync(join(etc, 'group'), `${readFileSync('/etc/group', 'utf8')}cidemo:x:${UID}:\n`);
  const main = new URL('../../src/main.ts', import.meta.url).pathname;
  const script = [
    'set -e', `mount -t overlay overlay -o lowerdir=/etc,upperdir=${etc},workdir=${work} /etc`,
    `cd ${home}`,
    `exec setpriv --reuid=${UID} --regid=${UID} --clear-groups env HOME=${home} PATH="$PATH" TMPDIR=${home} ${process.execPath} ${main} demo --tour --no-web --time-scale 20`,
  ].join('\n');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script], {
    env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  assert.match(out, /Hosts: master 127\.[\d.]+:\d+, slave1 [\d.]+:\d+, slave2 [\d.]+:\d+ \(real sshd, as cidemo, each session in its own user namespace; host keys pinned\)/);
  assert.match(out, /✅ \+\s*0\.0 s\s+\/ci setup-master master/);
  assert.match(out, /✅ \+\s*\d+\.\d s\s+\/ci setup-agent slave1 slave2/);
  assert.match(out, /slave2 joined as slave2/);
});
