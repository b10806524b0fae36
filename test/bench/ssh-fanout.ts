/**
 * P2 — SSH fan-out: the same 20-step shell recipe on N loopback sshd test hosts (default 50), in one run and on the
 * same hosts: ci-bot's runner (SshPool + RecipeRunner, step markers parsed), a bare ssh2 floor (one connection per
 * host, the script in one exec, no parsing), and Debian's `ansible-playbook` default (forks 5) and tuned (forks 50,
 * pipelining, ControlPersist). Prints wall times and ratios.
 *
 *   node test/bench/ssh-fanout.ts [--hosts 50] [--no-ansible] [--no-ansible-default]
 *
 * Bounded: every ansible run has a 15-minute deadline; all sshd processes are stopped by pid at the end.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { startTestHosts, type TestHost } from '../support/ssh-hosts/index.ts';
import { SshPool } from '../../src/ssh/pool.ts';
import { HostKeyChecker } from '../../src/ssh/host-keys.ts';
import { MemoryPinStore } from '../../src/ssh/pin-store.ts';
import { RecipeRunner } from '../../src/ssh/recipe-runner.ts';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--hosts') + 1] ?? 50) || 50;
const STEPS = 20;
const lib = "step() { printf '::step %s\\n' \"$1\"; }\nok() { printf '::ok %s\\n' \"${1:-}\"; }\n";
const script = `${lib}set -eu\n${Array.from({ length: STEPS }, (_, i) => `step 's${i + 1}'\necho "step ${i + 1} on $(hostname)" >/dev/null\nok`).join('\n')}\n`;

async function timed(label: string, run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(8)} s`);
  return ms;
}

async function ciBot(hosts: TestHost[], key: Buffer): Promise<void> {
  const pool = new SshPool({ auth: { privateKey: key }, hostKeys: new HostKeyChecker({ pins: new MemoryPinStore() }), connectTimeoutMs: 20_000 });
  const runner = new RecipeRunner({ executor: pool });
  try {
    const results = await Promise.all(hosts.map((h) => runner.run({
      target: { name: h.name, address: h.address, port: h.port, user: 'root', hostKeys: [h.hostKeyFingerprint] },
      recipe: { name: 'bench', script, timeoutMs: 120_000 }, env: {},
    })));
    const bad = results.filter((r) => !r.ok || r.steps.length !== STEPS);
    if (bad.length > 0) throw new Error(`${bad.length} hosts failed: ${bad[0]?.outputTail.join(' | ')}`);
  } finally {
    pool.close();
  }
}

/** The floor: ssh2 with nothing around it, at most 8 handshakes at once (as the pool). */
async function bare(hosts: TestHost[], key: Buffer): Promise<void> {
  let slots = 8;
  const waiters: Array<() => void> = [];
  const acquire = async () => {
    if (slots > 0) return void slots--;
    await new Promise<void>((r) => waiters.push(r));
  };
  const release = () => (waiters.length > 0 ? waiters.shift()!() : void slots++);
  await Promise.all(hosts.map(async (h) => {
    await acquire();
    const c = new Client();
    await new Promise<void>((resolve, reject) => {
      c.once('ready', () => resolve()).once('error', reject).connect({ host: h.address, port: h.port, username: 'root', privateKey: key, hostVerifier: () => true });
    }).finally(release);
    await new Promise<void>((resolve, reject) => {
      c.exec('bash -s', (err, stream) => {
        if (err) return reject(err);
        stream.on('data', () => undefined).stderr.on('data', () => undefined);
        stream.on('close', (code: number) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
        stream.end(script);
      });
    });
    c.end();
  }));
}

function ansible(dir: string, hosts: TestHost[], keyPath: string, tuned: boolean): Promise<void> {
  const inv = hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${keyPath}`);
  writeFileSync(join(dir, 'inventory.ini'), `[all]\n${inv.join('\n')}\n`);
  const tasks = Array.from({ length: STEPS }, (_, i) => `    - name: s${i + 1}\n      ansible.builtin.shell: echo "step ${i + 1} on $(hostname)" >/dev/null`);
  writeFileSync(join(dir, 'play.yml'), `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join('\n')}\n`);
  const cp = join(dir, 'cp');
  writeFileSync(join(dir, 'ansible.cfg'), [
    '[defaults]', 'host_key_checking = False', 'interpreter_python = /usr/bin/python3', `forks = ${tuned ? 50 : 5}`, 'retry_files_enabled = False',
    '[ssh_connection]', tuned ? 'pipelining = True' : 'pipelining = False',
    // Default: Ansible's own ssh_args (-C -o ControlMaster=auto -o ControlPersist=60s); tuned: a longer persist.
    ...(tuned ? [`ssh_args = -o ControlMaster=auto -o ControlPersist=300s`, `control_path = ${cp}-%%C`] : []),
  ].join('\n'));
  return new Promise((resolve, reject) => {
    execFile('ansible-playbook', ['-i', join(dir, 'inventory.ini'), join(dir, 'play.yml')], {
      cwd: dir, env: { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), HOME: dir }, timeout: 15 * 60_000, maxBuffer: 64 << 20,
    }, (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout.slice(-2000)}`)) : resolve()));
  });
}

async function main(): Promise<void> {
  console.log(`P2: ${STEPS}-step recipe on ${N} loopback sshd hosts`);
  const th = await startTestHosts({ names: Array.from({ length: N }, (_, i) => `h${i + 1}`), simulatorControlUrl: 'http://127.0.0.1:9' });
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-p2-'));
  try {
    const key = th.clientKey.privateKey;
    const floor = await timed('bare ssh2 (floor)', () => bare(th.hosts, key));
    const ours = await timed('ci-bot runner (pool + recipe runner)', () => ciBot(th.hosts, key));
    const out: Record<string, number> = { floor, ours };
    if (!args.includes('--no-ansible')) {
      out.tuned = await timed('ansible tuned (forks 50, pipelining)', () => ansible(dir, th.hosts, th.clientKey.path, true));
      if (!args.includes('--no-ansible-default')) out.dflt = await timed('ansible default (forks 5)', () => ansible(dir, th.hosts, th.clientKey.path, false));
    }
    console.log(`ci-bot / floor          ${(ours / floor).toFixed(2)}× (target ≤ 2×)`);
    if (out.tuned) console.log(`ci-bot / ansible tuned  ${(ours / out.tuned).toFixed(3)} (target ≤ 0.333)`);
    if (out.dflt) console.log(`ci-bot / ansible dflt   ${(ours / out.dflt).toFixed(3)} (target ≤ 0.1)`);
  } finally {
    await th.stop();
  }
}

await main();
