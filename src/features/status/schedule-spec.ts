/**
 * Checks a digest schedule typed in chat (cron, time zone) and names it. Errors are {@link UserFacingError}s
 * written for the person who typed the command.
 */
import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { createRequire } from 'node:module';
import type * as Luxon from 'luxon';
import { UserFacingError } from '../../core/errors.ts';

// cron-parser (ours and BullMQ's job schedulers) works in luxon, which asks Intl for the system locale whenever
// none is set: that first Intl call maps about 6 MB of ICU data into the bot, for schedules in UTC that never format
// a date (TARGETS.md P5). Time zones other than UTC still need Intl, and use it. cron-parser is CommonJS, so the
// setting goes to luxon's CommonJS build (an `import` would get its ES build, a separate copy of the settings).
(createRequire(import.meta.url)('luxon') as typeof Luxon).Settings.defaultLocale = 'en-US';

/** Digests may not fire more often than this (one minute): a typo like `* * * * *` every second is refused. */
export const MIN_INTERVAL_MS = 60_000;

export interface CheckedSchedule {
  /** Five fields, or six with seconds first. Normalised to single spaces. */
  cron: string;
  tz: string;
  /** The next firing, epoch ms. */
  nextMs: number;
}

/** Validates `cron` in `tz` at `nowMs`; returns the normalised cron and the next firing time. */
export function checkSchedule(cronText: string, tz: string, nowMs: number): CheckedSchedule {
  const cron = cronText.trim().replace(/\s+/g, ' ');
  const fields = cron.split(' ').length;
  const example = 'for example "0 9 * * 1-5" is 9:00 every weekday';
  if (fields !== 5 && fields !== 6) {
    throw new UserFacingError('bad_arguments', `\`${cron}\` has ${fields} fields; a cron expression has 5 (minute hour day month weekday), ${example}.`);
  }
  let first: number, second: number;
  try {
    const expr = CronExpressionParser.parse(cron, { tz, currentDate: new Date(nowMs), strict: false });
    first = expr.next().getTime();
    second = expr.next().getTime();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UserFacingError('bad_arguments', `\`${cron}\` is not a valid cron expression (${why}); ${example}.`, { cause: err });
  }
  if (second - first < MIN_INTERVAL_MS) {
    throw new UserFacingError('bad_arguments', `\`${cron}\` would post more than once a minute; digests run at most every minute, ${example}.`);
  }
  return { cron, tz, nextMs: first };
}

/** One schedule per (channel, cron, zone): the same request twice names the same scheduler. */
export function scheduleId(channel: string, cron: string, tz: string): string {
  return `d${createHash('sha256').update(`${channel}|${cron}|${tz}`).digest('hex').slice(0, 10)}`;
}
