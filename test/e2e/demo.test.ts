/**
 * The README's run command with nothing configured: the local demo starts its own redis-server, the Slack
 * emulator and the cluster simulator, reads `/ci …` lines and prints the bot's messages and updates as text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

test('npm start with no Slack token runs the local demo against the simulated cluster', { timeout: 90_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ci-bot-demo-'));
  const main = new URL('../../src/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, 'all'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  child.stdin.end('/ci help\n/ci stauts\n/ci selftest\n/ci status\n');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  assert.match(out, /ci-bot demo — Slack emulator http:\/\/127\.0\.0\.1:\d+\/api\/, simulated cluster/);
  assert.match(out, /ci-bot commands/);
  assert.match(out, /Did you mean `\/ci status`/);
  assert.match(out, /\(updated\)[\s\S]*selftest passed: 4 steps/);
  assert.match(out, /CI cluster status[\s\S]*Agents: \*2 active\*/);
  assert.doesNotMatch(out, /credentials refused/);
});
