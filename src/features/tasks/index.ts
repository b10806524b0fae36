/**
 * The commands' implementations, by name. Only commands with an implementation here are registered, so
 * `/ci help` never lists something that does not work yet.
 */
import { UserFacingError } from '../../core/errors.ts';
import type { AuditLog } from '../../core/ports.ts';
import type { RenderedMessage, Requester, Role } from '../../core/types.ts';
import type { Config } from '../../config/schema.ts';
import { renderHelp } from '../../chat/help.ts';
import type { CommandRegistry, CommandSpec } from '../../chat/registry.ts';
import { textReply } from '../../chat/render/replies.ts';
import { renderHistory, renderHosts, renderJobLog, renderJobs } from '../../chat/render/lists.ts';
import type { CommandServices } from '../../slack/command-flow.ts';
import type { TaskClient } from '../../queue/task-client.ts';

export type CommandImpl = (args: Record<string, unknown>, ctx: { requester: Requester; role: Role }) => Promise<RenderedMessage>;

export interface ServiceDeps {
  config: Config;
  audit: AuditLog;
  tasks: TaskClient;
  /** Turns a queued command into task data per job; returns `[kind, data]` pairs (fan-out commands give several). */
  toTasks: Readonly<Record<string, (args: Record<string, unknown>, requester: Requester) => Array<[string, unknown]>>>;
  /** Run-time host-key pins (`/ci trust-host`). */
  pins: { get(host: string): Promise<readonly string[]>; replace(host: string, fingerprint: string): Promise<string[]> };
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
      if (host.hostKey?.replace(/=$/, '') === fingerprint) {
        return textReply(`\`${fingerprint}\` is the key pinned for *${host.name}* in the inventory; nothing changed.`);
      }
      const replaced = await deps.pins.replace(host.name, fingerprint);
      await deps.audit.append({ kind: 'command', user: requester.userId, command: 'trust-host', args: `${host.name} ${fingerprint}`, outcome: 'pinned' });
      const was = replaced.length > 0 ? ` It replaces ${replaced.map((f) => `\`${f}\``).join(', ')}, which is no longer trusted.` : '';
      return textReply(`:lock: Pinned \`${fingerprint}\` for *${host.name}*.${was} ci-bot will now talk to it over SSH.`);
    },
    ...deps.extra,
  };
  for (const [name, toTasks] of Object.entries(deps.toTasks)) {
    impls[name] = async (args, { requester }) => {
      const lines: string[] = [];
      for (const [kind, data] of toTasks(args, requester)) {
        try {
          lines.push(enqueuedLine(await deps.tasks.enqueue(kind, data)));
        } catch (err) {
          // Fan-out: say which tasks were queued before the queue failed, not only "nothing was queued".
          if (lines.length === 0 || !(err instanceof UserFacingError)) throw err;
          lines.push(`:x: ${taskLabel(data)} was not queued: ${err.message}`);
          break;
        }
      }
      return textReply(lines.join('\n'));
    };
  }
  return impls;
}

function enqueuedLine(res: { jobId: string; state: string; behind?: string | undefined }): string {
  if (res.state === 'queued_behind') return `:double_vertical_bar: \`${res.jobId}\` is queued behind \`${res.behind}\`, which runs on the same host now.`;
  if (res.state === 'duplicate') return `:repeat: \`${res.jobId}\` is already queued; not added twice.`;
  return `:inbox_tray: Queued \`${res.jobId}\`; progress follows in this channel.`;
}

function taskLabel(data: unknown): string {
  const host = (data as { host?: unknown }).host;
  return typeof host === 'string' ? `the task for ${host}` : 'the next task';
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
