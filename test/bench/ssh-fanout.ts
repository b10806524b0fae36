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
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHosts, type TestHost } from '../support/ssh-hosts/index.ts';
import { SshPool } from '../../src/ssh/pool.ts';
import { HostKeyChecker } from '../../src/ssh/host-keys.ts';
import { MemoryPinStore } from '../../src/ssh/pin-store.ts';
import { RecipeRunner } from '../../src/ssh/recipe-runner.ts';
import { ANSIBLE_MISSING, ansible, ansibleVersion, bareSsh2, script, STEPS, timed } from './support/fanout.ts';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--hosts') + 1] ?? 50) || 50;

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

async function main(): Promise<void> {
  console.log(`P2: ${STEPS}-step recipe on ${N} loopback sshd hosts`);
  const th = await startTestHosts({ names: Array.from({ length: N }, (_, i) => `h${i + 1}`), simulatorControlUrl: 'http://127.0.0.1:9' });
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-p2-'));
  try {
    const key = th.clientKey.privateKey;
    const floor = await timed('bare ssh2 (floor)', () => bareSsh2(th.hosts, key));
    const ours = await timed('ci-bot runner (pool + recipe runner)', () => ciBot(th.hosts, key));
    const out: Record<string, number> = { floor, ours };
    const version = ansibleVersion();
    if (!version && !args.includes('--no-ansible')) console.log(ANSIBLE_MISSING);
    if (version && !args.includes('--no-ansible')) {
      console.log(version);
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
