import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { redact, secretValues } from '../../src/config/redact.ts';
import { roleWarnings } from '../../src/config/role-warnings.ts';

const dir = mkdtempSync(join(tmpdir(), 'ci-bot-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problems = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
};

test('the local demo with no file: built-in demo defaults (everyone an admin), demo mode', () => {
  const loaded = loadConfig({ env: {}, cwd: dir, demo: true });
  assert.equal(loaded.mode, 'demo');
  assert.equal(loaded.source, 'built-in demo defaults');
  assert.deepEqual(loaded.config.inventory.hosts.map((h) => h.name), ['master', 'slave1', 'slave2']);
  assert.equal(loaded.config.roles.default, 'admin');
  assert.equal(loaded.config.redis.url, 'redis://127.0.0.1:6379');
});

test('S4: a real workspace from the environment alone has no admins or operators unless the environment names them', () => {
  const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'x'.repeat(32) };
  const alone = loadConfig({ env: slackEnv, cwd: dir });
  assert.equal(alone.mode, 'http');
  assert.equal(alone.source, 'environment only (no config file)');
  assert.deepEqual([alone.config.roles.default, alone.config.roles.admins, alone.config.roles.operators], ['viewer', [], []]);
  assert.deepEqual(roleWarnings(alone.config).length, 1);
  assert.match(roleWarnings(alone.config)[0] ?? '', /no admin is configured/);

  const named = loadConfig({ env: { ...slackEnv, CI_BOT_ADMINS: 'U0ALICE001, S0ADMINS01', CI_BOT_OPERATORS: 'U0BOB00001' }, cwd: dir });
  assert.deepEqual(named.config.roles.admins, ['U0ALICE001', 'S0ADMINS01']);
  assert.deepEqual(named.config.roles.operators, ['U0BOB00001']);
  assert.equal(named.config.roles.default, 'viewer');
  assert.deepEqual(roleWarnings(named.config), []);
  // A role variable replaces the file's list for that role.
  const path = file('roles.yaml', 'roles: { admins: [U0FILE0001] }\n');
  assert.deepEqual(loadConfig({ env: { CI_BOT_ADMINS: 'U0ENV00001' }, file: path }).config.roles.admins, ['U0ENV00001']);
});

test('S4: a bad id in CI_BOT_ADMINS is refused, naming the variable', () => {
  const found = problems(() => loadConfig({ env: { CI_BOT_ADMINS: 'U0ALICE001,alice' }, cwd: dir }));
  assert.ok(found.some((p) => /^roles\.admins\.1: must be a user id .*\(from CI_BOT_ADMINS\)$/.test(p)), found.join('\n'));
});

test('config check warns when every user is an admin', () => {
  assert.match(roleWarnings(loadConfig({ env: {}, cwd: dir, demo: true }).config).join('\n'), /every Slack user/);
});

test('the documented example file is valid as it is', () => {
  const loaded = loadConfig({ env: {}, file: new URL('../../config/ci-bot.example.yaml', import.meta.url).pathname });
  assert.equal(loaded.config.cluster.marathon.jenkinsAppId, '/jenkins');
  assert.equal(loaded.config.inventory.hosts.length, 3);
});

test('environment overrides the file', () => {
  const path = file('a.yaml', 'redis: { url: redis://10.0.0.1:6379 }\n');
  const env = { REDIS_URL: 'redis://127.0.0.1:7000', MESOS_URL: 'http://a:5050, http://b:5050', PORT: '0' };
  const { config } = loadConfig({ env, file: path });
  assert.equal(config.redis.url, 'redis://127.0.0.1:7000');
  assert.deepEqual(config.cluster.mesos.urls, ['http://a:5050', 'http://b:5050']);
  assert.equal(config.http.port, 0);
});

test('every problem is reported with its path: unknown key, wrong type, bad URL', () => {
  const path = file('b.yaml', 'slack: { mood: happy }\nhttp: { port: "eighty" }\ncluster: { jenkins: { url: not a url } }\n');
  const found = problems(() => loadConfig({ env: {}, file: path }));
  assert.ok(found.some((p) => p.startsWith('slack: unknown key "mood"')), found.join('\n'));
  assert.ok(found.some((p) => p.startsWith('http.port:')), found.join('\n'));
  assert.ok(found.some((p) => p.startsWith('cluster.jenkins.url:')), found.join('\n'));
});

test('a bad PORT and an invalid YAML file are explained', () => {
  assert.match(problems(() => loadConfig({ env: { PORT: 'abc' }, cwd: dir }))[0] ?? '', /env.PORT: must be a whole number/);
  const path = file('c.yaml', 'slack: [unclosed\n');
  assert.match(problems(() => loadConfig({ env: {}, file: path }))[0] ?? '', /is not valid YAML at line/);
});

test('Slack mode needs its secrets: HTTP needs the signing secret, a token is checked for its prefix', () => {
  const http = problems(() => loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1-abc' }, cwd: dir }));
  assert.match(http.join('\n'), /SLACK_SIGNING_SECRET: HTTP mode needs the signing secret/);
  const bad = problems(() => loadConfig({ env: { SLACK_BOT_TOKEN: 'oops', SLACK_SIGNING_SECRET: 'x'.repeat(32) }, cwd: dir }));
  assert.match(bad.join('\n'), /SLACK_BOT_TOKEN must start with xoxb-/);
  const socket = loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A' }, cwd: dir });
  assert.equal(socket.mode, 'socket');
});

test('secrets are refused in the file and redacted from text', () => {
  const path = file('d.yaml', 'cluster: { jenkins: { apiToken: hunter2 } }\n');
  assert.match(problems(() => loadConfig({ env: {}, file: path })).join('\n'), /cluster.jenkins.apiToken: secrets are read only from the environment/);
  const secrets = secretValues({ slackBotToken: 'xoxb-secret-123', jenkinsApiToken: 'jenkins-canary-9' });
  assert.equal(redact('token xoxb-secret-123 and jenkins-canary-9 and xapp-1-A0-zzzzzz', secrets), 'token [redacted] and [redacted] and [redacted]');
});

test('upstream URLs carrying credentials are refused; a Redis password is redacted', () => {
  const found = problems(() => loadConfig({ env: { JENKINS_URL: 'https://bot:s3cret@jenkins.example' }, cwd: dir }));
  assert.match(found.join('\n'), /cluster.jenkins.url: must not contain a user or password/);
  const loaded = loadConfig({ env: { REDIS_URL: 'redis://:hunter2-redis@127.0.0.1:6379' }, cwd: dir });
  assert.equal(redact('connecting to redis://:hunter2-redis@127.0.0.1:6379', secretValues(loaded.secrets)), 'connecting to redis://:[redacted]@127.0.0.1:6379');
});

test('the SSH key passphrase comes from SSH_PRIVATE_KEY_PASSPHRASE and is redacted like every secret', () => {
  const { secrets } = loadConfig({ env: { SSH_PRIVATE_KEY_PATH: '/keys/id', SSH_PRIVATE_KEY_PASSPHRASE: 'pass-phrase-1' }, cwd: dir });
  assert.equal(secrets.sshKeyPassphrase, 'pass-phrase-1');
  assert.ok(secretValues(secrets).includes('pass-phrase-1'));
  assert.ok(!secretValues(secrets).includes('/keys/id'), 'a path is not a secret');
});
