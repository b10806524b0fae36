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
