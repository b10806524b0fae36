/**
 * A digest schedule in UTC is checked (ours) and its next run computed (BullMQ's job schedulers) without Intl:
 * luxon, under both cron-parsers, asks Intl for the system locale unless one is set, and that first Intl call
 * maps ~6 MB of ICU data into the bot (TARGETS.md P5). Its own file: luxon caches the locale once asked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getNextMillis } from 'bullmq';
import { checkSchedule } from '../../../src/features/status/schedule-spec.ts';

test('a UTC schedule is checked and its next run computed without Intl; other zones still use it', (t) => {
  const calls: unknown[][] = [];
  const Original = Intl.DateTimeFormat;
  const spy = function (this: unknown, ...args: unknown[]) {
    calls.push(args);
    return new Original(...(args as ConstructorParameters<typeof Original>));
  } as unknown as typeof Intl.DateTimeFormat;
  Object.assign(spy, Original);
  Intl.DateTimeFormat = spy;
  t.after(() => { Intl.DateTimeFormat = Original; });
  const now = Date.UTC(2026, 11, 3, 8, 30);
  assert.equal(checkSchedule('*/5 9-17 * * 1-5', 'UTC', now).nextMs, Date.UTC(2026, 11, 3, 9, 0));
  assert.equal(getNextMillis(now, { pattern: '0 9 * * *', tz: 'UTC' }), Date.UTC(2026, 11, 3, 9, 0));
  assert.deepEqual(calls, []);
  assert.equal(checkSchedule('0 9 * * *', 'Europe/Berlin', now).nextMs, Date.UTC(2026, 11, 4, 8, 0));
  assert.ok(calls.length > 0, 'the spy sees what luxon asks of Intl');
});
