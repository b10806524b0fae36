/**
 * R7 — Redis out of memory, with ci-bot as its own process. A real redis-server runs `noeviction`; the test lowers
 * `maxmemory` to just above what is used and fills it until Redis answers OOM. Then a command that enqueues gets a
 * plain "queue is full / out of memory" answer (no stack trace, nothing queued), commands that need no queue still
 * answer, the process does not crash, and once memory is freed tasks are queued and run again. (The other half of
 * R7, refusing a Redis that may evict, is in redis-faults.test.ts.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBotStack, type BotStack } from '../support/bot-stack.ts';
import { renderMessageText } from '../../src/playground/slack-emulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ADMIN = 'U0ALICE001';
let stack: BotStack;

before(async () => {
  stack = await startBotStack({ simulator: false, config: { roles: { admins: [ADMIN] }, tasks: { selftestStepMs: 50 } } });
});
after(() => stack?.stop());

/** `INFO memory` field, in bytes. */
async function usedMemory(): Promise<number> {
  const info = await stack.redis.command('INFO', 'memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

/**
 * Lowers maxmemory to just above use and writes 64 kB values until Redis refuses with OOM; then pins the limit
 * below use, so the bot's own churn (finished jobs removed, buffers freed) cannot bring Redis back under it.
 */
async function fillUntilOom(): Promise<string[]> {
  await stack.redis.command('CONFIG', 'SET', 'maxmemory', String((await usedMemory()) + 2 * 1024 * 1024));
  const value = 'x'.repeat(64 * 1024);
  const keys: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const key = `r7-fill:${i}`;
    const reply = await stack.redis.command('SET', key, value);
    if (reply.startsWith('-OOM')) {
      await stack.redis.command('CONFIG', 'SET', 'maxmemory', String(Math.floor((await usedMemory()) / 2)));
      return keys;
    }
    keys.push(key);
  }
  throw new Error('Redis never ran out of memory');
}

test('R7: Redis out of memory → "queue is full" to the user, no crash; tasks queue again once memory is freed', async () => {
  const before = await stack.slack.command(ADMIN, 'selftest');
  assert.match(before.body, /Queued `/, 'a task is queued while Redis has room');
  const keys = await fillUntilOom();

  const ack = await stack.slack.command(ADMIN, 'selftest');
  assert.equal(ack.status, 200);
  assert.match(ack.body, /task queue is full \(Redis is out of memory\)/);
  assert.match(ack.body, /nothing was queued/);
  assert.doesNotMatch(ack.body, /OOM command not allowed|at \S+\.ts:\d+|ReplyError/, 'no raw error or stack trace');
  const help = await stack.slack.command(ADMIN, 'help');
  assert.match(help.body, /\/ci selftest/, 'commands that need no queue still answer');

  await stack.redis.command('DEL', ...keys);
  await stack.redis.command('CONFIG', 'SET', 'maxmemory', '0');
  const again = await waitFor(async () => /Queued `([^`]+)`/.exec((await stack.slack.command(ADMIN, 'selftest')).body)?.[1], { what: 'queued again', deadlineMs: 10_000, intervalMs: 250 });
  await stack.slack.waitForMessage((m) => m.kind === 'channel' && renderMessageText(m).includes(again) && /selftest passed/.test(renderMessageText(m)), 20_000);
  assert.equal(stack.bot.proc.child.exitCode, null, 'still running');
  assert.doesNotMatch(stack.bot.proc.output(), /unhandled|Unhandled/);
});
