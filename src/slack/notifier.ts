/**
 * The Web API side of the outbox: posts and updates with no retries of its own (the outbox retries, in order),
 * turning 429 and 5xx into RetryLaterError so the outbox waits as Slack asks, and Slack's `ok:false` answers
 * (channel_not_found, invalid_blocks, message_not_found…) into PermanentError so the outbox dead-letters them at
 * once instead of retrying a message Slack will never take.
 */
import { ErrorCode, type WebClient } from '@slack/web-api';
import { PermanentError, RetryLaterError, UpstreamError } from '../core/errors.ts';
import type { Notifier } from '../core/ports.ts';
import type { MessageRef, RenderedMessage } from '../core/types.ts';

export class WebApiNotifier implements Notifier {
  private readonly client: WebClient;
  constructor(client: WebClient) {
    this.client = client;
  }

  async post(channel: string, message: RenderedMessage, opts: { threadTs?: string } = {}): Promise<MessageRef> {
    const res = await call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks as never, ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}) }),
    );
    return { channel: String(res.channel ?? channel), ts: String(res.ts) };
  }

  async update(ref: MessageRef, message: RenderedMessage): Promise<void> {
    await call('chat.update', () => this.client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks as never }));
  }

  async ephemeral(channel: string, user: string, message: RenderedMessage): Promise<void> {
    await call('chat.postEphemeral', () => this.client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks as never }));
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
