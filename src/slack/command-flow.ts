/**
 * The front door's logic, free of Bolt: parse → authorise → audit → (confirm | enqueue | answer) → reply.
 * Nothing here calls SSH or an upstream before the ack: commands that read the cluster are `deferred` and run
 * after it.
 */
import { isUserFacing, UpstreamError } from '../core/errors.ts';
import { correlationId } from '../core/ids.ts';
import type { AuditLog, ConfirmationStore, PendingConfirmation } from '../core/ports.ts';
import { roleAtLeast, type RenderedMessage, type Requester, type Role } from '../core/types.ts';
import type { CommandRegistry, CommandSpec } from '../chat/registry.ts';
import { confirmReply, deniedReply, internalErrorReply, textReply, upstreamErrorReply } from '../chat/render/replies.ts';
import { describeCommand } from './command-text.ts';
import type { RoleResolver } from './rbac.ts';
import { BoundedWaits } from '../core/deadline.ts';

export type Visibility = 'ephemeral' | 'in_channel';
export interface Reply {
  message: RenderedMessage;
  visibility: Visibility;
  /** For button clicks: replace the message that holds the button (default false: answer beside it). */
  replaceOriginal?: boolean;
}

/** What the front door does with one command: an immediate ack body, and optionally work to answer after it. */
export interface CommandOutcome {
  ack?: Reply;
  later?: () => Promise<Reply>;
}

/** Runs an authorised command; the registry says whether it is direct, deferred or queued. */
export interface CommandServices {
  run(spec: CommandSpec, args: Record<string, unknown>, ctx: { requester: Requester; role: Role }): Promise<RenderedMessage>;
}

export interface CommandFlowDeps {
  registry: CommandRegistry;
  roles: RoleResolver;
  audit: AuditLog;
  confirmations: ConfirmationStore;
  services: CommandServices;
  /** Per-command visibility overrides from config. */
  visibility: Readonly<Record<string, Visibility>>;
  secondAdminMayConfirm: boolean;
  confirmTtlMs?: number;
  /** Longest wait for the audit append on the ack path, in ms (default 50). */
  auditBudgetMs?: number;
  /** Shared with the replay guard on the same Redis connection (default: the audit's own). */
  ackWaits?: BoundedWaits;
  logError: (err: unknown, context: Record<string, unknown>) => void;
  onCommand?: (name: string, outcome: string) => void;
}

export const CONFIRM_TTL_MS = 5 * 60_000;

export class CommandFlow {
  private readonly deps: CommandFlowDeps;
  private readonly ackWaits: BoundedWaits;
  constructor(deps: CommandFlowDeps) {
    this.deps = deps;
    this.ackWaits = deps.ackWaits ?? new BoundedWaits();
  }

  async command(text: string, requester: Requester): Promise<CommandOutcome> {
    let name = '(unparsed)';
    try {
      const { spec, args } = this.deps.registry.parse(text);
      name = spec.name;
      const role = await this.deps.roles.roleOf(requester.userId);
      const line = describeCommand(spec, args);
      if (!roleAtLeast(role, spec.role)) {
        await this.audit({ kind: 'denied', user: requester.userId, command: spec.name, args: line, channel: requester.channelId, outcome: `needs ${spec.role}` });
        this.deps.onCommand?.(spec.name, 'denied');
        return { ack: { message: deniedReply(spec, role), visibility: 'ephemeral' } };
      }
      if (spec.confirm) return await this.askToConfirm(spec, args, requester, line, text);
      await this.audit({ kind: 'command', user: requester.userId, command: spec.name, args: line, channel: requester.channelId, outcome: 'accepted' });
      // A secret answer is for the requester only: no config override may post it in the channel.
      const visibility = spec.secret ? 'ephemeral' : (this.deps.visibility[spec.name] ?? spec.visibility ?? 'ephemeral');
      const run = async (): Promise<Reply> => ({ message: await this.deps.services.run(spec, args, { requester, role }), visibility });
      if (spec.run === 'deferred') return { later: () => this.safely(run, spec.name, requester) };
      const reply = await run();
      this.deps.onCommand?.(spec.name, 'ok');
      return { ack: reply };
    } catch (err) {
      return { ack: this.failure(err, name, requester) };
    }
  }

  /** Runs a command on behalf of a button click, with the same authorisation and audit as typed commands. */
  async runAs(name: string, args: Record<string, unknown>, requester: Requester): Promise<Reply> {
    const spec = this.deps.registry.find(name);
    if (!spec || spec.confirm) return eph(`\`/ci ${name}\` cannot be run from a button.`);
    try {
      const checked = spec.schema.safeParse(args);
      if (!checked.success) return eph('That button carries a value ci-bot does not accept; nothing was done.');
      args = checked.data as Record<string, unknown>;
      const role = await this.deps.roles.roleOf(requester.userId);
      const line = describeCommand(spec, args);
      if (!roleAtLeast(role, spec.role)) {
        await this.audit({ kind: 'denied', user: requester.userId, command: name, args: line, channel: requester.channelId, outcome: `needs ${spec.role}` });
        return { message: deniedReply(spec, role), visibility: 'ephemeral' };
      }
      await this.audit({ kind: 'command', user: requester.userId, command: name, args: line, channel: requester.channelId, outcome: 'button' });
      return { message: await this.deps.services.run(spec, args, { requester, role }), visibility: 'ephemeral' };
    } catch (err) {
      return this.failure(err, name, requester);
    }
  }

  /** A click on Confirm or Cancel. Only the requester (or, if configured, another admin) may decide. */
  async decide(id: string, clicker: Requester, confirm: boolean): Promise<Reply> {
    try {
      const pending = await this.deps.confirmations.get(id);
      if (!pending) return { ...eph(':hourglass: This confirmation has expired or was already answered; nothing was done.'), replaceOriginal: true };
      const clickerRole = await this.deps.roles.roleOf(clicker.userId);
      const mayDecide = pending.requester.userId === clicker.userId || (this.deps.secondAdminMayConfirm && clickerRole === 'admin');
      if (!mayDecide) {
        await this.audit({ kind: 'denied', user: clicker.userId, command: pending.command, channel: clicker.channelId, outcome: 'not the requester' });
        // Answered beside the prompt, not in its place: the requester still needs its buttons.
        return eph(`:no_entry: Only <@${pending.requester.userId}>${this.deps.secondAdminMayConfirm ? ' or another admin' : ''} can answer this confirmation.`);
      }
      const taken = await this.deps.confirmations.take(id);
      if (!taken) return eph(':hourglass: This confirmation was already answered; nothing more was done.');
      const spec = this.deps.registry.find(taken.command);
      if (!spec) return eph('That command no longer exists; nothing was done.');
      const line = describeCommand(spec, taken.args);
      if (!confirm) {
        await this.audit({ kind: 'cancelled', user: clicker.userId, command: taken.command, args: line, channel: clicker.channelId });
        return { ...eph(`Cancelled \`${line}\`; nothing was done.`), replaceOriginal: true };
      }
      return await this.runConfirmed(spec, taken, clicker, line);
    } catch (err) {
      return this.failure(err, 'confirm', clicker);
    }
  }

  private async runConfirmed(spec: CommandSpec, taken: PendingConfirmation, clicker: Requester, line: string): Promise<Reply> {
    // What runs is the typed text, parsed and validated again, by someone who still has the role.
    const again = this.deps.registry.parse(taken.text);
    if (again.spec.name !== spec.name) return eph('That confirmation does not match its command; nothing was done.');
    const role = await this.deps.roles.roleOf(taken.requester.userId);
    if (!roleAtLeast(role, spec.role)) {
      await this.audit({ kind: 'denied', user: taken.requester.userId, command: spec.name, args: line, channel: taken.requester.channelId, outcome: `needs ${spec.role}` });
      return { message: deniedReply(spec, role), visibility: 'ephemeral', replaceOriginal: true };
    }
    await this.audit({ kind: 'confirmed', user: clicker.userId, command: spec.name, args: line, channel: taken.requester.channelId });
    const message = await this.deps.services.run(spec, again.args, { requester: taken.requester, role });
    this.deps.onCommand?.(spec.name, 'ok');
    return { message: prefix(`Confirmed by <@${clicker.userId}>.`, message), visibility: 'in_channel', replaceOriginal: true };
  }

  private async askToConfirm(spec: CommandSpec, args: Record<string, unknown>, requester: Requester, line: string, text: string): Promise<CommandOutcome> {
    const ttlMs = this.deps.confirmTtlMs ?? CONFIRM_TTL_MS;
    const pending = await this.deps.confirmations.create({ command: spec.name, text, args, requester }, ttlMs);
    await this.audit({ kind: 'confirm_requested', user: requester.userId, command: spec.name, args: line, channel: requester.channelId });
    this.deps.onCommand?.(spec.name, 'confirm_requested');
    const visibility: Visibility = this.deps.secondAdminMayConfirm ? 'in_channel' : 'ephemeral';
    return { ack: { message: confirmReply(spec, pending, line, ttlMs), visibility } };
  }

  private async safely(run: () => Promise<Reply>, name: string, requester: Requester): Promise<Reply> {
    try {
      const reply = await run();
      this.deps.onCommand?.(name, 'ok');
      return reply;
    } catch (err) {
      return this.failure(err, name, requester);
    }
  }

  private failure(err: unknown, name: string, requester: Requester): Reply {
    if (isUserFacing(err)) {
      this.deps.onCommand?.(name, err.code);
      return eph(`:x: ${err.message}`);
    }
    const id = correlationId();
    this.deps.logError(err, { correlationId: id, command: name, user: requester.userId });
    if (err instanceof UpstreamError) {
      this.deps.onCommand?.(name, 'upstream');
      return { message: upstreamErrorReply(err, id), visibility: 'ephemeral' };
    }
    this.deps.onCommand?.(name, 'error');
    return { message: internalErrorReply(id), visibility: 'ephemeral' };
  }

  /**
   * Audit must not hold the ack hostage: the append gets `auditBudgetMs` (default 50 ms; a healthy append takes about 1 ms) on the ack path; a slow
   * or failing audit store is logged and the command goes on (the append still completes if Redis recovers).
   */
  private async audit(entry: Parameters<AuditLog['append']>[0]): Promise<void> {
    // After a write on this connection overran its budget, appends do not wait at all until one completes again.
    const append = this.deps.audit.append(entry);
    append.catch((err: unknown) => this.deps.logError(err, { audit: entry.kind, command: entry.command }));
    await this.ackWaits.within(append, this.deps.auditBudgetMs ?? 50);
  }
}

function eph(text: string): Reply {
  return { message: textReply(text), visibility: 'ephemeral' };
}

function prefix(line: string, message: RenderedMessage): RenderedMessage {
  return { text: `${line} ${message.text}`, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: line }] }, ...(message.blocks ?? [])] };
}
