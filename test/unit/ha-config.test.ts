/**
 * Redis topologies in the config (issue 16): a single URL, `redis.sentinel` or `redis.cluster`, from the file or the
 * environment; passwords only from the environment; every mistake named with its path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type LoadOptions } from '../../src/config/load.ts';
import { redact, secretValues } from '../../src/config/redact.ts';

const dir = mkdtempSync(join(tmpdir(), 'ci-bot-ha-config-'));
let files = 0;
const yaml = (text: string) => {
  files += 1;
  const path = join(dir, `c${files}.yaml`);
  writeFileSync(path, text);
  return path;
};
/** The problems loadConfig reports for `opts` (it must refuse them). */
const problems = (opts: LoadOptions): readonly string[] => {
  let found: readonly string[] = [];
  assert.throws(() => loadConfig({ cwd: dir, ...opts }), (err) => err instanceof ConfigError && Boolean((found = err.problems)));
  return found;
};

test('a single URL stays the default topology', () => {
  const { config } = loadConfig({ env: {}, cwd: dir });
  assert.equal(config.redis.sentinel, undefined);
  assert.equal(config.redis.cluster, undefined);
  assert.equal(config.redis.prefix, 'ci-bot');
});

test('redis.sentinel from the file: nodes parsed, masterName kept, passwords from the environment and redacted', () => {
  const file = yaml('redis:\n  sentinel:\n    nodes: ["10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"]\n    masterName: ci-bot\n');
  const loaded = loadConfig({ env: { REDIS_PASSWORD: 'data-pass-123', REDIS_SENTINEL_PASSWORD: 'sentinel-pass-456' }, file, cwd: dir });
  const s = loaded.config.redis.sentinel ?? assert.fail('sentinel parsed');
  assert.deepEqual(s.nodes.map((n) => [n.host, n.port]), [['10.0.0.1', 26379], ['10.0.0.2', 26379], ['10.0.0.3', 26379]]);
  assert.equal(s.masterName, 'ci-bot');
  assert.equal(s.db, 0);
  assert.equal(loaded.secrets.redisPassword, 'data-pass-123');
  assert.equal(loaded.secrets.redisSentinelPassword, 'sentinel-pass-456');
  assert.equal(redact('auth data-pass-123 / sentinel-pass-456', secretValues(loaded.secrets)), 'auth [redacted] / [redacted]');
});

test('redis.sentinel and redis.cluster from the environment alone', () => {
  const s = loadConfig({ env: { REDIS_SENTINELS: '127.0.0.1:26379, 127.0.0.1:26380', REDIS_SENTINEL_MASTER: 'mymaster' }, cwd: dir }).config.redis;
  assert.deepEqual(s.sentinel?.nodes.map((n) => n.address), ['127.0.0.1:26379', '127.0.0.1:26380']);
  assert.equal(s.sentinel?.masterName, 'mymaster');
  const c = loadConfig({ env: { REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' }, cwd: dir }).config.redis;
  assert.deepEqual(c.cluster?.nodes.map((n) => n.port), [7000, 7001]);
});

test('redis.cluster hash-tags the prefix so every key shares one slot; an explicit tag is kept', () => {
  const plain = loadConfig({ env: {}, file: yaml('redis:\n  cluster:\n    nodes: ["h1:7000"]\n  prefix: bot\n'), cwd: dir });
  assert.equal(plain.config.redis.prefix, '{bot}');
  const tagged = loadConfig({ env: {}, file: yaml('redis:\n  cluster:\n    nodes: ["h1:7000"]\n  prefix: "{ci-bot}"\n'), cwd: dir });
  assert.equal(tagged.config.redis.prefix, '{ci-bot}');
  const dflt = loadConfig({ env: { REDIS_CLUSTER_NODES: 'h1:7000' }, cwd: dir });
  assert.equal(dflt.config.redis.prefix, '{ci-bot}');
});

test('mistakes are named with their path: no nodes, bad node, no masterName, both topologies, URL beside one', () => {
  const sentinelFile = (body: string) => ({ env: {}, file: yaml(`redis:\n  sentinel:\n${body}`) });
  assert.deepEqual(problems(sentinelFile('    nodes: []\n    masterName: m\n')), ['redis.sentinel.nodes: needs at least one host:port']);
  assert.deepEqual(problems(sentinelFile('    nodes: ["nohost"]\n    masterName: m\n')), ['redis.sentinel.nodes.0: must be host:port']);
  const noMaster = problems({ env: { REDIS_SENTINELS: 'h:26379' } });
  assert.equal(noMaster.length, 1);
  assert.match(noMaster[0]!, /^redis\.sentinel\.masterName: /);
  assert.deepEqual(problems({ env: { REDIS_SENTINELS: 'h:26379', REDIS_SENTINEL_MASTER: 'bad name!' } }),
    ['redis.sentinel.masterName: must be the name the sentinels monitor (letters, digits, . _ -)']);
  assert.deepEqual(problems({ env: { REDIS_SENTINELS: 'h:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: 'h:7000' } }),
    ['redis.cluster: set either redis.sentinel or redis.cluster, not both']);
  assert.deepEqual(problems({ env: { REDIS_URL: 'redis://h:6379', REDIS_CLUSTER_NODES: 'h:7000' } }),
    ['redis.url: set either a URL (redis.url or REDIS_URL) or redis.cluster, not both']);
  assert.deepEqual(problems(sentinelFile('    nodes: ["h:26379"]\n    masterName: m\n    password: x\n')),
    ['redis.sentinel.password: secrets are read only from the environment; remove this key from the file', 'redis.sentinel: unknown key "password"']);
});
