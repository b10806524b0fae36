import type { EmulatedBlock, MessageKind, RecordEvent, RecordedMessage } from './types.ts';
import { renderMessageText } from './render-text.ts';

/** What `waitForMessage` matches: a substring or RegExp over text + rendered blocks, or a predicate. */
export type MessageMatch = string | RegExp | ((m: RecordedMessage) => boolean);

/** Fields a caller supplies for a new message; the store adds ts, history and times. */
export interface NewMessage {
  kind: MessageKind;
  channel: string;
  text: string;
  blocks: EmulatedBlock[];
  thread_ts?: string;
  visibleTo?: string;
  responseType?: 'ephemeral' | 'in_channel';
  bot_id?: string;
  user?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/**
 * Slack `ts` values: `"<unix seconds>.<6 digits>"`, strictly increasing, so unique in every channel.
 * The counter restarts at 100 each second, as in Slack's own examples (`1700000000.000100`).
 */
export function createTsClock(now: () => number = Date.now): () => string {
  let lastSec = 0;
  let seq = 99;
  return () => {
    const sec = Math.max(Math.floor(now() / 1000), lastSec);
    seq = sec === lastSec ? seq + 1 : 100;
    lastSec = sec;
    return `${sec}.${String(seq).padStart(6, '0')}`;
  };
}

/** The text a match sees: the fallback text and the rendered blocks. */
export function searchableText(m: RecordedMessage): string {
  return `${m.text}\n${renderMessageText(m)}`;
}

/** True when `m` satisfies `match`. */
export function matches(m: RecordedMessage, match: MessageMatch): boolean {
  if (typeof match === 'function') return match(m);
  const text = searchableText(m);
  return typeof match === 'string' ? text.includes(match) : match.test(text);
}

/** Every message the emulator saw, per channel, with edits kept as history; listeners see each change. */
export class MessageStore {
  readonly #messages: RecordedMessage[] = [];
  readonly #listeners = new Set<(e: RecordEvent) => void>();
  readonly #nextTs: () => string;

  constructor(nextTs: () => string = createTsClock()) {
    this.#nextTs = nextTs;
  }

  /** Stores a new message with a fresh ts and tells the listeners. */
  add(fields: NewMessage): RecordedMessage {
    const now = Date.now();
    const message: RecordedMessage = {
      ...fields,
      ts: this.#nextTs(),
      deleted: false,
      history: [],
      postedAtMs: now,
      changedAtMs: now,
    };
    this.#messages.push(message);
    this.#emit({ type: 'posted', message });
    return message;
  }

  /** The live (not deleted) message with this channel and ts. */
  find(channel: string, ts: string): RecordedMessage | undefined {
    return this.#messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  /** Replaces text and blocks, keeping the old version in `history`. */
  update(message: RecordedMessage, text: string, blocks: EmulatedBlock[]): RecordedMessage {
    const now = Date.now();
    message.history.push({ text: message.text, blocks: message.blocks, replacedAtMs: now });
    message.text = text;
    message.blocks = blocks;
    message.changedAtMs = now;
    this.#emit({ type: 'updated', message });
    return message;
  }

  delete(message: RecordedMessage): void {
    message.deleted = true;
    message.changedAtMs = Date.now();
    this.#emit({ type: 'deleted', message });
  }

  /** Live messages in posting order, optionally of one channel. */
  list(channel?: string): RecordedMessage[] {
    return this.#messages.filter((m) => !m.deleted && (channel === undefined || m.channel === channel));
  }

  /** Every message ever stored, deleted ones included. */
  all(): RecordedMessage[] {
    return [...this.#messages];
  }

  /** Calls `listener` on every post, update and delete; returns the unsubscribe function. */
  onRecord(listener: (e: RecordEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the first live message matching `match` (already stored or arriving later, updates included)
   * whose last change is at or after `sinceMs`; rejects after `deadlineMs` listing what was seen.
   */
  waitFor(match: MessageMatch, deadlineMs = 5000, sinceMs = 0): Promise<RecordedMessage> {
    const ok = (m: RecordedMessage) => !m.deleted && m.changedAtMs >= sinceMs && matches(m, match);
    const found = this.#messages.find(ok);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        const seen = this.list().map((m) => `  ${m.kind} ${m.channel} ${m.ts}: ${searchableText(m).slice(0, 200)}`);
        reject(new Error(`no Slack message matched ${String(match)} within ${deadlineMs} ms; seen:\n${seen.join('\n')}`));
      }, deadlineMs);
      const off = this.onRecord(({ message }) => {
        if (!ok(message)) return;
        clearTimeout(timer);
        off();
        resolve(message);
      });
    });
  }

  #emit(e: RecordEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        // A broken listener (e.g. the demo printer) must not break the Web API call that caused the change.
        console.error('slack-emulator onRecord listener failed', err);
      }
    }
  }
}
