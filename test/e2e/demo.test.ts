/**
 * The README's run command with nothing configured: the local demo starts its own redis-server, the Slack
 * emulator, the cluster simulator (bare: no agents yet) and three local sshd hosts, reads `/ci …` lines and prints
 * the bot's messages and updates as text (the terminal demo stays pipe-able next to the web page).
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
  child.stdin.end('/ci help\n/ci stauts\n/ci selftest\n/ci status\n/ci hosts\n');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  assert.match(out, /ci-bot demo — Slack emulator http:\/\/127\.0\.0\.1:\d+\/api\/, simulated cluster/);
  assert.match(out, /ci-bot commands/);
  assert.match(out, /Did you mean `\/ci status`/);
  assert.match(out, /\(updated\)[\s\S]*selftest passed: 4 steps/);
  assert.match(out, /CI cluster status[\s\S]*Agents: \*0 active\*/, 'bare hosts: no agent until /ci setup-agent');
  assert.match(out, /Hosts: master 127\.\d+\.\d+\.2:\d+, slave1 127\.\d+\.\d+\.3:\d+, slave2 127\.\d+\.\d+\.4:\d+ \(real sshd/);
  assert.match(out, /Open http:\/\/127\.0\.0\.1:\d+\/ — a Slack-like channel/);
  assert.match(out, /slave2[^\n]*SHA256:/, '/ci hosts shows the pinned host keys');
  assert.doesNotMatch(out, /credentials refused/);
});
