/**
 * Provisioning from chat (`/ci setup-master`, `/ci setup-agent`, `/ci prepull`, `/ci hosts`): the task kinds (queues
 * `provision-*`, one job per host, single flight per host — R19), the front door's fan-out with every host checked
 * against the inventory, and the handlers wired to SSH and the cluster clients. Recipes are loaded and validated
 * when the feature is built, so a bad recipe stops the bot at start with the file and field named.
 */
import { randomUUID } from 'node:crypto';
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { UserFacingError, PermanentError } from '../core/errors.ts';
import type { Requester } from '../core/types.ts';
import type { Config, InventoryHost } from '../config/schema.ts';
import { defineTaskKind, requesterSchema } from '../queue/task-kind.ts';
import { loadRecipes } from '../recipes/load-recipes.ts';
import { RedisPinStore } from '../store/redis-pins.ts';
import { renderProvisionHosts } from '../chat/render/provision-hosts.ts';
import {
  createPrepullHandler, createSetupAgentHandler, createSetupMasterHandler, type PrepullTask, type ProvisionDeps, type SetupTask,
} from '../workers/provision-handlers.ts';
import type { TaskHandler } from '../core/ports.ts';
import type { FeatureFactory, ToTasks } from './feature.ts';
import { createClusterProbe, createRedisProvisionLog, createSshRecipePort } from './provisioning-adapters.ts';
import { inventoryHost } from './services.ts';

/** Where the recipes live: `<repo>/commands/`. */
export const COMMANDS_DIR = new URL('../../commands/', import.meta.url);

const hostField = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i);
const setupSchema = z.object({ requester: requesterSchema, requestId: z.string().regex(/^[a-z0-9]{1,32}$/), host: hostField, dryRun: z.boolean() });
const prepullSchema = z.object({
  requester: requesterSchema, requestId: z.string().regex(/^[a-z0-9]{1,32}$/), host: hostField, image: z.string().min(1).max(255),
});

/**
 * All three kinds share the `provision` queue (its worker picks the handler by job name). Retries: a lost SSH
 * connection (R8) is worth two more tries; recipes are idempotent, so a rerun is safe.
 */
const retry = { attempts: 3, backoffMs: 2000 };

export const setupAgentKind = defineTaskKind<SetupTask>({
  name: 'setup-agent', queue: 'provision', schema: setupSchema, ...retry,
  jobId: (d) => `${d.host}-${d.requestId}`,
  title: (d) => `setup-agent ${d.host}${d.dryRun ? ' (dry run)' : ''}`,
  exclusiveKey: (d) => `host:${d.host}`,
});
export const setupMasterKind = defineTaskKind<SetupTask>({
  name: 'setup-master', queue: 'provision', schema: setupSchema, ...retry,
  jobId: (d) => `${d.host}-${d.requestId}`,
  title: (d) => `setup-master ${d.host}${d.dryRun ? ' (dry run)' : ''}`,
  exclusiveKey: (d) => `host:${d.host}`,
});
export const prepullKind = defineTaskKind<PrepullTask>({
  name: 'prepull', queue: 'provision', schema: prepullSchema, ...retry,
  jobId: (d) => `${d.host}-${d.requestId}`,
  title: (d) => `prepull ${d.image} on ${d.host}`,
  exclusiveKey: (d) => `host:${d.host}`,
});

/** The inventory entry for `name` with the given role, or a UserFacingError with the closest known names. */
export function provisionTarget(config: Config, name: string, role: 'master' | 'agent'): InventoryHost {
  let host: InventoryHost;
  try {
    host = inventoryHost(config, name);
  } catch (err) {
    const names = config.inventory.hosts.map((h) => h.name);
    const near = names.filter((n) => distance(n.toLowerCase(), name.toLowerCase()) <= 2);
    const best = near.length > 0 ? near : names.length > 0 ? [closest(name, names)] : [];
    const hint = best.length > 0 ? ` Did you mean ${best.map((n) => `\`${n}\``).join(' or ')}?` : '';
    throw new UserFacingError('not_found', `${(err as Error).message}${hint}`, { cause: err });
  }
  if (!host.roles.includes(role)) {
    const fit = config.inventory.hosts.filter((h) => h.roles.includes(role)).map((h) => h.name).join(', ') || 'none';
    throw new UserFacingError('bad_arguments', `Host \`${host.name}\` has role ${host.roles.join(', ')}, not ${role}; ${role} hosts: ${fit}.`);
  }
  return host;
}

/** Recipe parameters for a host, from the inventory and `packages.*` (never from chat). */
export function recipeParams(config: Config, recipe: 'setup-agent' | 'setup-master' | 'prepull', name: string): Record<string, string> {
  if (recipe === 'prepull') return {};
  const host = inventoryHost(config, name);
  const masters = config.inventory.hosts.filter((h) => h.roles.includes('master'));
  if (masters.length === 0) throw new PermanentError('config', 'inventory: no host has role master, so there is no ZooKeeper to point at');
  const advertise = host.advertise ?? config.inventory.advertise;
  const common = {
    HOST_NAME: advertise === 'name' ? host.name : host.address, HOST_IP: host.address, ZK_ENSEMBLE: masters.map((m) => m.address).join(','),
  };
  if (recipe === 'setup-agent') return { ...common, ...familyParams(config, ['mesos', 'docker']) };
  const myid = masters.findIndex((m) => m.name === host.name) + 1;
  return { ...common, ZK_MYID: String(Math.max(myid, 1)), ...familyParams(config, ['mesos', 'marathon', 'zookeeper']) };
}

/**
 * Both families' packages and repositories (PACKAGES_RHEL, PACKAGES_DEBIAN, REPO_URL_*, REPO_SUITE): the recipe
 * picks its own family's after reading /etc/os-release, so one task needs no round trip to learn the host's OS.
 */
function familyParams(config: Config, names: ReadonlyArray<'mesos' | 'marathon' | 'zookeeper' | 'docker'>): Record<string, string> {
  const { rhel, debian } = config.packages;
  return {
    PACKAGES_RHEL: names.map((n) => rhel[n]).join(' '),
    PACKAGES_DEBIAN: names.map((n) => debian[n]).join(' '),
    ...(rhel.repository ? { REPO_URL_RHEL: rhel.repository } : {}),
    ...(debian.repository ? { REPO_URL_DEBIAN: debian.repository } : {}),
    ...(debian.suite ? { REPO_SUITE: debian.suite } : {}),
  };
}

const who = (r: Requester) => ({ userId: r.userId, channelId: r.channelId });
const requestId = () => randomUUID().replaceAll('-', '').slice(0, 8);

export const provisioningFeature: FeatureFactory = (base) => {
  const { config } = base;
  const recipes = loadRecipes(COMMANDS_DIR);
  const pins = new RedisPinStore(base.redis, base.prefix);
  const history = createRedisProvisionLog(base.redis, base.prefix);
  const ssh = createSshRecipePort({ config, secrets: base.loaded.secrets, recipes, pins });
  const cluster = createClusterProbe(config, base.loaded.secrets, base.onUpstreamResult);
  // The pooled-connection gauge follows every recipe run (connections open on first use and close on errors).
  const observedSsh: typeof ssh = Object.assign(Object.create(ssh) as typeof ssh, {
    run: async (...a: Parameters<typeof ssh.run>) => {
      try {
        return await ssh.run(...a);
      } finally {
        base.metrics.sshConnections.set(ssh.connections);
      }
    },
  });
  const deps: ProvisionDeps = {
    recipes: observedSsh, ...(cluster ? { cluster } : {}), history, joinTimeoutMs: config.ssh.agentJoinTimeoutMs,
    params: (recipe, host) => recipeParams(config, recipe, host),
  };

  const toTasks: Record<string, ToTasks> = {
    'setup-agent': (args, requester) => {
      const id = requestId();
      const hosts = [...new Set(args.hosts as string[])].map((h) => provisionTarget(config, h, 'agent').name);
      return hosts.map((host) => ['setup-agent', { requester: who(requester), requestId: id, host, dryRun: args.dryRun === true }]);
    },
    'setup-master': (args, requester) => {
      const host = provisionTarget(config, args.host as string, 'master').name;
      return [['setup-master', { requester: who(requester), requestId: requestId(), host, dryRun: args.dryRun === true }]];
    },
    prepull: (args, requester) => {
      const named = args.hosts as string[] | undefined;
      const hosts = named
        ? [...new Set(named)].map((h) => provisionTarget(config, h, 'agent').name)
        : config.inventory.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.name);
      if (hosts.length === 0) throw new UserFacingError('not_found', 'No agent hosts in the inventory to pull on.');
      const id = requestId();
      return hosts.map((host) => ['prepull', { requester: who(requester), requestId: id, host, image: args.image as string }]);
    },
  };

  return {
    kinds: [setupAgentKind, setupMasterKind, prepullKind],
    toTasks,
    commands: {
      hosts: async () => {
        const hosts = config.inventory.hosts;
        const last = await history.last(hosts.map((h) => h.name));
        const rows = await Promise.all(hosts.map(async (h) => ({
          ...h, pins: [...(h.hostKey ? [h.hostKey] : []), ...(await pins.get(h.name))], ...(last[h.name] ? { last: last[h.name] } : {}),
        })));
        return renderProvisionHosts(rows, Date.now());
      },
    },
    handlers: {
      'setup-agent': createSetupAgentHandler(deps) as TaskHandler<never>,
      'setup-master': createSetupMasterHandler(deps) as TaskHandler<never>,
      prepull: createPrepullHandler(deps) as TaskHandler<never>,
    },
    close: async () => {
      ssh.close();
      await cluster?.close();
    },
  };
};
