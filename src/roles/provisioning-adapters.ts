/**
 * The provisioning handlers' ports, built on the adapters: {@link RecipePort} over the SSH pool and recipe runner,
 * {@link ClusterProbe} over the Mesos, Marathon and ZooKeeper clients, {@link ProvisionLog} over Redis.
 * Construction only; the behaviour lives in src/ssh, src/clients and src/workers.
 */
import { readFileSync } from 'node:fs';
import { PermanentError } from '../core/errors.ts';
import type { AgentSummary, ClusterProbe, ProvisionLog, ProvisionRecord, RecipePort, ServiceCheck } from '../core/ports.ts';
import type { Config, InventoryHost, Secrets } from '../config/schema.ts';
import type { Recipe } from '../recipes/load-recipes.ts';
import { validateParams } from '../recipes/validate-params.ts';
import { HostKeyChecker } from '../ssh/host-keys.ts';
import { parseKnownHosts } from '../ssh/known-hosts.ts';
import type { PinStore } from '../ssh/pin-store.ts';
import { SshPool } from '../ssh/pool.ts';
import { RecipeRunner } from '../ssh/recipe-runner.ts';
import { loadSshAuth } from '../ssh/ssh-auth.ts';
import type { SshTarget } from '../ssh/ssh-target.ts';
import { MesosClient } from '../clients/mesos/client.ts';
import { MarathonClient } from '../clients/marathon/client.ts';
import { ZooKeeperClient } from '../clients/zookeeper/client.ts';
import type { UpstreamResult } from '../clients/http.ts';
import { marathonAuth } from './upstream-auth.ts';
import { inventoryHost } from './services.ts';

/** The SSH target of an inventory host (its bastion resolved from the inventory too). */
export function targetOf(config: Config, host: InventoryHost, depth = 0): SshTarget {
  if (depth > 3) throw new PermanentError('config', `inventory: bastion chain of ${host.name} is too long or circular`);
  return {
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    // The schema allows a trailing "=" (some tools print it); ssh2 fingerprints never have one.
    hostKeys: host.hostKey ? [host.hostKey.replace(/=$/, '')] : [],
    sudo: host.sudo,
    ...(host.bastion ? { bastion: targetOf(config, inventoryHost(config, host.bastion), depth + 1) } : {}),
  };
}

export interface SshRecipePort extends RecipePort {
  /** Open pooled connections. */
  readonly connections: number;
  close(): void;
}

/**
 * Recipes over SSH. The pool is built on first use, so processes that never provision (serve) need no SSH key;
 * a missing key then fails the task with a message naming SSH_PRIVATE_KEY_PATH / SSH_AUTH_SOCK.
 */
export function createSshRecipePort(opts: { config: Config; secrets: Secrets; recipes: ReadonlyMap<string, Recipe>; pins: PinStore }): SshRecipePort {
  const { config, recipes } = opts;
  let pool: SshPool | undefined;
  const poolOf = (): SshPool => {
    if (pool) return pool;
    const auth = loadSshAuth({
      SSH_PRIVATE_KEY_PATH: opts.secrets.sshPrivateKeyPath, SSH_PRIVATE_KEY_PASSPHRASE: opts.secrets.sshKeyPassphrase, SSH_AUTH_SOCK: opts.secrets.sshAuthSock,
    });
    const file = config.ssh.knownHostsFile;
    const knownHosts = file ? parseKnownHosts(readFileSync(file, 'utf8')) : [];
    pool = new SshPool({
      auth, hostKeys: new HostKeyChecker({ pins: opts.pins, knownHosts }), connectTimeoutMs: config.ssh.connectTimeoutMs,
      keepaliveIntervalMs: config.ssh.keepaliveIntervalMs, keepaliveCountMax: config.ssh.keepaliveCountMax,
      maxHandshakes: config.ssh.maxConcurrentHandshakes,
    });
    return pool;
  };
  const recipeOf = (name: string): Recipe => {
    const r = recipes.get(name);
    if (!r) throw new PermanentError('config', `recipe ${name} is not in commands/`);
    return r;
  };
  const target = (name: string) => targetOf(config, inventoryHost(config, name));
  return {
    get connections() {
      return pool?.size ?? 0;
    },
    steps: (name) => recipeOf(name).steps,
    async run(name, host, params, o) {
      const recipe = recipeOf(name);
      let env;
      try {
        env = validateParams(recipe, params);
      } catch (err) {
        throw new PermanentError('bad_arguments', (err as Error).message, { cause: err });
      }
      const stepTimeoutMs = Math.min(recipe.stepTimeoutMs ?? recipe.timeoutMs, config.ssh.stepTimeoutMs);
      const runner = new RecipeRunner({ executor: poolOf() });
      return runner.run({
        target: target(host), recipe: { name, script: recipe.script, timeoutMs: recipe.timeoutMs, stepTimeoutMs }, env,
        signal: o.signal, ...(o.dryRun ? { dryRun: true } : {}), ...(o.onStep ? { onStep: o.onStep } : {}), ...(o.onOutput ? { onOutput: o.onOutput } : {}),
      });
    },
    async serviceLog(host, unit, lines, signal) {
      // A fixed script: the unit comes from a closed set and `lines` is a number; nothing from chat.
      const n = Math.max(1, Math.min(200, Math.trunc(lines)));
      const script = `journalctl -u ${unit} -n ${n} --no-pager 2>/dev/null || tail -n ${n} /var/log/mesos/${unit}.log`;
      const res = await poolOf().exec(target(host), { script, signal, maxOutputBytes: 64 * 1024 });
      return `${res.stdout}${res.stderr}`.split('\n').filter(Boolean).slice(-n);
    },
    close: () => pool?.close(),
  };
}

/** The cluster as provisioning checks it; undefined when no Mesos master URL is configured. */
export function createClusterProbe(
  config: Config,
  secrets: Secrets,
  onResult?: (r: UpstreamResult) => void,
): (ClusterProbe & { close(): Promise<void> }) | undefined {
  const { mesos: m, marathon: mt, zookeeper: zk } = config.cluster;
  if (m.urls.length === 0) return undefined;
  const observed = onResult ? { onResult } : {};
  const mesos = new MesosClient({ masters: m.urls, timeoutMs: m.timeoutMs, ...observed });
  const marathon = mt.urls.length > 0 ? new MarathonClient({ urls: mt.urls, timeoutMs: mt.timeoutMs, ...observed, ...marathonAuth(secrets) }) : undefined;
  const toSummary = (a: { hostname: string; resources: { cpus?: number; mem?: number; disk?: number } }): AgentSummary => ({
    hostname: a.hostname, cpus: a.resources.cpus ?? 0, memMb: a.resources.mem ?? 0, diskMb: a.resources.disk ?? 0,
  });
  return {
    async waitForAgent(hostname, o) {
      return toSummary(await mesos.waitForAgent(hostname, { timeoutMs: o.timeoutMs, signal: o.signal }));
    },
    async agentTotals(signal) {
      const active = (await mesos.slaves({ signal })).slaves.filter((s) => s.active !== false).map(toSummary);
      return { agents: active.length, cpus: sum(active.map((a) => a.cpus)), memMb: sum(active.map((a) => a.memMb)) };
    },
    async checkMaster(signal) {
      const checks = await Promise.all([
        check('Mesos master', async () => `leading: ${await mesos.leader({ signal })}, version ${(await mesos.version({ signal })).version}`),
        check('Marathon', async () => {
          if (!marathon) throw new Error('no cluster.marathon.urls configured');
          const info = await marathon.info({ signal });
          const fws = (await mesos.frameworks({ signal })).frameworks;
          const fw = fws.find((f) => f.name === (info.marathon_config.framework_name ?? 'marathon') && f.active);
          if (!fw) throw new Error(`answers (version ${info.version}) but is not registered with the Mesos master as a framework`);
          return `version ${info.version}, registered as framework ${fw.id}`;
        }),
        check('ZooKeeper', async () => {
          const [first] = zk.hosts;
          if (!first) return 'not checked (cluster.zookeeper.hosts is empty)';
          const [host, port] = first.split(':');
          const client = new ZooKeeperClient({ host: host ?? first, port: Number(port), timeoutMs: zk.timeoutMs });
          if (!(await client.ruok({ signal }))) throw new Error(`${first} did not answer imok`);
          const mntr = await client.mntr({ signal });
          return `${first}: imok, mode ${String(mntr.zk_server_state ?? '?')}`;
        }),
      ]);
      return checks;
    },
    async close() {
      await Promise.all([mesos.close(), marathon?.close()]);
    },
  };
}

async function check(name: string, run: () => Promise<string>): Promise<ServiceCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** The two hash commands the provisioning log needs (an ioredis client has them). */
export interface HashStore {
  hset(key: string, field: string, value: string): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
}

/** The last provisioning result per host, in one Redis hash (shared by every replica). */
export function createRedisProvisionLog(redis: HashStore, prefix: string): ProvisionLog {
  const key = `${prefix}:provision:last`;
  return {
    async record(entry) {
      await redis.hset(key, entry.host, JSON.stringify(entry));
    },
    async last(hosts) {
      if (hosts.length === 0) return {};
      const raw = await redis.hmget(key, ...hosts);
      const out: Record<string, ProvisionRecord> = {};
      raw.forEach((r, i) => {
        const host = hosts[i];
        if (!r || !host) return;
        try {
          out[host] = JSON.parse(r) as ProvisionRecord;
        } catch {
          /* a corrupt entry shows as "never provisioned" */
        }
      });
      return out;
    },
  };
}
