/**
 * App Home as a product feature, through the real bot and the Slack emulator: a user opens the Home tab
 * (`app_home_opened`, a signed Events API request) and gets `views.publish` with the cluster status, open
 * incidents and tasks; when the cluster changes, the watcher republishes to that user; a 429 from Slack is waited
 * out for as long as Retry-After says before the publish is tried again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { renderBlockText } from '../../src/playground/slack-emulator/index.ts';
import { startPlayground, DEMO_USER, type Playground } from '../../src/playground/playground.ts';
import { waitFor } from '../../src/playground/ports.ts';

let pg: Playground;
const homeText = () => ((pg.slack.homeView(DEMO_USER)?.blocks ?? []) as unknown[]).map(renderBlockText).join('\n');
const publishes = () => pg.slack.calls('views.publish').filter((c) => c.args.user_id === DEMO_USER);

before(async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ci-bot-home-'));
  pg = await startPlayground(loadConfig({ demo: true, env: {}, cwd }), { hosts: false, zookeeper: false });
});

after(async () => {
  await pg?.stop();
});

describe('App Home', () => {
  test('opening the Home tab publishes the cluster, incidents and tasks; a cluster change is republished', { timeout: 90_000 }, async () => {
    const ack = await pg.openHome();
    assert.equal(ack.status, 200, ack.body);
    await waitFor(() => /CI cluster/.test(homeText()), { deadlineMs: 15_000, what: 'the first Home view' });
    // A part that could not be read in time says so; the refresher republishes once it can (within a round).
    await waitFor(() => /\*Tasks\*\nnothing running/.test(homeText()), { deadlineMs: 30_000, what: 'the Home view with the task list' });
    assert.match(homeText(), /Agents: \*0 active\*/);
    assert.match(homeText(), /\*Open incidents\*\n:white_check_mark: none/);
    const view = publishes().at(-1)!.args.view as { type: string };
    assert.equal(view.type, 'home');
    // The cluster changes: an agent joins. The watcher's refresher publishes the new view to the user who opened it.
    pg.sim.sim.addAgent({ hostname: 'slave9', ip: '127.0.0.9', cpus: 2, memMb: 3789, diskMb: 35_000 });
    await waitFor(() => /Agents: \*1 active\*/.test(homeText()), { deadlineMs: 45_000, what: 'the Home view republished with the new agent' });
  });

  test('a 429 on views.publish: the next try waits for Retry-After, then the view is published', { timeout: 60_000 }, async () => {
    pg.sim.sim.addAgent({ hostname: 'slave8', ip: '127.0.0.8', cpus: 2, memMb: 3789, diskMb: 35_000 });
    const before = publishes().length;
    pg.slack.failNext('views.publish', { status: 429, retryAfterSec: 2 });
    await pg.openHome();
    await waitFor(() => /Agents: \*2 active\*/.test(homeText()), { deadlineMs: 45_000, what: 'published after the 429' });
    const calls = publishes().slice(before);
    const limited = calls.findIndex((c) => c.status === 429);
    assert.ok(limited >= 0, 'the emulator answered 429 once');
    const next = calls[limited + 1];
    assert.ok(next && next.status === 200);
    // How long it waited is the publisher's own decision, shown on a fake clock: test/unit/app-home/publisher.test.ts.
  });
});
