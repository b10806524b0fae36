/**
 * Starts Debian's ZooKeeper (standalone) on a free loopback port with every four-letter word whitelisted, in its
 * own temp dataDir, and the AdminServer off (its default port 8080 would clash). Stopped by its own pid.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { start, type Started } from './process.ts';

export interface ZooKeeperServer {
  host: string;
  port: number;
  /** "127.0.0.1:<port>" */
  address: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

const JAR = '/usr/share/java/zookeeper.jar';
const LOGGING = ['/usr/share/java/slf4j-nop.jar'];

/** True when the Debian package and a JVM are installed. */
export function zookeeperAvailable(): boolean {
  return existsSync(JAR) && existsSync('/usr/bin/java');
}

export async function startZooKeeper({ deadlineMs = 30_000 } = {}): Promise<ZooKeeperServer> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = await mkdtemp(join(tmpdir(), 'ci-bot-zk-'));
  const cfg = join(dir, 'zoo.cfg');
  await writeFile(
    cfg,
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      `clientPortAddress=${host}`,
      '4lw.commands.whitelist=*',
      'admin.enableServer=false',
      'maxClientCnxns=60',
      '',
    ].join('\n'),
  );
  // zookeeper.jar's manifest lists its own dependencies; only a logging binding is added.
  const classpath = [JAR, ...LOGGING.filter(existsSync)].join(':');
  const proc: Started = start('/usr/bin/java', [
    '-Xmx128m',
    '-Dzookeeper.admin.enableServer=false',
    '-cp',
    classpath,
    'org.apache.zookeeper.server.ZooKeeperServerMain',
    cfg,
  ]);
  const stop = async () => {
    await proc.stop('SIGTERM', 5000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // `ruok` says imok before the server serves; `srvr` shows a Mode only once it does.
    await waitFor(() => serving(host, port), { deadlineMs, intervalMs: 100, what: `zookeeper on ${host}:${port}` });
  } catch (err) {
    const out = proc.output();
    await stop();
    throw new Error(`ZooKeeper did not start: ${String(err)}\n${out.slice(-2000)}`);
  }
  return { host, port, address: `${host}:${port}`, pid: proc.pid, output: proc.output, stop };
}

function serving(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => s.write('srvr'));
    let got = '';
    s.on('data', (b) => (got += b.toString()));
    s.on('close', () => resolve(/^Mode: /m.test(got)));
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => s.destroy());
  });
}
