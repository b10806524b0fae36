/**
 * conversations.history and conversations.replies as Slack answers them: history newest first, replies parent
 * first then oldest first; `oldest`/`latest` bound by ts (exclusive unless `inclusive`), `limit` (default 100,
 * at most 999 for history, 1000 for replies) with a `next_cursor`; message metadata only with
 * `include_all_metadata=true`. Deleted and ephemeral messages are never listed.
 */
import type { ApiAnswer, ApiContext, Args } from './chat-methods.ts';
import { messageJson } from './payloads.ts';
import type { RecordedMessage } from './types.ts';

const fail = (error: string): ApiAnswer => ({ ok: false, error });
const flag = (v: unknown) => v === true || v === 'true' || v === '1';

export function conversationsHistory(args: Args, ctx: ApiContext): ApiAnswer {
  const channel = ctx.directory.channel(String(args.channel ?? ''));
  if (!channel) return fail('channel_not_found');
  // Thread replies are not in a channel's history (only their parent is).
  const listed = visible(ctx.store.list(channel.id)).filter((m) => m.kind === 'channel');
  return page(inRange(listed, args).sort((a, b) => Number(b.ts) - Number(a.ts)), args, 999, ctx);
}

export function conversationsReplies(args: Args, ctx: ApiContext): ApiAnswer {
  const channel = ctx.directory.channel(String(args.channel ?? ''));
  if (!channel) return fail('channel_not_found');
  const ts = String(args.ts ?? '');
  const all = visible(ctx.store.list(channel.id));
  const parent = all.find((m) => m.ts === ts && m.kind === 'channel');
  if (!parent) return fail('thread_not_found');
  const replies = inRange(all.filter((m) => m.kind === 'thread' && m.thread_ts === ts), args).sort((a, b) => Number(a.ts) - Number(b.ts));
  return page([parent, ...replies], args, 1000, ctx);
}

function visible(messages: RecordedMessage[]): RecordedMessage[] {
  return messages.filter((m) => !m.deleted && m.visibleTo === undefined && (m.kind === 'channel' || m.kind === 'thread'));
}

function inRange(messages: RecordedMessage[], args: Args): RecordedMessage[] {
  const inclusive = flag(args.inclusive);
  const oldest = args.oldest === undefined ? -Infinity : Number(args.oldest);
  const latest = args.latest === undefined ? Infinity : Number(args.latest);
  return messages.filter((m) => {
    const t = Number(m.ts);
    return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
  });
}

function page(messages: RecordedMessage[], args: Args, max: number, ctx: ApiContext): ApiAnswer {
  const limit = Math.min(Math.max(Number(args.limit ?? 100) || 100, 1), max);
  const start = args.cursor ? Number(Buffer.from(String(args.cursor), 'base64url').toString('utf8')) || 0 : 0;
  const slice = messages.slice(start, start + limit);
  const more = start + limit < messages.length;
  const metadata = flag(args.include_all_metadata);
  return {
    ok: true,
    messages: slice.map((m) => messageJson(m, ctx.ws, { metadata })),
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(String(start + limit)).toString('base64url') : '' },
  };
}
