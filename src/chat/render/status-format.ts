/** Number, size, time and reason formatting shared by the status, agents, Jenkins and digest renderers. */
import type { Block } from '../../core/types.ts';
import { escapeMrkdwn } from '../../core/text.ts';
import type { Part, PartFailure } from '../../cluster/snapshot-types.ts';

/** Slack section text limit (3,000 characters). */
export const SECTION_MAX = 3000;


/** 0.456 → "46%". */
export function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** Cpus with at most one decimal: 1.4, 12, 0.2. */
export function cpus(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Megabytes → "512 MB", "3.7 GB", "1,250 GB" (binary units, as Mesos counts them). */
export function size(mb: number): string {
  if (mb < 1024) return `${Math.round(mb)} MB`;
  const gb = mb / 1024;
  return gb < 100 ? `${Math.round(gb * 10) / 10} GB` : `${count(Math.round(gb))} GB`;
}

/**
 * 1234567.5 → "1,234,567.5": what `toLocaleString('en-US')` says (at most 3 decimals), without Intl. The first
 * Intl call maps about 6 MB of ICU data from the node binary into the process, which a digest every minute would
 * add to the bot's resident memory for nothing (TARGETS.md P5).
 */
export function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole = '0', frac] = String(Math.round(Math.abs(n) * 1000) / 1000).split('.');
  const grouped = /e/.test(whole) ? whole : whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${n < 0 && (whole !== '0' || frac) ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** Epoch ms → "2024-05-06 09:00 UTC" (deterministic, for golden files and every reader's zone). */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `:warning: *Jenkins*: no answer in 5 s` — the inline line for a part that could not be read. */
export function reasonLine(label: string, reason: PartFailure): string {
  const icon = reason.failure === 'not_configured' || reason.failure === 'skipped' ? ':heavy_minus_sign:' : ':warning:';
  return `${icon} *${label}*: ${escapeMrkdwn(reason.text)}`;
}

/** The value of a part, or its reason line. */
export function partOr<T>(part: Part<T>, label: string, show: (v: T) => string): string {
  return part.ok ? show(part.value) : reasonLine(label, part.reason);
}

/** Names, at most `max`, then "and K more". */
export function nameList(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).map((n) => `\`${escapeMrkdwn(n)}\``).join(', ');
  return names.length > max ? `${shown} and ${count(names.length - max)} more` : shown;
}

/** A section block; text is clipped to Slack's limit so a message is never refused. */
export function section(text: string): Block {
  const t = text.length > SECTION_MAX ? `${text.slice(0, SECTION_MAX - 1)}…` : text;
  return { type: 'section', text: { type: 'mrkdwn', text: t || ' ' } };
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: text.slice(0, 150), emoji: true } };
}

export function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: text.slice(0, 3000) }] };
}

export const divider: Block = { type: 'divider' };
