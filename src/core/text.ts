/** Text helpers every renderer shares: shortening and Slack mrkdwn escaping. */

/** One line of at most `max` characters (control whitespace folded), with an ellipsis when cut. */
export function clip(text: string, max = 40): string {
  const one = text.replace(/[\r\n\t\0]+/g, ' ');
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** Slack's control characters: user or upstream text must not inject links, mentions or broadcasts. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Packs lines greedily into texts of at most `maxChars` each, joined by newlines (Slack's 3,000-character section
 * limit). A single line longer than `maxChars` stands alone; callers clip lines first when that matters.
 */
export function packLines(lines: readonly string[], maxChars: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length > maxChars && current) {
      chunks.push(current);
      current = line;
    } else current = next;
  }
  if (current) chunks.push(current);
  return chunks;
}

/**
 * Orders strings by UTF-16 code units (the same on every machine and locale), for sorts of names and hosts. Not
 * `localeCompare`: its first call loads ICU's collation data, about 3 MB of the bot's resident memory (P5).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
