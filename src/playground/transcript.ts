/**
 * The demo's one transcript: what the user typed and every message the bot posted, updated or deleted in the
 * emulated workspace, in order, plus each user's App Home view. The terminal prints it as text
 * (renderMessageText); the web page receives the same entries as JSON over Server-Sent Events and renders the
 * Block Kit itself. An entry is keyed by channel and ts, so an update replaces the entry it updates (`version`
 * counts the edits) instead of appending.
 */
import type { RecordEvent, RecordedMessage, SlackEmulator } from './slack-emulator/index.ts';

/** Where an entry shows: the channel, a thread under `threadTs`, or to one user only. */
export type EntryPlace = 'channel' | 'thread' | 'ephemeral';

export interface TranscriptEntry {
  /** Stable id: `<channel>:<ts>` for messages, `typed:<n>` for what the user typed. */
  id: string;
  /** Order of first appearance. */
  seq: number;
  /** Bumped by every change; the web page re-renders an entry when it grows. */
  version: number;
  kind: 'typed' | 'message';
  place: EntryPlace;
  channel: string;
  ts?: string;
  threadTs?: string;
  /** The user who typed it, or who alone sees an ephemeral message. */
  user?: string;
  text: string;
  blocks: ReadonlyArray<Record<string, unknown>>;
  deleted: boolean;
  /** Epoch ms of the last change. */
  atMs: number;
}

/** A change a subscriber is told about: an entry (new or changed), or a user's App Home view. */
export type TranscriptChange = { type: 'entry'; entry: TranscriptEntry } | { type: 'home'; user: string; view: unknown };

export class Transcript {
  readonly #entries = new Map<string, TranscriptEntry>();
  readonly #homes = new Map<string, unknown>();
  readonly #listeners = new Set<(c: TranscriptChange) => void>();
  #seq = 0;
  #typed = 0;

  /** Follows `slack`'s message store and App Home views from now on; returns the unsubscribe function. */
  follow(slack: SlackEmulator): () => void {
    const offRecord = slack.onRecord((e) => this.#record(e));
    const offHome = slack.onHomePublished((user, view) => {
      this.#homes.set(user, view);
      this.#emit({ type: 'home', user, view });
    });
    return () => {
      offRecord();
      offHome();
    };
  }

  /** Records what `user` typed in `channel`. */
  typed(user: string, channel: string, text: string): TranscriptEntry {
    const entry: TranscriptEntry = {
      id: `typed:${++this.#typed}`, seq: ++this.#seq, version: 1, kind: 'typed', place: 'channel', channel, user, text, blocks: [],
      deleted: false, atMs: Date.now(),
    };
    this.#entries.set(entry.id, entry);
    this.#emit({ type: 'entry', entry });
    return entry;
  }

  /** Every entry in order of first appearance. */
  entries(): TranscriptEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The App Home view last published for `user`. */
  home(user: string): unknown {
    return this.#homes.get(user);
  }

  /** Calls `listener` for every change from now on; returns the unsubscribe function. */
  subscribe(listener: (c: TranscriptChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #record(e: RecordEvent): void {
    const m = e.message;
    const id = `${m.channel}:${m.ts}`;
    const before = this.#entries.get(id);
    const entry: TranscriptEntry = {
      id, seq: before?.seq ?? ++this.#seq, version: (before?.version ?? 0) + 1, kind: 'message', place: placeOf(m), channel: m.channel, ts: m.ts,
      ...(m.thread_ts && m.thread_ts !== m.ts ? { threadTs: m.thread_ts } : {}),
      ...(m.visibleTo ? { user: m.visibleTo } : {}),
      text: m.text, blocks: m.blocks, deleted: e.type === 'deleted' || m.deleted, atMs: m.changedAtMs,
    };
    this.#entries.set(id, entry);
    this.#emit({ type: 'entry', entry });
  }

  #emit(c: TranscriptChange): void {
    for (const l of this.#listeners) {
      try {
        l(c);
      } catch {
        /* one broken viewer must not stop the others */
      }
    }
  }
}

function placeOf(m: RecordedMessage): EntryPlace {
  if (m.kind === 'ephemeral' || m.visibleTo !== undefined || m.responseType === 'ephemeral') return 'ephemeral';
  if (m.kind === 'thread' || (m.thread_ts !== undefined && m.thread_ts !== m.ts)) return 'thread';
  return 'channel';
}
