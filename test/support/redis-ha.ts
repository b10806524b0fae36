/**
 * Highly available Redis for tests, from Debian's `redis-server` on free loopback ports, each in its own temp
 * directory, stopped by pid:
 * - {@link startSentinelSet}: 1 primary + N replicas (AOF, appendfsync everysec) and M sentinels
 *   (`redis-server <conf> --sentinel`, a generated config it may rewrite);
 * - {@link startRedisCluster}: N primaries in cluster mode, slots spread by `redis-cli --cluster create`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '../../src/playground/ports.ts';
import { start, type Started } from '../../src/playground/process.ts';

/** One redis-server the harness started. */
export interface RedisNodeProcess {
  port: number;
  dir: string;
  proc: Started;
  /** `127.0.0.1:<port>`. */
  address: string;
}

/** `requirepass` of the nodes and sentinels the harness started with one, by port. */
const passwords = new Map<number, string>();

/** One command to 127.0.0.1:`port` over a fresh connection (fails fast: no retries, no offline queue). */
export async function nodeCommand(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({ host: '127.0.0.1', port, password: passwords.get(port), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: 2000 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const [cmd, ...rest] = args;
    return await r.call(cmd!, ...rest);
  } finally {
    r.disconnect();
  }
}

const DATA_ARGS = ['--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--appendfsync', 'everysec'];

async function startNode(extra: string[], what: string, password?: string): Promise<RedisNodeProcess> {
  const port = await freePort();
  if (password) {
    passwords.set(port, password);
    extra = [...extra, '--requirepass', password, '--masterauth', password];
  }
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-redis-ha-'));
  const proc = start('redis-server', ['--port', String(port), '--dir', dir, ...DATA_ARGS, ...extra]);
  await waitFor(async () => (await nodeCommand(port, 'PING')) === 'PONG', { deadlineMs: 10_000, what: `${what} on ${port} (${proc.output().slice(-500)})` });
  return { port, dir, proc, address: `127.0.0.1:${port}` };
}

async function stopNodes(nodes: readonly RedisNodeProcess[]): Promise<void> {
  await Promise.all(nodes.map(async (n) => {
    await n.proc.stop('SIGKILL');
    rmSync(n.dir, { recursive: true, force: true });
  }));
}

export interface SentinelSet {
  masterName: string;
  /** Data nodes: [0] is the first primary; the rest started as its replicas. */
  nodes: RedisNodeProcess[];
  sentinels: RedisNodeProcess[];
  /** `127.0.0.1:<port>` of each sentinel, for `redis.sentinel.nodes`. */
  sentinelAddresses: string[];
  /** The primary's port as the sentinels (all of them) report it now. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary; returns its port. */
  killPrimary(): Promise<number>;
  /** Resolves with the new primary's port once every sentinel reports one other than `oldPort`, and it says `master`. */
  waitForPromotion(oldPort: number, deadlineMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export interface SentinelSetOptions {
  masterName?: string;
  replicas?: number;
  sentinels?: number;
  /** Sentinel `down-after-milliseconds` (default 1000): how long the primary is unreachable before it is called down. */
  downAfterMs?: number;
  /**
   * `min-replicas-max-lag` on every data node (default 2 s, with `min-replicas-to-write 1`): a primary that has not
   * heard from any replica for this long refuses writes, which bounds what a failover can lose.
   */
  maxLagS?: number;
  /** `requirepass` (and `masterauth`) of the data nodes; the sentinels are given it with `sentinel auth-pass`. */
  password?: string;
  /** `requirepass` of the sentinels themselves. */
  sentinelPassword?: string;
}

/** 1 primary + `replicas` replicas (default 2) + `sentinels` sentinels (default 3, quorum 2), ready to fail over. */
export async function startSentinelSet(opts: SentinelSetOptions = {}): Promise<SentinelSet> {
  const masterName = opts.masterName ?? 'ci-bot';
  const lag = ['--min-replicas-to-write', '1', '--min-replicas-max-lag', String(opts.maxLagS ?? 2)];
  const nodes: RedisNodeProcess[] = [];
  const sentinels: RedisNodeProcess[] = [];
  try {
    nodes.push(await startNode(lag, 'primary', opts.password));
    const primary = nodes[0]!;
    for (let i = 0; i < (opts.replicas ?? 2); i += 1) {
      nodes.push(await startNode([...lag, '--replicaof', '127.0.0.1', String(primary.port)], `replica ${i + 1}`, opts.password));
    }
    // Every replica synced and acknowledging, so the primary takes writes (min-replicas-to-write).
    await waitFor(async () => String(await nodeCommand(primary.port, 'INFO', 'replication')).includes(`min_slaves_good_slaves:${nodes.length - 1}`), {
      deadlineMs: 20_000, intervalMs: 100, what: 'every replica connected to the primary and acknowledging',
    });
    const count = opts.sentinels ?? 3;
    const quorum = Math.floor(count / 2) + 1;
    for (let i = 0; i < count; i += 1) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'ci-bot-sentinel-'));
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(conf, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} ${quorum}`,
        `sentinel down-after-milliseconds ${masterName} ${opts.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${masterName} 10000`,
        `sentinel parallel-syncs ${masterName} 1`,
        ...(opts.password ? [`sentinel auth-pass ${masterName} ${opts.password}`] : []),
        ...(opts.sentinelPassword ? [`requirepass ${opts.sentinelPassword}`, `sentinel sentinel-pass ${opts.sentinelPassword}`] : []),
        '',
      ].join('\n'));
      if (opts.sentinelPassword) passwords.set(port, opts.sentinelPassword);
      const proc = start('redis-server', [conf, '--sentinel']);
      await waitFor(async () => (await nodeCommand(port, 'PING')) === 'PONG', { deadlineMs: 10_000, what: `sentinel on ${port} (${proc.output().slice(-500)})` });
      sentinels.push({ port, dir, proc, address: `127.0.0.1:${port}` });
    }
    // Each sentinel knows every replica and every other sentinel: only then can they agree on a failover.
    await waitFor(async () => {
      for (const s of sentinels) {
        const replicas = (await nodeCommand(s.port, 'SENTINEL', 'REPLICAS', masterName)) as unknown[];
        const others = (await nodeCommand(s.port, 'SENTINEL', 'SENTINELS', masterName)) as unknown[];
        if (replicas.length !== nodes.length - 1 || others.length !== count - 1) return false;
      }
      return true;
    }, { deadlineMs: 30_000, intervalMs: 200, what: 'the sentinels to discover every replica and each other' });
  } catch (err) {
    await stopNodes([...sentinels, ...nodes]);
    throw err;
  }
  const reported = async (): Promise<number[]> =>
    Promise.all(sentinels.filter((s) => s.proc.child.exitCode === null).map(async (s) => {
      const addr = (await nodeCommand(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string];
      return Number(addr[1]);
    }));
  const set: SentinelSet = {
    masterName, nodes, sentinels, sentinelAddresses: sentinels.map((s) => s.address),
    async primaryPort() {
      return waitFor(async () => {
        const ports = await reported();
        return ports.every((p) => p === ports[0]) ? ports[0] : undefined;
      }, { deadlineMs: 10_000, what: 'the sentinels to agree on the primary' });
    },
    async killPrimary() {
      const port = await set.primaryPort();
      const node = nodes.find((n) => n.port === port) ?? assert(`no node on ${port}`);
      await node.proc.stop('SIGKILL');
      return port;
    },
    async waitForPromotion(oldPort, deadlineMs = 60_000) {
      return waitFor(async () => {
        const ports = await reported();
        const p = ports[0];
        if (p === undefined || p === oldPort || !ports.every((x) => x === p)) return undefined;
        return String(await nodeCommand(p, 'ROLE')).startsWith('master') ? p : undefined;
      }, { deadlineMs, intervalMs: 100, what: `a replica promoted in place of ${oldPort}` });
    },
    stop: () => stopNodes([...sentinels, ...nodes]),
  };
  return set;
}

export interface RedisCluster {
  nodes: RedisNodeProcess[];
  /** `127.0.0.1:<port>` of each node, for `redis.cluster.nodes`. */
  addresses: string[];
  stop(): Promise<void>;
}

/** `primaries` (default 3) cluster-mode nodes, every slot assigned, `cluster_state:ok` on each. */
export async function startRedisCluster(opts: { primaries?: number } = {}): Promise<RedisCluster> {
  const nodes: RedisNodeProcess[] = [];
  try {
    for (let i = 0; i < (opts.primaries ?? 3); i += 1) {
      nodes.push(await startNode(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'], `cluster node ${i + 1}`));
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitFor(async () => {
      for (const n of nodes) if (!String(await nodeCommand(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      return true;
    }, { deadlineMs: 30_000, intervalMs: 100, what: 'cluster_state:ok on every node' });
  } catch (err) {
    await stopNodes(nodes);
    throw err;
  }
  return { nodes, addresses: nodes.map((n) => n.address), stop: () => stopNodes(nodes) };
}

function assert(message: string): never {
  throw new Error(message);
}
