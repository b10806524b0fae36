/**
 * Splits the text of `/ci …` into tokens. Slack sends mentions and channel links escaped (`<@U123|name>`,
 * `<#C123|name>`, `<!subteam^S123|@team>`) and HTML-escapes `&`, `<` and `>`; quotes group words.
 * The result is plain data: nothing here ever reaches a shell.
 */
import { UserFacingError } from '../core/errors.ts';

export type Token =
  | { kind: 'word'; value: string }
  | { kind: 'user'; id: string; label?: string }
  | { kind: 'channel'; id: string; label?: string }
  | { kind: 'usergroup'; id: string; label?: string };

/** Upper bound on the text we parse (Slack's own limit is about 4,000 characters; be generous). */
export const MAX_TEXT_BYTES = 10_240;

const ENTITY = /^<([@#!])([^>|]*)(?:\|([^>]*))?>/;

export function tokenize(text: string): Token[] {
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES) {
    throw new UserFacingError('bad_arguments', `That command is too long (over ${MAX_TEXT_BYTES / 1024} kB).`);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/u.test(ch)) {
      i += 1;
      continue;
    }
    const entity = ENTITY.exec(text.slice(i));
    if (entity) {
      tokens.push(toEntity(entity[1] as string, entity[2] ?? '', entity[3]));
      i += entity[0].length;
      continue;
    }
    const [word, next] = readWord(text, i);
    tokens.push({ kind: 'word', value: unescapeHtml(word) });
    i = next;
  }
  return tokens;
}

function readWord(text: string, start: number): [string, number] {
  let out = '';
  let i = start;
  let quote: string | undefined;
  for (; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else out += ch;
    } else if (ch === '"' || ch === "'" || ch === '“' || ch === '”') {
      quote = ch === '“' ? '”' : ch;
    } else if (/\s/u.test(ch)) {
      break;
    } else out += ch;
  }
  if (quote !== undefined) throw new UserFacingError('bad_arguments', `A quote (${quote}) is not closed.`);
  return [out, i];
}

function toEntity(sigil: string, body: string, label: string | undefined): Token {
  const withLabel = <T extends Token>(t: T): T => (label === undefined ? t : { ...t, label: unescapeHtml(label) });
  if (sigil === '@') return withLabel({ kind: 'user', id: body });
  if (sigil === '#') return withLabel({ kind: 'channel', id: body });
  if (body.startsWith('subteam^')) return withLabel({ kind: 'usergroup', id: body.slice('subteam^'.length) });
  return { kind: 'word', value: `@${label ?? body}` };
}

function unescapeHtml(s: string): string {
  return s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** How a token reads back to a person (for error messages). */
export function tokenText(t: Token): string {
  if (t.kind === 'word') return t.value;
  if (t.kind === 'channel') return `#${t.label ?? t.id}`;
  return `@${t.label ?? t.id}`;
}
