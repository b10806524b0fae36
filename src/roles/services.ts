/**
 * The commands' implementations, by name. Only commands with an implementation here are registered, so
 * `/ci help` never lists something that does not work yet.
 */
import { UserFacingError } from '../core/errors.ts';
import type { AuditLog } from '../core/ports.ts';
import type { RenderedMessage, Requester, Role } from '../core/types.ts';
import type { Config } from '../config/schema.ts';
import { renderHelp } from '../chat/help.ts';
import type { CommandRegistry, CommandSpec } from '../chat/registry.ts';
import { textReply } from '../chat/render/replies.ts';
import { renderHistory, renderHosts, renderJobLog, renderJobs } from '../chat/render/lists.ts';
import type { CommandServices } from '../slack/command-flow.ts';
import type { TaskClient } from '../queue/task-client.ts';

export type CommandImpl = (args: Record<string, unknown>, ctx: { requester: Requester; role: Role }) => Promise<RenderedMessage>;

export interface ServiceDeps {
  config: Config;
  audit: AuditLog;
  tasks: TaskClient;
  /** Turns a queued command into task data per job; returns `[kind, data]` pairs (fan-out commands give several). */
  toTasks: Readonly<Record<string, (args: Record<string, unknown>, requester: Requester) => Array<[string, unknown]>>>;
  /** Run-time host-key pins (`/ci trust-host`). */
  pins: { get(host: string): Promise<readonly string[]>; add(host: string, fingerprint: string): Promise<void> };
  extra?: Readonly<Record<string, CommandImpl>>;
}

export function createCommandImpls(deps: ServiceDeps, registry: () => CommandRegistry): Record<string, CommandImpl> {
  const impls: Record<string, CommandImpl> = {
    help: async (args) => renderHelp(registry(), args.topic as string[]),
    history: async (args) => renderHistory(await deps.audit.recent(args.count as number)),
    hosts: async () => renderHosts(deps.config.inventory.hosts),
    jobs: async (args) =>
      typeof args.job === 'string' ? renderJobLog(args.job, await deps.tasks.readLog(args.job)) : renderJobs(await deps.tasks.listJobs()),
    cancel: async (args, { requester, role }) => {
      const { state } = await deps.tasks.cancel(args.job as string, { userId: requester.userId, role });
      return textReply(state === 'removed' ? `Removed queued job \`${String(args.job)}\`.` : `Cancelling job \`${String(args.job)}\`…`);
    },
    'trust-host': async (args, { requester }) => {
      const host = inventoryHost(deps.config, args.host as string);
      const fingerprint = args.fingerprint as string;
      const pinned = [...(host.hostKey ? [host.hostKey] : []), ...(await deps.pins.get(host.name))];
      if (pinned.includes(fingerprint)) return textReply(`\`${fingerprint}\` is already pinned for *${host.name}*; nothing changed.`);
      await deps.pins.add(host.name, fingerprint);
      await deps.audit.append({ kind: 'command', user: requester.userId, command: 'trust-host', args: `${host.name} ${fingerprint}`, outcome: 'pinned' });
      return textReply(`:lock: Pinned \`${fingerprint}\` for *${host.name}*. ci-bot will now talk to it over SSH.`);
    },
    ...deps.extra,
  };
  for (const [name, toTasks] of Object.entries(deps.toTasks)) {
    impls[name] = async (args, { requester }) => {
      const lines: string[] = [];
      for (const [kind, data] of toTasks(args, requester)) {
        const res = await deps.tasks.enqueue(kind, data);
        if (res.state === 'queued_behind') lines.push(`:double_vertical_bar: \`${res.jobId}\` is queued behind \`${res.behind}\`, which runs on the same host now.`);
        else if (res.state === 'duplicate') lines.push(`:repeat: \`${res.jobId}\` is already queued; not added twice.`);
        else lines.push(`:inbox_tray: Queued \`${res.jobId}\`; progress follows in this channel.`);
      }
      return textReply(lines.join('\n'));
    };
  }
  return impls;
}

/** The inventory entry for `name`, or a UserFacingError that lists the known hosts. */
export function inventoryHost(config: Config, name: string): Config['inventory']['hosts'][number] {
  const host = config.inventory.hosts.find((h) => h.name === name);
  if (host) return host;
  const known = config.inventory.hosts.map((h) => h.name).join(', ') || 'none';
  throw new UserFacingError('not_found', `Host \`${name}\` is not in the inventory; known: ${known}.`);
}

/** Adapts the implementations to the front door's port. */
export function servicesOf(impls: Readonly<Record<string, CommandImpl>>): CommandServices {
  return {
    async run(spec: CommandSpec, args, ctx) {
      const impl = impls[spec.name];
      if (!impl) throw new UserFacingError('unknown_command', `\`/ci ${spec.name}\` is not available in this installation.`);
      return impl(args, ctx);
    },
  };
}
