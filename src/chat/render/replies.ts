/** Small replies of the front door: errors, denials, confirmations. Pure functions. */
import type { UpstreamError, UpstreamService } from '../../core/errors.ts';
import type { PendingConfirmation } from '../../core/ports.ts';
import { clip, escapeMrkdwn } from '../../core/text.ts';
import { upstreamReason } from '../../cluster/read-part.ts';
import type { RenderedMessage, Role } from '../../core/types.ts';
import { usageLine, type CommandSpec } from '../registry.ts';

export const CONFIRM_ACTION = 'ci_confirm';
export const CANCEL_CONFIRM_ACTION = 'ci_confirm_cancel';

export function textReply(text: string): RenderedMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }] };
}

export function deniedReply(spec: CommandSpec, have: Role): RenderedMessage {
  return textReply(`:no_entry: \`/ci ${spec.name}\` needs the *${spec.role}* role; you are *${have}*. Ask an admin of ci-bot.`);
}

export function internalErrorReply(correlationId: string): RenderedMessage {
  return textReply(`:warning: Something went wrong on our side. It is logged as \`${correlationId}\`; please mention it when you ask for help.`);
}

const SERVICE_NAMES: Record<UpstreamService, string> = {
  mesos: 'Mesos', marathon: 'Marathon', jenkins: 'Jenkins', zookeeper: 'ZooKeeper', slack: 'Slack', ssh: 'SSH',
};

/**
 * A cluster service that failed a command's call (down, refusing, too slow): which one and how, in the words of
 * `/ci status` ({@link upstreamReason}), with what an HTTP error said; escaped, as upstream text is not ours.
 */
export function upstreamErrorReply(err: UpstreamError, correlationId: string): RenderedMessage {
  const said = err.failure === 'http' && err.detail ? ` (${clip(err.detail, 200)})` : '';
  const why = escapeMrkdwn(upstreamReason(err).text + said);
  return textReply(`:x: *${SERVICE_NAMES[err.service]}*: ${why}. \`/ci status\` shows what is up; try again when it is (logged as \`${correlationId}\`).`);
}

export function confirmReply(spec: CommandSpec, pending: PendingConfirmation, describe: string, ttlMs: number): RenderedMessage {
  const expires = ttlMs >= 60_000 ? `${Math.round(ttlMs / 60_000)} minutes` : `${Math.round(ttlMs / 1000)} seconds`;
  const text = `:warning: Confirm \`${describe}\`? ${spec.summary}. Expires in ${expires}.`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'ci_confirm',
        elements: [
          { type: 'button', style: 'danger', action_id: CONFIRM_ACTION, value: pending.id, text: { type: 'plain_text', text: 'Confirm' } },
          { type: 'button', action_id: CANCEL_CONFIRM_ACTION, value: pending.id, text: { type: 'plain_text', text: 'Cancel' } },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Requested by <@${pending.requester.userId}> · ${usageLine(spec)}` }] },
    ],
  };
}
