/** Domain types shared by every layer. Plain data; no behaviour, no imports. */

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** True when `have` is at least `need` in the order viewer < operator < admin. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** A Block Kit block as sent to Slack (validated by the renderers' own limits, not typed field by field). */
export type Block = Record<string, unknown> & { type: string };

/** A message ready for Slack: fallback text plus optional blocks. */
export interface RenderedMessage {
  text: string;
  blocks?: Block[];
}

/** A posted Slack message. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** Who asked, where: the identity carried from a slash command or a button click. */
export interface Requester {
  userId: string;
  userName?: string;
  teamId?: string;
  channelId: string;
}

export type StepState = 'pending' | 'running' | 'done' | 'changed' | 'failed' | 'skipped';
