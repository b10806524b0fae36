/** The emulated workspace's directory (users, groups, channels) and its short-lived ids (trigger_id). */
import { randomBytes } from 'node:crypto';
import type { SlackChannel, SlackUser, SlackUsergroup } from './types.ts';

/** Default members when a test configures none. */
export const DEFAULT_USERS: SlackUser[] = [
  { id: 'U0ALICE001', name: 'alice', real_name: 'Alice Admin' },
  { id: 'U0BOB00001', name: 'bob', real_name: 'Bob Operator' },
  { id: 'U0CAROL001', name: 'carol', real_name: 'Carol Viewer' },
];

/** Default channel for commands and clicks. */
export const DEFAULT_CHANNEL: SlackChannel = { id: 'C0CI000001', name: 'ci' };

export interface DirectoryOptions {
  users?: SlackUser[];
  usergroups?: SlackUsergroup[];
  channels?: SlackChannel[];
  /** When true, posting to an unknown channel gives `channel_not_found`; default false (channels appear on use). */
  strictChannels?: boolean;
}

/** Users, user groups and channels, looked up by id (channels also by name or `#name`). */
export class Directory {
  readonly users = new Map<string, SlackUser>();
  readonly usergroups = new Map<string, SlackUsergroup>();
  readonly channels = new Map<string, SlackChannel>();
  readonly #strict: boolean;

  constructor(opts: DirectoryOptions = {}) {
    for (const u of opts.users ?? DEFAULT_USERS) this.users.set(u.id, u);
    for (const g of opts.usergroups ?? []) this.usergroups.set(g.id, g);
    for (const c of [DEFAULT_CHANNEL, ...(opts.channels ?? [])]) this.channels.set(c.id, c);
    this.#strict = opts.strictChannels ?? false;
  }

  /** A user by id or name; throws for an unknown one (a test bug, not a Slack error). */
  user(idOrName: string): SlackUser {
    const u = this.users.get(idOrName) ?? [...this.users.values()].find((x) => x.name === idOrName);
    if (!u) throw new Error(`slack-emulator: unknown user ${idOrName}; configure it in startSlackEmulator({users})`);
    return u;
  }

  /**
   * The conversation a Web API `channel` argument names: a channel id, a name or `#name`, or a user id (the DM).
   * Undefined means `channel_not_found`.
   */
  channel(ref: string): SlackChannel | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    const byName = [...this.channels.values()].find((c) => c.name === name);
    if (byName) return byName;
    const user = this.users.get(ref);
    if (user) return this.#remember({ id: `D${user.id.slice(1)}`, name: user.name, is_private: true });
    if (this.#strict || !/^[CDG][A-Z0-9]{2,}$/.test(ref)) return undefined;
    return this.#remember({ id: ref, name: ref.toLowerCase() });
  }

  #remember(c: SlackChannel): SlackChannel {
    this.channels.set(c.id, c);
    return c;
  }
}

/** Why a trigger_id was refused, with views.open's error codes. */
export type TriggerError = 'invalid_trigger_id' | 'expired_trigger_id' | 'exchanged_trigger_id';

/** trigger_ids: valid for `ttlMs` (Slack: 3 s) and usable once. */
export class Triggers {
  readonly #issued = new Map<string, { atMs: number; used: boolean }>();
  readonly #ttlMs: number;

  constructor(ttlMs = 3000) {
    this.#ttlMs = ttlMs;
  }

  issue(teamId: string): string {
    const id = `${Math.floor(Date.now() / 1000)}.${teamId}.${randomBytes(16).toString('hex')}`;
    this.#issued.set(id, { atMs: Date.now(), used: false });
    return id;
  }

  /** Uses up `id`; returns the reason when it cannot be used. */
  consume(id: unknown): TriggerError | undefined {
    const t = typeof id === 'string' ? this.#issued.get(id) : undefined;
    if (!t) return 'invalid_trigger_id';
    if (t.used) return 'exchanged_trigger_id';
    if (Date.now() - t.atMs > this.#ttlMs) return 'expired_trigger_id';
    t.used = true;
    return undefined;
  }
}
