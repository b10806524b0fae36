/**
 * `npm start -- --tour`: the seed procedure in one go against the playground, from bare hosts, each step checked
 * (a progress message Done; after setup-agent, two agents registered with the simulated master; after deploy jenkins,
 * the Jenkins image on both agents, Jenkins running and the Mesos cloud in Jenkins), then a timeline: 6 commands.
 * Every seed command exists in this build, so every step must run (a missing one would be named and skipped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

test('the tour runs every seed command this build has, verified, and prints a timeline', { timeout: 600_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ci-bot-tour-'));
  const main = new URL('../../src/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, 'demo', '--tour', '--no-web', '--time-scale', '20'], {
    cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  const timeline = out.slice(out.indexOf('── Tour timeline'));
  assert.match(timeline, /✅ \+\s*0\.0 s\s+\/ci setup-master master\s+\d+\.\d s/);
  assert.match(timeline, /✅ \+\s*\d+\.\d s\s+\/ci setup-agent slave1 slave2\s+\d+\.\d s/);
  assert.doesNotMatch(timeline, /❌/);
  // Every later step ran and was verified: this build has every command of the seed procedure.
  for (const step of ['deploy jenkins', 'jenkins password', 'smoke', 'drill failover']) {
    assert.match(timeline, new RegExp(`✅ \\+\\s*\\d+\\.\\d s\\s+/ci ${step}`), step);
  }
  assert.doesNotMatch(timeline, /⏭|not in this build/);
  // The deploy pulls the image and applies the Mesos cloud itself: no /ci prepull, no /ci jenkins cloud --apply.
  assert.doesNotMatch(timeline, /\/ci (prepull|jenkins cloud)/);
  assert.equal(timeline.match(/✅/g)?.length, 6, timeline);
  assert.match(timeline, /6 commands, \d+\.\d s in all/);
  process.stdout.write(`# ${timeline.trim().split('\n').join('\n# ')}\n`);
  // The tour clicked Confirm on setup-master's prompt, and the hosts really joined.
  assert.match(out, /Confirmed by <@U0ALICE001>/);
  assert.match(out, /slave1 joined as slave1/);
  assert.match(out, /slave2 joined as slave2/);
});
