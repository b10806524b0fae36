import type { CommandSpec } from '../chat/registry.ts';

/** Rebuilds a readable command line from parsed arguments (for confirmations, audit and logs). */
export function describeCommand(spec: Pick<CommandSpec, 'name' | 'positionals'>, args: Record<string, unknown>): string {
  const parts = [`/ci ${spec.name}`];
  const positional = new Set((spec.positionals ?? []).map((p) => p.name));
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) continue;
    const shown = Array.isArray(value) ? value.join(positional.has(key) ? ' ' : ',') : String(value);
    if (positional.has(key)) parts.push(shown);
    else if (value === true) parts.push(`--${kebab(key)}`);
    else parts.push(`--${kebab(key)} ${shown}`);
  }
  return parts.join(' ');
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
