/** `/ci help` and `/ci help <command>`, generated from the registry. */
import { UserFacingError } from '../core/errors.ts';
import type { RenderedMessage } from '../core/types.ts';
import { usageLine, type CommandRegistry } from './registry.ts';

const ROLE_NOTE = { viewer: '', operator: ' _(operator)_', admin: ' _(admin)_' } as const;

export function renderHelp(registry: CommandRegistry, topic: readonly string[] = []): RenderedMessage {
  if (topic.length > 0) return renderOne(registry, topic.join(' ').toLowerCase());
  const lines = registry.specs.map((s) => `\`${usageLine(s)}\` — ${s.summary}${ROLE_NOTE[s.role]}${s.confirm ? ' _(asks to confirm)_' : ''}`);
  return {
    text: `ci-bot commands:\n${lines.join('\n')}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'ci-bot commands' } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '`/ci help <command>` for details.' }] },
    ],
  };
}

function renderOne(registry: CommandRegistry, name: string): RenderedMessage {
  const spec = registry.find(name);
  if (!spec) {
    const close = registry.suggest(name);
    const hint = close.length > 0 ? ` Did you mean ${close.map((n) => `\`${n}\``).join(' or ')}?` : '';
    throw new UserFacingError('unknown_command', `There is no \`/ci ${name.slice(0, 40)}\` command.${hint}`);
  }
  const facts = [
    `*Usage:* \`${usageLine(spec)}\``,
    `*Who:* ${spec.role} and above${spec.confirm ? ' · asks for confirmation first' : ''}`,
    `*Runs:* ${spec.run === 'queued' ? 'as a task with a live progress message' : 'answers at once'}`,
    ...(spec.example ? [`*Example:* \`${spec.example}\``] : []),
  ];
  const text = `${spec.summary}\n${facts.join('\n')}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
