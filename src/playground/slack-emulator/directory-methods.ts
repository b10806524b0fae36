/** auth.test, conversations.info, users.info, usergroups.users.list and views.open, with Slack's answer shapes. */
import { randomBytes } from 'node:crypto';
import { invalidBlocksResponse, validateBlocks } from './block-limits.ts';
import type { ApiAnswer, ApiContext, Args } from './chat-methods.ts';
import type { Triggers } from './workspace-state.ts';

const fail = (error: string): ApiAnswer => ({ ok: false, error });

export function authTest(_args: Args, ctx: ApiContext): ApiAnswer {
  return {
    ok: true,
    url: `https://${ctx.ws.teamDomain}.slack.com/`,
    team: 'CI Emulated',
    user: 'ci-bot',
    team_id: ctx.ws.teamId,
    user_id: ctx.ws.botUserId,
    bot_id: ctx.ws.botId,
    is_enterprise_install: false,
  };
}

export function conversationsInfo(args: Args, ctx: ApiContext): ApiAnswer {
  const c = ctx.directory.channel(String(args.channel ?? ''));
  if (!c) return fail('channel_not_found');
  const isIm = c.id.startsWith('D');
  return {
    ok: true,
    channel: {
      id: c.id,
      name: c.name,
      is_channel: !isIm && !c.is_private,
      is_group: false,
      is_im: isIm,
      is_private: Boolean(c.is_private),
      is_archived: false,
      is_member: true,
      created: 1700000000,
      creator: 'U0ALICE001',
    },
  };
}

export function usersInfo(args: Args, ctx: ApiContext): ApiAnswer {
  const u = ctx.directory.users.get(String(args.user ?? ''));
  if (!u) return fail('user_not_found');
  return {
    ok: true,
    user: {
      id: u.id,
      team_id: ctx.ws.teamId,
      name: u.name,
      real_name: u.real_name ?? u.name,
      tz: u.tz ?? 'Europe/Berlin',
      deleted: Boolean(u.deleted),
      is_bot: Boolean(u.is_bot),
      is_admin: false,
      profile: { real_name: u.real_name ?? u.name, display_name: u.name },
    },
  };
}

export function usergroupsUsersList(args: Args, ctx: ApiContext): ApiAnswer {
  const g = ctx.directory.usergroups.get(String(args.usergroup ?? ''));
  if (!g) return fail('no_such_subteam');
  return { ok: true, users: [...g.users] };
}

/** views.open: a fresh, unused trigger_id (3 s) and ≤ 100 valid blocks. */
export function viewsOpen(args: Args, ctx: ApiContext, triggers: Triggers, views: unknown[]): ApiAnswer {
  const view = args.view;
  if (typeof view !== 'object' || view === null) {
    return { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['invalid `view`'] } };
  }
  const triggerError = triggers.consume(args.trigger_id);
  if (triggerError) return fail(triggerError);
  const errors = validateBlocks((view as { blocks?: unknown }).blocks ?? [], 'modal');
  if (errors.length > 0) return invalidBlocksResponse(errors);
  const id = `V${randomBytes(5).toString('hex').toUpperCase()}`;
  const opened = {
    ...view,
    id,
    team_id: ctx.ws.teamId,
    type: 'modal',
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    root_view_id: id,
    app_id: ctx.ws.appId,
    bot_id: ctx.ws.botId,
  };
  views.push(opened);
  return { ok: true, view: opened };
}
