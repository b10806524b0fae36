/** A recording Notifier for tests: every call is kept; failures can be scripted per call. */
import type { Notifier } from '../../../src/core/ports.ts';
import type { MessageRef, RenderedMessage } from '../../../src/core/types.ts';

export interface Call {
  op: 'post' | 'update';
  channel: string;
  ts: string;
  threadTs?: string;
  message: RenderedMessage;
  at: number;
}

/** Records posts and updates; `failNext` queues errors thrown by the next calls (before recording). */
export class FakeNotifier implements Notifier {
  readonly calls: Call[] = [];
  readonly attempts: Array<{ op: string; at: number }> = [];
  readonly #failures: Error[] = [];
  #seq = 0;

  failNext(...errors: Error[]): void {
    this.#failures.push(...errors);
  }

  async post(channel: string, message: RenderedMessage, opts?: { threadTs?: string }): Promise<MessageRef> {
    this.attempts.push({ op: 'post', at: Date.now() });
    const failure = this.#failures.shift();
    if (failure) throw failure;
    const ts = `1700000000.${String(++this.#seq).padStart(6, '0')}`;
    this.calls.push({ op: 'post', channel, ts, threadTs: opts?.threadTs, message, at: Date.now() });
    return { channel, ts };
  }

  async update(ref: MessageRef, message: RenderedMessage): Promise<void> {
    this.attempts.push({ op: 'update', at: Date.now() });
    const failure = this.#failures.shift();
    if (failure) throw failure;
    this.calls.push({ op: 'update', channel: ref.channel, ts: ref.ts, message, at: Date.now() });
  }

  async ephemeral(): Promise<void> {}

  posts(): Call[] {
    return this.calls.filter((c) => c.op === 'post');
  }

  /** The latest text shown for the message with timestamp `ts` (post or last update). */
  latest(ts: string): RenderedMessage | undefined {
    return this.calls.filter((c) => c.ts === ts).at(-1)?.message;
  }
}
