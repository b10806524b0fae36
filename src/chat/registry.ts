/**
 * The `/ci` command registry: each subcommand is declared once (name, usage, argument schema, role,
 * confirmation, queued or answered directly) and everything else — parsing, help, suggestions, RBAC,
 * confirmation — is derived from the declarations.
 */
import { distance } from 'fastest-levenshtein';
import type * as z from 'zod';
import { UserFacingError } from '../core/errors.ts';
import type { Role } from '../core/types.ts';
import { tokenText, tokenize, type Token } from './tokenize.ts';
import { clip, escapeMrkdwn, compareText } from '../core/text.ts';

export interface Positional {
  name: string;
  /** Takes every remaining positional token (e.g. `<host…>`). */
  variadic?: boolean;
  optional?: boolean;
}

export interface CommandSpec<A = unknown> {
  /** One or two words: `status`, `digest add`. */
  name: string;
  summary: string;
  /** Arguments part of the usage line, e.g. `<host…> [--dry-run]`. */
  usage: string;
  role: Role;
  confirm?: boolean;
  /** `queued`: becomes a task; `direct`: answered in the ack (local or Redis reads only); `deferred`: acked at once, answered after (reads the cluster). */
  run: 'direct' | 'deferred' | 'queued';
  /** Where a direct answer goes by default (config can override per command). */
  visibility?: 'ephemeral' | 'in_channel';
  /** The answer carries a secret: always ephemeral to the requester, whatever config `slack.responses` says. */
  secret?: boolean;
  positionals?: readonly Positional[];
  /** Flag name (without dashes) → whether it takes a value. */
  flags?: Readonly<Record<string, 'boolean' | 'value'>>;
  /** Validates the bound arguments; flags arrive camel-cased (`--dry-run` → `dryRun`). */
  schema: z.ZodType<A>;
  /** Example shown in help. */
  example?: string;
}

export interface ParsedCommand {
  spec: CommandSpec;
  args: Record<string, unknown>;
}

export function usageLine(spec: CommandSpec): string {
  return `/ci ${spec.name}${spec.usage ? ` ${spec.usage}` : ''}`;
}

export class CommandRegistry {
  readonly specs: readonly CommandSpec[];
  constructor(specs: readonly CommandSpec[]) {
    const names = new Set<string>();
    for (const s of specs) {
      if (names.has(s.name)) throw new Error(`command "${s.name}" is declared twice`);
      names.add(s.name);
    }
    this.specs = specs;
  }

  find(name: string): CommandSpec | undefined {
    return this.specs.find((s) => s.name === name);
  }

  /** Text after `/ci` → the command and its validated arguments, or a UserFacingError saying what is wrong. */
  parse(text: string): ParsedCommand {
    const tokens = tokenize(text);
    const first = tokens[0];
    if (first === undefined) return { spec: this.mustFind('help'), args: {} };
    const word = (t: Token | undefined) => (t?.kind === 'word' ? t.value.toLowerCase() : undefined);
    const two = `${word(first)} ${word(tokens[1])}`;
    const spec = this.find(two) ?? this.find(word(first) ?? '');
    if (spec === undefined) throw this.unknown(tokenText(first), word(tokens[1]));
    const rest = tokens.slice(spec.name.split(' ').length);
    return { spec, args: bindArguments(spec, rest) };
  }

  /** Names closest to `typed`: prefix matches first, then small edit distances. */
  suggest(typed: string, limit = 3): string[] {
    const t = typed.toLowerCase();
    return this.specs
      .map((s) => ({ name: s.name, score: s.name.startsWith(t) ? 0 : distance(t, s.name.split(' ')[0] as string) }))
      .filter((c) => c.score <= Math.max(2, Math.floor(t.length / 2)))
      .sort((a, b) => a.score - b.score || compareText(a.name, b.name))
      .slice(0, limit)
      .map((c) => c.name);
  }

  private unknown(typed: string, second: string | undefined): UserFacingError {
    const group = this.specs.filter((s) => s.name.startsWith(`${typed.toLowerCase()} `));
    if (group.length > 0) {
      const sub = second === undefined ? 'needs a subcommand' : `has no subcommand "${second}"`;
      return new UserFacingError('unknown_command', `\`/ci ${typed}\` ${sub}. Try: ${group.map((s) => `\`${usageLine(s)}\``).join(', ')}`);
    }
    const close = this.suggest(typed);
    const hint = close.length > 0 ? ` Did you mean ${close.map((n) => `\`/ci ${n}\``).join(' or ')}?` : '';
    return new UserFacingError('unknown_command', `There is no \`/ci ${echo(typed)}\` command.${hint} See \`/ci help\`.`);
  }

  private mustFind(name: string): CommandSpec {
    const spec = this.find(name);
    if (!spec) throw new Error(`command "${name}" is not declared`);
    return spec;
  }
}

function bindArguments(spec: CommandSpec, tokens: readonly Token[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const positional: string[] = [];
  const bad = (msg: string) => new UserFacingError('bad_arguments', `${msg}\nUsage: \`${usageLine(spec)}\``);
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i] as Token;
    if (t.kind === 'word' && t.value.startsWith('--') && t.value.length > 2) {
      const [flag, inline] = t.value.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const kind = spec.flags?.[flag];
      if (kind === undefined) throw bad(`Unknown option \`--${echo(flag)}\`.`);
      const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      if (kind === 'boolean') {
        if (inline !== undefined) throw bad(`\`--${flag}\` takes no value.`);
        raw[key] = true;
      } else {
        const next = inline ?? (tokens[i + 1] ? tokenValue(tokens[(i += 1)] as Token) : undefined);
        if (next === undefined || next === '') throw bad(`\`--${flag}\` needs a value.`);
        raw[key] = next;
      }
    } else positional.push(tokenValue(t));
  }
  const decl = spec.positionals ?? [];
  decl.forEach((p, index) => {
    if (p.variadic) raw[p.name] = positional.slice(index);
    else if (positional[index] !== undefined) raw[p.name] = positional[index];
  });
  if (!decl.some((p) => p.variadic) && positional.length > decl.length) {
    throw bad(`Unexpected \`${echo(positional[decl.length] as string)}\`.`);
  }
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `• ${i.path.length ? `\`${i.path.join('.')}\`: ` : ''}${i.message.replace(/^Invalid input: /, '')}`);
    throw bad(lines.join('\n'));
  }
  return parsed.data as Record<string, unknown>;
}

function tokenValue(t: Token): string {
  return t.kind === 'word' ? t.value : t.id;
}

/** Echoed user input: short, on one line, and unable to form Slack links or mentions. */
function echo(s: string): string {
  return escapeMrkdwn(clip(s));
}
