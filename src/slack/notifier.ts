/**
 * The Web API side of the outbox: posts and updates with no retries of its own (the outbox retries, in order),
 * turning 429 and 5xx into RetryLaterError so the outbox waits as Slack asks, and Slack's `ok:false` answers
 * (channel_not_found, invalid_blocks, message_not_found…) into PermanentError so the outbox dead-letters them at
 * once instead of retrying a message Slack will never take.
 */
import { ErrorCode, type WebClient } from '@slack/web-api';
import { PermanentError, RetryLaterError, UpstreamError } from '../core/errors.ts';
import type { HomeTab, Notifier } from '../core/ports.ts';
import type { MessageRef, RenderedMessage } from '../core/types.ts';

/** Message metadata type on everything the outbox posts; its payload carries the outbox key. */
const METADATA_TYPE = 'cibot_outbox';

export class WebApiNotifier implements Notifier {
  private readonly client: WebClient;
  constructor(client: WebClient) {
    this.client = client;
  }

  async post(channel: string, message: RenderedMessage, opts: { threadTs?: string; key?: string } = {}): Promise<MessageRef> {
    const res = await call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel, text: message.text, blocks: message.blocks as never, ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
        ...(opts.key ? { metadata: { event_type: METADATA_TYPE, event_payload: { key: opts.key } } } : {}),
      }),
    );
    return { channel: String(res.channel ?? channel), ts: String(res.ts) };
  }

  /** Reads the channel's history (or the thread) since `oldestSec`, newest first, for our metadata tag; ≤ 5 pages. */
  async findPosted(channel: string, key: string, opts: { oldestSec: number; threadTs?: string }): Promise<MessageRef | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const args = { channel, oldest: String(opts.oldestSec), include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
      const res = await call(opts.threadTs ? 'conversations.replies' : 'conversations.history', () =>
        opts.threadTs ? this.client.conversations.replies({ ...args, ts: opts.threadTs as string }) : this.client.conversations.history(args),
      );
      const hit = (res.messages ?? []).find((m) => {
        const meta = (m as { metadata?: { event_type?: string; event_payload?: { key?: unknown } } }).metadata;
        return meta?.event_type === METADATA_TYPE && meta.event_payload?.key === key;
      });
      if (hit?.ts) return { channel, ts: hit.ts };
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!res.has_more || !cursor) return undefined;
    }
    return undefined;
  }

  async update(ref: MessageRef, message: RenderedMessage): Promise<void> {
    await call('chat.update', () => this.client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks as never }));
  }

  async ephemeral(channel: string, user: string, message: RenderedMessage): Promise<void> {
    await call('chat.postEphemeral', () => this.client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks as never }));
  }
}

/** App Home through views.publish, with the outbox's error mapping (a 429 waits as Slack asks). */
export class WebApiHomeTab implements HomeTab {
  private readonly client: WebClient;
  constructor(client: WebClient) {
    this.client = client;
  }

  async publish(userId: string, view: { blocks: readonly unknown[] }): Promise<void> {
    await call('views.publish', () => this.client.views.publish({ user_id: userId, view: { type: 'home', blocks: view.blocks as never } }));
  }
}

async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
    if (e.code === ErrorCode.RateLimitedError) throw new RetryLaterError(`${method}: rate limited`, (e.retryAfter ?? 1) * 1000, { cause: err });
    if (e.code === ErrorCode.HTTPError || e.code === ErrorCode.RequestError) {
      throw new RetryLaterError(`${method}: ${e.statusCode ?? 'network'} error`, 1000, { cause: err });
    }
    const detail = e.data?.error ?? (err instanceof Error ? err.message : String(err));
    if (e.code === ErrorCode.PlatformError) throw new PermanentError('upstream', `slack ${method} refused: ${detail}`, { cause: err });
    throw new UpstreamError('slack', method, { failure: 'bad_answer', detail }, { cause: err });
  }
}
