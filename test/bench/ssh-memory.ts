/**
 * P5 (SSH part) — resident memory of ci-bot's SSH pool holding 100 idle pooled connections. The pool runs in a
 * child process (so the test hosts' bookkeeping is not counted) that prints its RSS before connecting, with every
 * connection open after one command each, and again after a minute-free idle period with keepalives running.
 *
 *   node test/bench/ssh-memory.ts [--hosts 100] [--idle-ms 20000]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestHosts } from '../support/ssh-hosts/index.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);

if (process.env.CI_BOT_P5_CHILD) await child();
else await parent();

async function parent(): Promise<void> {
  const n = opt('--hosts', 100);
  console.log(`P5: RSS of the SSH pool with ${n} pooled connections`);
  const th = await startTestHosts({ names: Array.from({ length: n }, (_, i) => `m${i + 1}`), simulatorControlUrl: 'http://127.0.0.1:9' });
  try {
    const targets = th.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, user: 'root', hostKeys: [h.hostKeyFingerprint] }));
    const proc = fork(fileURLToPath(import.meta.url), args, {
      env: { ...process.env, CI_BOT_P5_CHILD: '1', P5_KEY: th.clientKey.path, P5_TARGETS: JSON.stringify(targets) },
      execArgv: ['--expose-gc'],
    });
    await new Promise<void>((resolve, reject) => proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child exit ${code}`)))));
  } finally {
    await th.stop();
  }
}

async function child(): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const { SshPool } = await import('../../src/ssh/pool.ts');
  const { HostKeyChecker } = await import('../../src/ssh/host-keys.ts');
  const { MemoryPinStore } = await import('../../src/ssh/pin-store.ts');
  const mb = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return (process.memoryUsage().rss / 2 ** 20).toFixed(1);
  };
  const targets = JSON.parse(process.env.P5_TARGETS ?? '[]') as Array<{ name: string; address: string; port: number; user: string; hostKeys: string[] }>;
  const pool = new SshPool({ auth: { privateKey: readFileSync(process.env.P5_KEY ?? '') }, hostKeys: new HostKeyChecker({ pins: new MemoryPinStore() }), connectTimeoutMs: 30_000 });
  console.log(`rss before connecting            ${mb()} MiB`);
  await Promise.all(targets.map((t) => pool.exec(t, { script: 'true' })));
  console.log(`rss with ${String(pool.size).padStart(3)} pooled connections  ${mb()} MiB`);
  await new Promise((r) => setTimeout(r, opt('--idle-ms', 20_000)));
  console.log(`rss after idling (keepalives)    ${mb()} MiB (still ${pool.size} connections)`);
  pool.close();
}
