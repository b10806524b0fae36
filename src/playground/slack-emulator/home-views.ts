/**
 * App Home: `views.publish` (a `home` view for one user, ≤ 100 valid blocks, `user_not_found` for an unknown
 * user, `hash` checked when given: a stale one is `hash_conflict`, as Slack answers), the view each user last got,
 * and the `app_home_opened` event Slack sends when a user opens the app's Home tab.
 */
import { randomBytes } from 'node:crypto';
import { invalidBlocksResponse, validateBlocks } from './block-limits.ts';
import type { ApiAnswer, ApiContext, Args } from './chat-methods.ts';
import type { Workspace } from './payloads.ts';

type Listener = (user: string, view: Record<string, unknown>) => void;

export class HomeViews {
  readonly #views = new Map<string, Record<string, unknown>>();
  readonly #listeners = new Set<Listener>();

  publish(args: Args, ctx: ApiContext): ApiAnswer {
    const user = String(args.user_id ?? '');
    if (!ctx.directory.users.has(user)) return { ok: false, error: 'user_not_found' };
    const view = args.view as { type?: unknown; blocks?: unknown } | undefined;
    if (typeof view !== 'object' || view === null || view.type !== 'home') {
      return { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['`view` must be a home view'] } };
    }
    const before = this.#views.get(user);
    if (typeof args.hash === 'string' && before && args.hash !== before.hash) return { ok: false, error: 'hash_conflict' };
    const errors = validateBlocks(view.blocks ?? [], 'modal');
    if (errors.length > 0) return invalidBlocksResponse(errors);
    const id = (before?.id as string | undefined) ?? `V${randomBytes(5).toString('hex').toUpperCase()}`;
    const published = {
      ...view, id, team_id: ctx.ws.teamId, hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      root_view_id: id, app_id: ctx.ws.appId, bot_id: ctx.ws.botId,
    };
    this.#views.set(user, published);
    for (const l of this.#listeners) l(user, published);
    return { ok: true, view: published };
  }

  /** The home view `user` last got, if any. */
  get(user: string): Record<string, unknown> | undefined {
    return this.#views.get(user);
  }

  onPublished(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The Events API envelope of `app_home_opened` for `user` (tab `home`), as Slack sends it. */
export function appHomeOpenedEvent(ws: Workspace, user: string, view: Record<string, unknown> | undefined): Record<string, unknown> {
  const eventTs = `${(Date.now() / 1000).toFixed(6)}`;
  return {
    token: ws.verificationToken, team_id: ws.teamId, api_app_id: ws.appId, type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`, event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: ws.teamId, user_id: ws.botUserId, is_bot: true, is_enterprise_install: false }],
    event: { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: eventTs, ...(view ? { view } : {}) },
  };
}
