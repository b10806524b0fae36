/** The `ci-bot` command line: `config check`, and configuration problems stopping the process with exit code 2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const main = new URL('../../src/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ci-bot-cli-'));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [main, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });

test('config check: the example config is valid', () => {
  const res = run(['config', 'check'], { CI_BOT_CONFIG: new URL('../../config/ci-bot.example.yaml', import.meta.url).pathname });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /config ok \(.*ci-bot\.example\.yaml\): mode demo, 3 inventory hosts/);
});

test('config check: every problem with its path, exit code 2', () => {
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, 'slack: { mode: carrier-pigeon }\nhttp: { port: "x" }\nredis: { url: "not a url" }\nsurprise: 1\n');
  const res = run(['config', 'check'], { CI_BOT_CONFIG: path });
  assert.equal(res.status, 2);
  for (const p of [/slack\.mode:/, /http\.port:/, /redis\.url:/, /\(top level\): unknown key "surprise"/]) assert.match(res.stderr, p);
});

test('Slack mode without its secret stops at start with exit code 2, naming the variable', () => {
  const res = run(['serve'], { SLACK_BOT_TOKEN: 'xoxb-1-2', CI_BOT_CONFIG: join(dir, 'none.yaml') });
  assert.equal(res.status, 2);
  writeFileSync(join(dir, 'empty.yaml'), '{}\n');
  const res2 = run(['serve'], { SLACK_BOT_TOKEN: 'xoxb-1-2', CI_BOT_CONFIG: join(dir, 'empty.yaml') });
  assert.equal(res2.status, 2);
  assert.match(res2.stderr, /SLACK_SIGNING_SECRET: HTTP mode needs the signing secret/);
  assert.doesNotMatch(res2.stderr, /xoxb-1-2/, 'the token is not echoed');
});

test('an unknown role prints the usage', () => {
  const res = run(['frobnicate']);
  assert.equal(res.status, 2);
  assert.match(res.stderr, /usage: ci-bot all\|serve\|worker\|watch\|demo\|config check/);
});

test('S4: config check from the environment alone warns that no admin is configured, and not once CI_BOT_ADMINS names one', () => {
  const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_SIGNING_SECRET: 'x'.repeat(32) };
  const alone = run(['config', 'check'], slackEnv);
  assert.equal(alone.status, 0, alone.stderr);
  assert.match(alone.stdout, /config ok \(environment only \(no config file\)\): mode http, 0 inventory hosts/);
  assert.match(alone.stderr, /warning: no admin is configured \(roles\.admins in the file, or CI_BOT_ADMINS\)/);
  const named = run(['config', 'check'], { ...slackEnv, CI_BOT_ADMINS: 'U0ALICE001' });
  assert.equal(named.status, 0, named.stderr);
  assert.doesNotMatch(named.stderr, /warning/);
  const bad = run(['config', 'check'], { ...slackEnv, CI_BOT_OPERATORS: 'bob' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /roles\.operators\.0: must be a user id .*\(from CI_BOT_OPERATORS\)/);
});
