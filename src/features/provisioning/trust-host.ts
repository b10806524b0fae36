import type { RenderedMessage } from '../../core/types.ts';
import { textReply } from '../../chat/render/replies.ts';

/** The answer to `/ci trust-host`: already the inventory's key, or pinned (naming the pins it replaced). */
export function renderTrustHost(host: string, fingerprint: string, replaced: readonly string[] | 'unchanged'): RenderedMessage {
  if (replaced === 'unchanged') return textReply(`\`${fingerprint}\` is the key pinned for *${host}* in the inventory; nothing changed.`);
  const was = replaced.length > 0 ? ` It replaces ${replaced.map((f) => `\`${f}\``).join(', ')}, which is no longer trusted.` : '';
  return textReply(`:lock: Pinned \`${fingerprint}\` for *${host}*.${was} ci-bot will now talk to it over SSH.`);
}
