/**
 * Provisioning from chat (`/ci setup-master`, `/ci setup-agent`, `/ci prepull`, `/ci hosts`, `/ci trust-host`): the
 * task kinds (queue `provision`, one job per host, single flight per host — R19), the front door's fan-out with every
 * host checked against the inventory, and the handlers, which see SSH and the cluster only through ports. Recipes are
 * loaded and validated in src/roles/ when the SSH port is built, so a bad recipe stops the bot at start.
 */
import { randomUUID } from 'node:crypto';
import { closest, distance } from 'fastest-levenshtein';
import * as z from 'zod';
import { UserFacingError, PermanentError } from '../../core/errors.ts';
import type { Requester } from '../../core/types.ts';
import type { Config, InventoryHost } from '../../config/schema.ts';
import { defineTaskKind, requesterSchema } from '../../core/task-kind.ts';
import { renderProvisionHosts } from '../../chat/render/provision-hosts.ts';
import {
  createPrepullHandler, createSetupAgentHandler, createSetupMasterHandler, type PrepullTask, type ProvisionDeps, type SetupTask,
} from './handlers.ts';
import { inventoryHost } from '../../config/inventory.ts';
import { fingerprintArg, hostArg, imageArg } from '../../chat/validators.ts';
import { answer, defineFeature, handle, queued, taskOf, type FeatureDeps } from '../define-feature.ts';
import { createClusterProbe } from './cluster-probe.ts';
import { renderTrustHost } from './trust-host.ts';

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
const hostsArg = z.array(hostArg).min(1, 'name at least one host').max(200, 'at most 200 hosts at once');

interface Ctx {
  config: Config;
  deps: FeatureDeps;
  handlers: ProvisionDeps;
}

const hosts = answer(
  { name: 'hosts', summary: 'Inventory: hosts, roles, host-key pinning, last provisioning', usage: '', role: 'viewer',
    run: 'direct', schema: z.strictObject({}) },
  ({ config, deps }: Ctx) => async () => {
    const all = config.inventory.hosts;
    const last = await deps.provisionLog.last(all.map((h) => h.name));
    const rows = await Promise.all(all.map(async (h) => ({
      ...h, pins: [...(h.hostKey ? [h.hostKey] : []), ...(await deps.pins.get(h.name))], ...(last[h.name] ? { last: last[h.name] } : {}),
    })));
    return renderProvisionHosts(rows, Date.now());
  },
);

const setupMaster = queued(
  { name: 'setup-master', summary: 'Install and configure ZooKeeper, the Mesos master and Marathon on a host',
    usage: '<host> [--dry-run]', role: 'admin', confirm: true, run: 'queued', example: '/ci setup-master master',
    positionals: [{ name: 'host' }], flags: { 'dry-run': 'boolean' },
    schema: z.strictObject({ host: hostArg, dryRun: z.boolean().default(false) }) },
  ({ config }: Ctx) => (args, requester) => {
    const host = provisionTarget(config, args.host, 'master').name;
    return [taskOf(setupMasterKind, { requester: who(requester), requestId: requestId(), host, dryRun: args.dryRun })];
  },
);

const setupAgent = queued(
  { name: 'setup-agent', summary: 'Install Docker and the Mesos agent on build hosts (one task per host)',
    usage: '<host…> [--dry-run]', role: 'operator', run: 'queued', example: '/ci setup-agent slave1 slave2',
    positionals: [{ name: 'hosts', variadic: true }], flags: { 'dry-run': 'boolean' },
    schema: z.strictObject({ hosts: hostsArg, dryRun: z.boolean().default(false) }) },
  ({ config }: Ctx) => (args, requester) => {
    const id = requestId();
    const names = [...new Set(args.hosts)].map((h) => provisionTarget(config, h, 'agent').name);
    return names.map((host) => taskOf(setupAgentKind, { requester: who(requester), requestId: id, host, dryRun: args.dryRun }));
  },
);

const prepull = queued(
  { name: 'prepull', summary: 'Pull a Docker image on every agent (Marathon will not pull it)', usage: '<image> [--hosts h1,h2]',
    role: 'operator', run: 'queued', example: '/ci prepull jenkins/jenkins:lts', positionals: [{ name: 'image' }],
    flags: { hosts: 'value' },
    schema: z.strictObject({
      image: imageArg,
      hosts: z.string().optional().transform((s) => (s === undefined ? undefined : s.split(','))).pipe(hostsArg.optional()),
    }) },
  ({ config }: Ctx) => (args, requester) => {
    const names = args.hosts
      ? [...new Set(args.hosts)].map((h) => provisionTarget(config, h, 'agent').name)
      : config.inventory.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.name);
    if (names.length === 0) throw new UserFacingError('not_found', 'No agent hosts in the inventory to pull on.');
    const id = requestId();
    return names.map((host) => taskOf(prepullKind, { requester: who(requester), requestId: id, host, image: args.image }));
  },
);

const trustHost = answer(
  { name: 'trust-host', summary: 'Pin the SSH host key of an inventory host', usage: '<host> <SHA256:fingerprint>',
    role: 'admin', confirm: true, run: 'direct', positionals: [{ name: 'host' }, { name: 'fingerprint' }],
    schema: z.strictObject({ host: hostArg, fingerprint: fingerprintArg }) },
  ({ config, deps }: Ctx) => async (args, { requester }) => {
    const host = inventoryHost(config, args.host);
    if (host.hostKey?.replace(/=$/, '') === args.fingerprint) return renderTrustHost(host.name, args.fingerprint, 'unchanged');
    const replaced = await deps.pins.replace(host.name, args.fingerprint);
    await deps.audit.append({ kind: 'command', user: requester.userId, command: 'trust-host', args: `${host.name} ${args.fingerprint}`, outcome: 'pinned' });
    return renderTrustHost(host.name, args.fingerprint, replaced);
  },
);

export const provisioningFeature = defineFeature({
  name: 'provisioning',
  roles: ['serve', 'worker'],
  setup: (deps: FeatureDeps): Ctx => {
    const { config } = deps;
    const cluster = createClusterProbe(deps.cluster);
    return {
      config, deps,
      handlers: {
        recipes: deps.recipes, ...(cluster ? { cluster } : {}), history: deps.provisionLog, joinTimeoutMs: config.ssh.agentJoinTimeoutMs,
        params: (recipe, host) => recipeParams(config, recipe, host),
      },
    };
  },
  commands: [hosts, setupMaster, setupAgent, prepull, trustHost],
  tasks: [
    handle(setupAgentKind, (ctx: Ctx) => createSetupAgentHandler(ctx.handlers)),
    handle(setupMasterKind, (ctx: Ctx) => createSetupMasterHandler(ctx.handlers)),
    handle(prepullKind, (ctx: Ctx) => createPrepullHandler(ctx.handlers)),
  ],
});
