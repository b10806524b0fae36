/**
 * Starts Debian's ZooKeeper (standalone) on a free loopback port with every four-letter word whitelisted, in its
 * own temp dataDir, and the AdminServer off (its default port 8080 would clash). Stopped by its own pid.
 *
 * Or, with `zooCfg`, from a zoo.cfg a recipe wrote, started as Debian's init script starts it (QuorumPeerMain):
 * only the `dataDir` and `clientPort` lines are rewritten (a temp dir; a free port, bound to loopback by a
 * `clientPortAddress` line next to it), so the four-letter-word whitelist and the AdminServer setting are the
 * recipe's own.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

export interface StartZooKeeperOptions {
  /** How long it may take to serve, in ms (default 30000). */
  deadlineMs?: number;
  /** A recipe's zoo.cfg to run instead of the permissive test config. */
  zooCfg?: string;
  /** The `myid` the recipe wrote into its dataDir, copied into the temp one. */
  myid?: string;
  /** Loopback address and port to serve on (default 127.0.0.1, a free port); the demo serves on its master's address. */
  host?: string;
  port?: number;
}

export async function startZooKeeper(opts: StartZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  const { deadlineMs = 30_000, zooCfg, myid, host = '127.0.0.1' } = opts;
  const port = opts.port ?? (await freePort(host));
  const dir = await mkdtemp(join(tmpdir(), 'ci-bot-zk-'));
  const dataDir = join(dir, 'data');
  const cfg = join(dir, 'zoo.cfg');
  await writeFile(cfg, zooCfg === undefined ? testConfig(dataDir, host, port) : rewritten(zooCfg, dataDir, host, port));
  if (myid !== undefined) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'myid'), myid);
  }
  // zookeeper.jar's manifest lists its own dependencies; only a logging binding is added.
  const classpath = [JAR, ...LOGGING.filter(existsSync)].join(':');
  const main = zooCfg === undefined
    ? ['-Dzookeeper.admin.enableServer=false', 'org.apache.zookeeper.server.ZooKeeperServerMain']
    : ['org.apache.zookeeper.server.quorum.QuorumPeerMain'];
  const proc: Started = start('/usr/bin/java', ['-Xmx128m', '-cp', classpath, ...main, cfg]);
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

function testConfig(dataDir: string, host: string, port: number): string {
  return [
    'tickTime=2000',
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    `clientPortAddress=${host}`,
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
    'maxClientCnxns=60',
    '',
  ].join('\n');
}

/** `zooCfg` with its dataDir and clientPort lines replaced; every other line as the recipe wrote it. */
function rewritten(zooCfg: string, dataDir: string, host: string, port: number): string {
  const lines = zooCfg.split('\n');
  for (const key of ['dataDir', 'clientPort']) {
    if (!lines.some((l) => l.startsWith(`${key}=`))) throw new Error(`zoo.cfg has no ${key} line:\n${zooCfg}`);
  }
  return lines
    .map((l) => (l.startsWith('dataDir=') ? `dataDir=${dataDir}` : l.startsWith('clientPort=') ? `clientPort=${port}\nclientPortAddress=${host}` : l))
    .join('\n');
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
