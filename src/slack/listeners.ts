/**
 * Bolt listeners: the ack path only parses, authorises, audits, enqueues or answers, then acks. Our own ack
 * deadline applies in both transports (Bolt enforces none in Socket Mode); a late answer follows on response_url.
 */
import type { App, RespondFn } from '@slack/bolt';
import type { Requester } from '../core/types.ts';
import { CANCEL_CONFIRM_ACTION, CONFIRM_ACTION, textReply } from '../chat/render/replies.ts';
import type { CommandFlow, CommandOutcome, Reply } from './command-flow.ts';
import { withDeadlineOr } from '../core/deadline.ts';

/** Handlers for other buttons (e.g. Cancel on a progress message), by action id. */
export type ActionHandlers = Readonly<Record<string, (value: string, clicker: Requester) => Promise<Reply>>>;

export interface ListenerOptions {
  flow: CommandFlow;
  ackDeadlineMs: number;
  actions: ActionHandlers;
  logError: (err: unknown, context: Record<string, unknown>) => void;
  onAck?: (latencyMs: number) => void;
  /** Removes configured secrets from everything sent to Slack (last line of defence; default: nothing). */
  scrub?: (text: string) => string;
}

const LATE = Symbol('late');

export function registerListeners(app: App, opts: ListenerOptions): void {
  app.command('/ci', async ({ command, ack, respond }) => {
    const started = performance.now();
    const requester: Requester = { userId: command.user_id, userName: command.user_name, teamId: command.team_id, channelId: command.channel_id };
    const work = opts.flow.command(command.text ?? '', requester);
    const first = await withDeadlineOr(work, opts.ackDeadlineMs, LATE);
    if (first === LATE) {
      await ack(body({ message: textReply(':hourglass_flowing_sand: Working on it; the answer follows here.'), visibility: 'ephemeral' }, opts));
      opts.onAck?.(performance.now() - started);
      await follow(respond, await work, opts);
      return;
    }
    await ack(first.ack ? body(first.ack, opts) : undefined);
    opts.onAck?.(performance.now() - started);
    if (first.later) await send(respond, await first.later(), opts, false);
  });

  const decide = (confirm: boolean) =>
    async ({ ack, body: payload, respond }: { ack: () => Promise<void>; body: unknown; respond: RespondFn }) => {
      await ack();
      const { value, clicker } = actionOf(payload);
      const reply = await opts.flow.decide(value, clicker, confirm);
      await send(respond, reply, opts, reply.replaceOriginal ?? false);
    };
  app.action(CONFIRM_ACTION, decide(true));
  app.action(CANCEL_CONFIRM_ACTION, decide(false));

  for (const [actionId, handler] of Object.entries(opts.actions)) {
    app.action(actionId, async ({ ack, body: payload, respond }) => {
      await ack();
      const { value, clicker } = actionOf(payload);
      await send(respond, await handler(value, clicker), opts, false);
    });
  }
  const known = [CONFIRM_ACTION, CANCEL_CONFIRM_ACTION, ...Object.keys(opts.actions)].map(escapeRe).join('|');
  // Unknown buttons (old messages, other apps' ids) are acknowledged and ignored rather than left to time out.
  app.action(new RegExp(`^(?!(?:${known})$)`), async ({ ack }) => ack());
}

function body(reply: Reply, opts: ListenerOptions): Record<string, unknown> {
  const scrub = opts.scrub ?? ((t: string) => t);
  const blocks = reply.message.blocks ? { blocks: JSON.parse(scrub(JSON.stringify(reply.message.blocks))) as unknown } : {};
  return { response_type: reply.visibility, text: scrub(reply.message.text), ...blocks };
}

async function follow(respond: RespondFn, outcome: CommandOutcome, opts: ListenerOptions): Promise<void> {
  if (outcome.ack) await send(respond, outcome.ack, opts, false);
  if (outcome.later) await send(respond, await outcome.later(), opts, false);
}

async function send(respond: RespondFn, reply: Reply, opts: ListenerOptions, replace: boolean): Promise<void> {
  try {
    await respond({ ...body(reply, opts), replace_original: replace } as Parameters<RespondFn>[0]);
  } catch (err) {
    opts.logError(err, { where: 'respond' });
  }
}

function actionOf(payload: unknown): { value: string; clicker: Requester } {
  const p = payload as { user?: { id?: string; name?: string }; team?: { id?: string }; channel?: { id?: string }; actions?: Array<{ value?: string }> };
  return {
    value: String(p.actions?.[0]?.value ?? ''),
    clicker: { userId: p.user?.id ?? 'unknown', userName: p.user?.name, teamId: p.team?.id, channelId: p.channel?.id ?? '' },
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
