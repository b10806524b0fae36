/**
 * {@link RecipePort} over the SSH pool and the recipe runner: inventory host → SSH target, recipe look-up and
 * parameter validation, and the fixed service-log script. The provisioning feature sees SSH only through this port.
 */
import { readFileSync } from 'node:fs';
import { PermanentError } from '../core/errors.ts';
import type { RecipePort } from '../core/ports.ts';
import type { Config, InventoryHost, Secrets } from '../config/schema.ts';
import type { Recipe } from '../recipes/load-recipes.ts';
import { validateParams } from '../recipes/validate-params.ts';
import { HostKeyChecker } from './host-keys.ts';
import { parseKnownHosts } from './known-hosts.ts';
import type { PinStore } from './pin-store.ts';
import { SshPool } from './pool.ts';
import { RecipeRunner } from './recipe-runner.ts';
import { loadSshAuth } from './ssh-auth.ts';
import type { SshTarget } from './ssh-target.ts';
import { inventoryHost } from '../config/inventory.ts';

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
