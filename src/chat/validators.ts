/**
 * Strict argument validators. Anything typed in chat is checked against an allow-list pattern (ASCII only,
 * so unicode look-alikes, quotes, `;`, `$( )`, backticks, newlines and NUL are all refused) before it is used.
 */
import * as z from 'zod';

// Every length check aborts on failure (`abort: true`) so no pattern ever runs on an over-long input.
export const hostArg = z
  .string()
  .max(63, { message: 'a host name has at most 63 characters', abort: true })
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i, 'must be a host name from the inventory (letters, digits, dashes)');

export const imageArg = z
  .string()
  .max(255, { message: 'an image reference has at most 255 characters', abort: true })
  .regex(
    // registry[:port]/ then path components separated by single `/`: no two groups can match the same `/`.
    /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    'must be a Docker image reference such as `jenkins/jenkins:lts` or `registry:5000/team/app@sha256:…`',
  );

export const jobIdArg = z.string().max(200, { abort: true }).regex(/^[A-Za-z0-9:_.-]+$/, 'must be a job id as shown by `/ci jobs`');

export const channelArg = z
  .string()
  .max(30, { abort: true })
  .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a channel link such as #ci (pick it from the list as you type)');

/** `SHA256:` + 43 base64 characters; a trailing `=` (some tools print one) is dropped, as ssh2's fingerprints have none. */
export const fingerprintArg = z
  .string()
  .max(60, { abort: true })
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be a key fingerprint as printed by `ssh-keygen -lf`: SHA256:<43 characters>')
  .transform((s) => s.replace(/=$/, ''));

/** @public `--since 24h` of `/ci alerts`, which arrives with the failover feature. */
export const durationArg = z
  .string()
  .max(8, { abort: true })
  .regex(/^\d{1,4}[mhd]$/, 'must be a duration such as 30m, 24h or 7d')
  .transform((s) => Number(s.slice(0, -1)) * ({ m: 60_000, h: 3_600_000, d: 86_400_000 } as const)[s.at(-1) as 'm' | 'h' | 'd']);

/** Five-field cron, as BullMQ's job schedulers take it; checked in depth by the digest service. */
export const cronArg = z
  .string()
  .max(100, { abort: true })
  .regex(/^[0-9*,/\- A-Za-z?]+$/, 'must be a cron expression such as "0 9 * * 1-5" (quote it)');

export const timeZoneArg = z.string().max(64, { abort: true }).refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');

export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(tz)) return false;
  // UTC (the default) without Intl: its first use maps ~6 MB of ICU data into the bot (chat/render/status-format count).
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
