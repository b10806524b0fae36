/**
 * P2's shared pieces: the 20-step shell recipe, the bare ssh2 floor (one connection per host, the script in one
 * exec, no parsing) and Debian's `ansible-playbook` (default: forks 5; tuned: forks 50, pipelining,
 * ControlPersist) over the same steps — used by ssh-fanout.ts (the runner alone) and setup-agent-fanout.ts (the
 * whole path). Ansible is optional: {@link ansibleVersion} says whether it is there, and how to get it if not.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { TestHost } from '../../support/ssh-hosts/index.ts';

export const STEPS = 20;
/** The names of `n` steps (default {@link STEPS}). */
export const namesOf = (n = STEPS) => Array.from({ length: n }, (_, i) => `s${i + 1}`);
const stepNames = namesOf();
/** The steps' bodies: the same in every runner. */
const body = (i: number) => `echo "step ${i + 1} on $(hostname)" >/dev/null`;
const lib = "step() { printf '::step %s\\n' \"$1\"; }\nok() { printf '::ok %s\\n' \"${1:-}\"; }\n";
/** `n` steps as one script, with ci-bot's step markers (the recipe library's `step`/`ok` functions). */
export const stepsScriptOf = (n = STEPS) => `set -eu\n${namesOf(n).map((name, i) => `step '${name}'\n${body(i)}\nok`).join('\n')}\n`;
/** {@link stepsScriptOf} standalone: the marker functions defined first. */
export const scriptOf = (n = STEPS) => `${lib}${stepsScriptOf(n)}`;
export const script = scriptOf();

/**
 * The floor: ssh2 with nothing around it, at most `handshakes` (default 8, as the pool) handshakes at once; each
 * host runs the script as soon as its connection is up, so the execs are spread out by the handshakes.
 * With `together`, every connection is opened first and then all the scripts start at once — the concurrency of
 * ci-bot's warm round (pooled connections, every task taken at once), for a like-for-like per-step comparison.
 * `toRun` is the script (default the {@link STEPS}-step one). Resolves with each host's exec time (script sent →
 * script done), ms.
 */
export async function bareSsh2(hosts: readonly TestHost[], key: Buffer, handshakes = 8, together = false, toRun = script): Promise<number[]> {
  let slots = handshakes;
  const waiters: Array<() => void> = [];
  const acquire = async () => {
    if (slots > 0) return void slots--;
    await new Promise<void>((r) => waiters.push(r));
  };
  const release = () => (waiters.length > 0 ? waiters.shift()!() : void slots++);
  const connect = async (h: TestHost) => {
    await acquire();
    const c = new Client();
    await new Promise<void>((resolve, reject) => {
      c.once('ready', () => resolve()).once('error', reject).connect({ host: h.address, port: h.port, username: 'root', privateKey: key, hostVerifier: () => true });
    }).finally(release);
    return c;
  };
  const run = async (c: Client) => {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      c.exec('bash -s', (err, stream) => {
        if (err) return reject(err);
        stream.on('data', () => undefined).stderr.on('data', () => undefined);
        stream.on('close', (code: number) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
        stream.end(toRun);
      });
    });
    const execMs = performance.now() - t0;
    c.end();
    return execMs;
  };
  if (!together) return Promise.all(hosts.map(async (h) => run(await connect(h))));
  const clients = await Promise.all(hosts.map(connect));
  return Promise.all(clients.map(run));
}

/** `ansible-playbook --version`'s first line, or undefined when it is not installed. */
export function ansibleVersion(): string | undefined {
  const res = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.split('\n')[0]?.trim() : undefined;
}

export const ANSIBLE_MISSING = 'ansible-playbook not installed: skipped (Debian: `sudo apt-get install -y ansible`)';

/** The same steps as a playbook, on `hosts`; rejects after 15 minutes. */
export function ansible(dir: string, hosts: readonly TestHost[], keyPath: string, tuned: boolean): Promise<void> {
  const inv = hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${keyPath}`);
  writeFileSync(join(dir, 'inventory.ini'), `[all]\n${inv.join('\n')}\n`);
  const tasks = stepNames.map((n, i) => `    - name: ${n}\n      ansible.builtin.shell: ${body(i)}`);
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

/** Runs `run`, prints its wall time under `label`, returns it in ms. */
export async function timed(label: string, run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(8)} s`);
  return ms;
}
