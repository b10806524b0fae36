/**
 * Where the demo hosts cannot start (here: no `unshare` on the PATH), the demo says why and the rest runs: the
 * bot answers `/ci status` against the simulator, and `/ci setup-agent` fails with the reason instead of hanging.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/config/load.ts';
import { renderMessageText } from '../../src/playground/slack-emulator/index.ts';
import { startPlayground, type Playground } from '../../src/playground/playground.ts';

let pg: Playground;
const savedPath = process.env.PATH;

before(async () => {
  // A PATH with what the rest of the demo needs, and no unshare.
  const bin = mkdtempSync(join(tmpdir(), 'ci-bot-nohosts-bin-'));
  for (const tool of ['redis-server', 'ssh-keygen']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
  process.env.PATH = bin;
  const cwd = mkdtempSync(join(tmpdir(), 'ci-bot-nohosts-'));
  pg = await startPlayground(loadConfig({ demo: true, env: {}, cwd }), { zookeeper: false });
});

after(async () => {
  await pg?.stop();
  process.env.PATH = savedPath;
});

test('no unshare: no hosts, a note saying why, and the demo still answers', { timeout: 60_000 }, async () => {
  assert.equal(pg.hosts, undefined);
  assert.match(pg.hostsNote, /no local hosts, so setup-master \/ setup-agent cannot reach any: unshare is not installed \(Debian: util-linux\)/);
  await pg.command('status');
  const status = await pg.slack.waitForMessage(/CI cluster status/, 20_000);
  assert.match(renderMessageText(status), /Mesos\* leader/);
});
