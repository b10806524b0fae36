/**
 * Wire payloads Slack sends to an app: slash command form fields (SLACK.md §1) and `block_actions` (§3),
 * plus request signing (§2).
 */
import { createHmac } from 'node:crypto';
import type { EmulatedBlock, RecordedMessage, SlackChannel, SlackUser } from './types.ts';

/** The emulated workspace and app identity. */
export interface Workspace {
  teamId: string;
  teamDomain: string;
  appId: string;
  botId: string;
  botUserId: string;
  /** Deprecated verification token Slack still sends as `token`. */
  verificationToken: string;
}

/** Defaults for the emulated workspace. */
export const DEFAULT_WORKSPACE: Workspace = {
  teamId: 'T0CIBOT001',
  teamDomain: 'ci-emulated',
  appId: 'A0CIBOT001',
  botId: 'B0CIBOT001',
  botUserId: 'U0CIBOT001',
  verificationToken: 'emulated-verification-token',
};

/** Slack request signature: `v0=` + hex HMAC-SHA256(secret, `v0:{ts}:{rawBody}`). */
export function signature(signingSecret: string, timestampSec: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex')}`;
}

/** Slash command form fields in the order of Slack's docs example (string values only, as on the wire). */
export function slashCommandFields(args: {
  ws: Workspace;
  user: SlackUser;
  channel: SlackChannel;
  command: string;
  text: string;
  responseUrl: string;
  triggerId: string;
}): Record<string, string> {
  const { ws, user, channel } = args;
  return {
    token: ws.verificationToken,
    team_id: ws.teamId,
    team_domain: ws.teamDomain,
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: user.id,
    user_name: user.name,
    command: args.command,
    text: args.text,
    api_app_id: ws.appId,
    is_enterprise_install: 'false',
    response_url: args.responseUrl,
    trigger_id: args.triggerId,
  };
}

/** `block_actions` payload for a click on `element` (found in `blockId`) of a recorded message. */
export function blockActionsPayload(args: {
  ws: Workspace;
  user: SlackUser;
  channel: SlackChannel;
  message: RecordedMessage;
  blockId: string;
  element: Record<string, unknown>;
  responseUrl: string;
  triggerId: string;
}): Record<string, unknown> {
  const { ws, user, channel, message, element } = args;
  const isEphemeral = message.visibleTo !== undefined;
  const container: Record<string, unknown> = {
    type: 'message',
    message_ts: message.ts,
    channel_id: channel.id,
    is_ephemeral: isEphemeral,
  };
  if (message.thread_ts) container.thread_ts = message.thread_ts;
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: ws.teamId },
    api_app_id: ws.appId,
    token: ws.verificationToken,
    container,
    trigger_id: args.triggerId,
    team: { id: ws.teamId, domain: ws.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel.id, name: channel.name },
    state: { values: {} },
    response_url: args.responseUrl,
    actions: [actionOf(element, args.blockId)],
  };
  // Slack sends no `message` for clicks on ephemeral messages (the app never had the message).
  if (!isEphemeral) payload.message = messageJson(message, ws);
  return payload;
}

function actionOf(element: Record<string, unknown>, blockId: string): Record<string, unknown> {
  const action: Record<string, unknown> = {
    type: element.type,
    action_id: element.action_id,
    block_id: blockId,
    text: element.text,
    value: element.value,
    action_ts: (Date.now() / 1000).toFixed(6),
  };
  if (element.style !== undefined) action.style = element.style;
  return action;
}

/** A stored message as Slack shows it inside payloads and API answers. */
export function messageJson(m: RecordedMessage, ws: Workspace, opts: { metadata?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'message',
    text: m.text,
    user: m.user ?? ws.botUserId,
    ts: m.ts,
    team: ws.teamId,
    blocks: m.blocks,
  };
  if (m.bot_id) out.bot_id = m.bot_id;
  if (m.thread_ts) out.thread_ts = m.thread_ts;
  if (m.history.length > 0) out.edited = { user: ws.botUserId, ts: m.ts };
  if (opts.metadata && m.metadata) out.metadata = m.metadata;
  return out;
}

/** The button (or other element) with `actionId` in a message's blocks, with the id of its block. */
export function findAction(
  blocks: EmulatedBlock[],
  actionId: string,
): { blockId: string; element: Record<string, unknown> } | undefined {
  for (const block of blocks) {
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory];
    for (const el of candidates) {
      if (typeof el === 'object' && el !== null && (el as { action_id?: unknown }).action_id === actionId) {
        return { blockId: String(block.block_id ?? ''), element: el as Record<string, unknown> };
      }
    }
  }
  return undefined;
}
