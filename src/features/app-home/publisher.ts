/**
 * Publishes the App Home tab, rate-aware: Slack allows about 100 views.publish a minute per workspace (Tier 4),
 * so publishes are spaced at least `minGapMs` apart across all users, a 429 pauses every publish for Slack's
 * Retry-After, a user whose view has not changed is not published again, and a user who keeps reopening the tab
 * gets at most one publish per `reopenGapMs`. Who has opened the Home tab is kept in the shared state store, so
 * the watcher (another process) refreshes exactly those users.
 */
import * as z from 'zod';
import { createHash } from 'node:crypto';
import { RetryLaterError } from '../../core/errors.ts';
import { interruptibleSleep } from '../../core/sleep.ts';
import type { Block } from '../../core/types.ts';
import type { HomeTab, Log, StateStore } from '../../core/ports.ts';
import { homeView } from './render.ts';

const VIEWERS_KEY = 'app-home:viewers';
/** The most users refreshed (the most recent openers); older ones get a fresh view when they open it again. */
const VIEWERS_MAX = 500;
const viewersSchema = z.object({ users: z.array(z.string().regex(/^[UW][A-Z0-9]{2,20}$/)).max(VIEWERS_MAX) });

export interface PublisherOptions {
  home: HomeTab;
  state: StateStore;
  log: Log;
  /** The current Home body (everything but the read-at footer). */
  body: () => Promise<Block[]>;
  /** Least time between two publishes, any users (default 700 ms: under 100 a minute). */
  minGapMs?: number;
  /** Least time between two publishes to one user who reopens the tab with nothing changed (default 30 s). */
  reopenGapMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class HomePublisher {
  readonly #o: Required<Omit<PublisherOptions, 'home' | 'state' | 'log' | 'body'>> & PublisherOptions;
  /** Per user: the hash of the body last published, and when. */
  readonly #last = new Map<string, { hash: string; atMs: number }>();
  #nextSlotMs = 0;

  constructor(o: PublisherOptions) {
    this.#o = { minGapMs: 700, reopenGapMs: 30_000, now: Date.now, sleep: interruptibleSleep, ...o };
  }

  /** A user opened the Home tab: remember them, and publish unless they got this very view a moment ago. */
  async opened(user: string): Promise<void> {
    await this.#remember(user);
    const body = await this.#o.body();
    const hash = hashOf(body);
    const last = this.#last.get(user);
    if (last && last.hash === hash && this.#o.now() - last.atMs < this.#o.reopenGapMs) return;
    await this.#publish(user, body, hash);
  }

  /** One refresh: every remembered user whose view changed gets the new one, spaced and paused as Slack asks. */
  async refresh(signal?: AbortSignal): Promise<number> {
    const users = await this.viewers();
    if (users.length === 0) return 0;
    const body = await this.#o.body();
    const hash = hashOf(body);
    let sent = 0;
    for (const user of users) {
      if (signal?.aborted) break;
      if (this.#last.get(user)?.hash === hash) continue;
      try {
        await this.#publish(user, body, hash, signal);
        sent++;
      } catch (err) {
        this.#o.log.warn({ err, user, src: 'app-home' }, 'could not publish the Home tab');
      }
    }
    return sent;
  }

  /** Users who opened the Home tab, oldest first. */
  async viewers(): Promise<string[]> {
    const parsed = viewersSchema.safeParse(await this.#o.state.get(VIEWERS_KEY).catch(() => undefined));
    return parsed.success ? parsed.data.users : [];
  }

  async #remember(user: string): Promise<void> {
    const users = (await this.viewers()).filter((u) => u !== user);
    users.push(user);
    await this.#o.state.set(VIEWERS_KEY, { users: users.slice(-VIEWERS_MAX) });
  }

  async #publish(user: string, body: Block[], hash: string, signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const wait = this.#nextSlotMs - this.#o.now();
      if (wait > 0) await this.#o.sleep(wait, signal);
      this.#nextSlotMs = this.#o.now() + this.#o.minGapMs;
      try {
        await this.#o.home.publish(user, homeView(body, this.#o.now()));
        this.#last.set(user, { hash, atMs: this.#o.now() });
        return;
      } catch (err) {
        if (!(err instanceof RetryLaterError) || attempt >= 2) throw err;
        // Slack said how long to wait: nobody's Home is published before then.
        this.#nextSlotMs = this.#o.now() + err.retryAfterMs;
      }
    }
  }
}

function hashOf(body: readonly Block[]): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

