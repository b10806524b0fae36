/** Every `/ci` subcommand, declared once. Help, parsing, RBAC and confirmation all derive from this list. */
import { z } from 'zod';
import { CommandRegistry, type CommandSpec } from '../chat/registry.ts';
import {
  channelArg, cronArg, durationArg, fingerprintArg, hostArg, imageArg, jobIdArg, timeZoneArg,
} from '../chat/validators.ts';

const none = z.strictObject({});
const hosts = z.array(hostArg).min(1, 'name at least one host').max(200, 'at most 200 hosts at once');

export const commandSpecs: readonly CommandSpec[] = [
  { name: 'help', summary: 'List commands, or show one in detail', usage: '[command]', role: 'viewer', run: 'direct',
    positionals: [{ name: 'topic', variadic: true }], schema: z.strictObject({ topic: z.array(z.string().max(40)).max(2) }) },
  { name: 'status', summary: 'Cluster at a glance: agents, resources, balance, Jenkins, ZooKeeper', usage: '', role: 'viewer',
    run: 'deferred', visibility: 'in_channel', schema: none },
  { name: 'agents', summary: 'Mesos agents with their resources and tasks', usage: '', role: 'viewer', run: 'deferred', schema: none },
  { name: 'jenkins', summary: 'Jenkins: where it runs, health, executors, queue, dynamic agents', usage: '', role: 'viewer',
    run: 'deferred', schema: none },
  { name: 'hosts', summary: 'Inventory: hosts, roles, host-key pinning, last provisioning', usage: '', role: 'viewer',
    run: 'direct', schema: none },
  { name: 'setup-master', summary: 'Install and configure ZooKeeper, the Mesos master and Marathon on a host',
    usage: '<host> [--dry-run]', role: 'admin', confirm: true, run: 'queued', example: '/ci setup-master master',
    positionals: [{ name: 'host' }], flags: { 'dry-run': 'boolean' },
    schema: z.strictObject({ host: hostArg, dryRun: z.boolean().default(false) }) },
  { name: 'setup-agent', summary: 'Install Docker and the Mesos agent on build hosts (one task per host)',
    usage: '<host…> [--dry-run]', role: 'operator', run: 'queued', example: '/ci setup-agent slave1 slave2',
    positionals: [{ name: 'hosts', variadic: true }], flags: { 'dry-run': 'boolean' },
    schema: z.strictObject({ hosts, dryRun: z.boolean().default(false) }) },
  { name: 'prepull', summary: 'Pull a Docker image on every agent (Marathon will not pull it)', usage: '<image> [--hosts h1,h2]',
    role: 'operator', run: 'queued', example: '/ci prepull jenkins/jenkins:lts', positionals: [{ name: 'image' }],
    flags: { hosts: 'value' },
    schema: z.strictObject({
      image: imageArg,
      hosts: z.string().optional().transform((s) => (s === undefined ? undefined : s.split(','))).pipe(hosts.optional()),
    }) },
  { name: 'selftest', summary: 'Run a short multi-step task to check the queue, workers and progress messages',
    usage: '', role: 'operator', run: 'queued', schema: none },
  { name: 'digest add', summary: 'Schedule a cluster digest', usage: '<cron> [#channel] [--tz Area/City]', role: 'operator',
    run: 'direct', example: '/ci digest add "0 9 * * 1-5" #ci --tz Europe/Berlin',
    positionals: [{ name: 'cron' }, { name: 'channel', optional: true }], flags: { tz: 'value' },
    schema: z.strictObject({ cron: cronArg, channel: channelArg.optional(), tz: timeZoneArg.optional() }) },
  { name: 'digest list', summary: 'Scheduled digests', usage: '', role: 'viewer', run: 'direct', schema: none },
  { name: 'digest remove', summary: 'Remove a scheduled digest', usage: '<id>', role: 'operator', run: 'direct',
    positionals: [{ name: 'id' }], schema: z.strictObject({ id: jobIdArg }) },
  { name: 'digest now', summary: 'Post a digest now', usage: '[#channel]', role: 'operator', run: 'queued',
    positionals: [{ name: 'channel', optional: true }], schema: z.strictObject({ channel: channelArg.optional() }) },
  { name: 'alerts', summary: 'Recent incidents and alerts', usage: '[--since 24h]', role: 'viewer', run: 'direct',
    flags: { since: 'value' }, schema: z.strictObject({ since: durationArg.default(86_400_000) }) },
  { name: 'jobs', summary: 'Queued and running tasks, or one task with its log', usage: '[job]', role: 'viewer', run: 'direct',
    positionals: [{ name: 'job', optional: true }], schema: z.strictObject({ job: jobIdArg.optional() }) },
  { name: 'cancel', summary: 'Cancel a queued or running task (operators: their own; admins: any)', usage: '<job>',
    role: 'operator', run: 'direct', positionals: [{ name: 'job' }], schema: z.strictObject({ job: jobIdArg }) },
  { name: 'history', summary: 'Audit trail: commands, confirmations, denials, tasks, alerts', usage: '[n]', role: 'viewer',
    run: 'direct', positionals: [{ name: 'count', optional: true }],
    schema: z.strictObject({ count: z.coerce.number().int().min(1).max(50).default(10) }) },
  { name: 'trust-host', summary: 'Pin the SSH host key of an inventory host', usage: '<host> <SHA256:fingerprint>',
    role: 'admin', confirm: true, run: 'direct', positionals: [{ name: 'host' }, { name: 'fingerprint' }],
    schema: z.strictObject({ host: hostArg, fingerprint: fingerprintArg }) },
];

export function createRegistry(specs: readonly CommandSpec[] = commandSpecs): CommandRegistry {
  return new CommandRegistry(specs);
}
