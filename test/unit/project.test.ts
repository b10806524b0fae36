/** What a fresh clone promises: the Slack app manifest, Node 24, the layout the import rules rely on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

test('the Slack app manifest declares /ci, interactivity, Socket Mode, the Home tab and exactly the bot scopes ci-bot needs', () => {
  const manifest = parse(read('slack-app-manifest.yaml')) as {
    features: { slash_commands: Array<{ command: string; should_escape?: boolean }>; app_home?: { home_tab_enabled?: boolean } };
    oauth_config: { scopes: { bot: string[] } };
    settings: { interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean; event_subscriptions?: { bot_events?: string[] } };
  };
  // App Home (src/features/app-home/): the tab, and the event that says a user opened it.
  assert.equal(manifest.features.app_home?.home_tab_enabled, true);
  assert.deepEqual(manifest.settings.event_subscriptions?.bot_events, ['app_home_opened']);
  assert.deepEqual(manifest.features.slash_commands.map((c) => c.command), ['/ci']);
  assert.equal(manifest.features.slash_commands[0]?.should_escape, true, 'mentions and channels arrive as <@U…> / <#C…|name>');
  assert.equal(manifest.settings.interactivity.is_enabled, true);
  assert.equal(manifest.settings.socket_mode_enabled, true);
  assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), ['channels:history', 'chat:write', 'chat:write.public', 'commands', 'groups:history', 'im:write', 'usergroups:read', 'users:read']);
});

test('Node 24: engines, the node devDependency that npm scripts run, and the Dockerfile base image', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string>; type: string };
  assert.match(pkg.engines.node, /24/);
  assert.match(pkg.devDependencies.node ?? '', /^24\./);
  assert.equal(pkg.type, 'module');
  assert.equal(process.versions.node.split('.')[0], '24', 'npm test runs on Node 24');
  assert.match(read('Dockerfile'), /FROM node:24-slim/);
  assert.match(read('Dockerfile'), /USER node/);
  assert.match(read('Dockerfile'), /HEALTHCHECK/);
});

test('the fixed layout exists', () => {
  for (const path of ['src/', 'commands/', 'dockerfiles/', 'config/', 'test/', 'tsconfig.json', 'README.md', '.ci/run', 'package-lock.json', 'config/ci-bot.example.yaml']) {
    assert.ok(existsSync(new URL(path, root)), path);
  }
  const readme = read('README.md');
  assert.match(readme.split('\n').slice(0, 5).join('\n'), /npm start[\s\S]*npm test/, 'the two commands come first');
});

test('the production build (what the Docker image runs) holds no playground and no test code', () => {
  // Exactly the files `npm run build` compiles: src/ without src/playground (emulator, simulator, local services).
  const tsc = new URL('node_modules/.bin/tsc', root).pathname;
  const listed = execFileSync(tsc, ['-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: new URL('.', root).pathname, encoding: 'utf8' })
    .split('\n').filter((f) => f.includes('/src/') || f.includes('/test/'));
  assert.ok(listed.some((f) => f.endsWith('/src/main.ts')), 'the build compiles the bot');
  assert.deepEqual(listed.filter((f) => /\/src\/playground\/|\/test\//.test(f)), []);
  const docker = read('Dockerfile');
  assert.doesNotMatch(docker, /COPY\s+test\b/, 'the image copies no test code');
  assert.match(docker, /npm run build/);
});

test('the Docker image runs Node with the flags and malloc settings of bin/node-runtime.js (what the benchmarks measure as shipped)', async () => {
  const { NODE_FLAGS, IMAGE_MALLOC_ENV } = await import('../../bin/node-runtime.js');
  const docker = read('Dockerfile');
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)?.[1] ?? '[]') as string[];
  assert.deepEqual(entry, ['node', ...NODE_FLAGS, 'dist/src/main.js']);
  const envLine = /^ENV (.*)$/m.exec(docker.split(/^FROM /m).at(-1) ?? '')?.[1] ?? '';
  const env = Object.fromEntries(envLine.split(/\s+/).map((kv) => kv.split('=') as [string, string]));
  for (const [k, v] of Object.entries(IMAGE_MALLOC_ENV)) assert.equal(env[k], v, `the image sets ${k}=${v}`);
  // The preloaded allocator is installed in the image, not only named.
  assert.match(docker.split(/^FROM /m).at(-1) ?? '', /apt-get install[^\n]*\blibjemalloc2\b/);
});
