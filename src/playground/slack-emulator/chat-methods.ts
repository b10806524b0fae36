/** chat.* methods: post, update, ephemeral, delete — with Slack's Block Kit limits and error codes (SLACK.md §6–§7). */
import { randomBytes } from 'node:crypto';
import { MAX_MESSAGE_TEXT, invalidBlocksResponse, validateBlocks } from './block-limits.ts';
import type { MessageStore } from './message-store.ts';
import { messageJson, type Workspace } from './payloads.ts';
import type { EmulatedBlock } from './types.ts';
import type { Directory } from './workspace-state.ts';

/** What every Web API method handler gets. */
export interface ApiContext {
  ws: Workspace;
  store: MessageStore;
  directory: Directory;
}

export type Args = Record<string, unknown>;
export type ApiAnswer = Record<string, unknown> & { ok: boolean };

const fail = (error: string): ApiAnswer => ({ ok: false, error });

/** Slack fills in a random block_id for blocks that have none; clicks then carry it. */
function withBlockIds(blocks: EmulatedBlock[]): EmulatedBlock[] {
  return blocks.map((b) => (b.block_id === undefined ? { ...b, block_id: randomBytes(3).toString('base64url') } : b));
}

/**
 * Validated content of a post/update: text and blocks, or the error answer.
 * `tooLong` is what over-long text does: `truncate` (chat.postMessage) or `msg_too_long` (update, ephemeral).
 */
export function contentOf(
  args: Args,
  tooLong: 'truncate' | 'msg_too_long',
): { text: string; blocks: EmulatedBlock[] } | ApiAnswer {
  let text = typeof args.text === 'string' ? args.text : '';
  if (typeof args.blocks === 'string') return fail('invalid_blocks_format');
  const blocks = args.blocks === undefined ? [] : args.blocks;
  if (!Array.isArray(blocks)) return fail('invalid_blocks_format');
  const errors = validateBlocks(blocks);
  if (errors.length > 0) return invalidBlocksResponse(errors);
  if (text === '' && blocks.length === 0 && args.attachments === undefined) return fail('no_text');
  if (text.length > MAX_MESSAGE_TEXT) {
    if (tooLong === 'msg_too_long') return fail('msg_too_long');
    text = text.slice(0, MAX_MESSAGE_TEXT);
  }
  return { text, blocks: withBlockIds(blocks as EmulatedBlock[]) };
}

const isAnswer = (v: unknown): v is ApiAnswer => typeof v === 'object' && v !== null && 'ok' in v;

export function postMessage(args: Args, ctx: ApiContext): ApiAnswer {
  const channel = ctx.directory.channel(String(args.channel ?? ''));
  if (!channel) return fail('channel_not_found');
  const content = contentOf(args, 'truncate');
  if (isAnswer(content)) return content;
  const threadTs = typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : undefined;
  const metadata = metadataOf(args.metadata);
  if (metadata === null) return fail('invalid_metadata_format');
  const m = ctx.store.add({
    ...(metadata ? { metadata } : {}),
    kind: threadTs ? 'thread' : 'channel',
    channel: channel.id,
    ...content,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    bot_id: ctx.ws.botId,
    user: ctx.ws.botUserId,
  });
  return { ok: true, channel: channel.id, ts: m.ts, message: messageJson(m, ctx.ws) };
}

/** `metadata` as Slack takes it: `{event_type, event_payload}`; undefined when absent, null when malformed. */
function metadataOf(raw: unknown): { event_type: string; event_payload: Record<string, unknown> } | undefined | null {
  if (raw === undefined) return undefined;
  const m = raw as { event_type?: unknown; event_payload?: unknown } | null;
  if (!m || typeof m.event_type !== 'string' || typeof m.event_payload !== 'object' || m.event_payload === null) return null;
  return { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
}

export function update(args: Args, ctx: ApiContext): ApiAnswer {
  const channel = ctx.directory.channel(String(args.channel ?? ''));
  if (!channel) return fail('channel_not_found');
  const m = ctx.store.find(channel.id, String(args.ts ?? ''));
  if (!m) return fail('message_not_found');
  if (m.kind === 'ephemeral' || m.visibleTo !== undefined) return fail('cant_update_message');
  const content = contentOf(args, 'msg_too_long');
  if (isAnswer(content)) return content;
  ctx.store.update(m, content.text, content.blocks);
  return { ok: true, channel: channel.id, ts: m.ts, text: m.text, message: messageJson(m, ctx.ws) };
}

export function postEphemeral(args: Args, ctx: ApiContext): ApiAnswer {
  const channel = ctx.directory.channel(String(args.channel ?? ''));
  if (!channel) return fail('channel_not_found');
  const user = ctx.directory.users.get(String(args.user ?? ''));
  if (!user) return fail('user_not_in_channel');
  const content = contentOf(args, 'msg_too_long');
  if (isAnswer(content)) return content;
  const threadTs = typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : undefined;
  const metadata = metadataOf(args.metadata);
  if (metadata === null) return fail('invalid_metadata_format');
  const m = ctx.store.add({
    ...(metadata ? { metadata } : {}),
    kind: 'ephemeral',
    channel: channel.id,
    ...content,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    visibleTo: user.id,
    bot_id: ctx.ws.botId,
    user: ctx.ws.botUserId,
  });
  return { ok: true, message_ts: m.ts };
}

export function deleteMessage(args: Args, ctx: ApiContext): ApiAnswer {
  const channel = ctx.directory.channel(String(args.channel ?? ''));
  if (!channel) return fail('channel_not_found');
  const m = ctx.store.find(channel.id, String(args.ts ?? ''));
  if (!m || m.visibleTo !== undefined) return fail('message_not_found');
  ctx.store.delete(m);
  return { ok: true, channel: channel.id, ts: m.ts };
}
