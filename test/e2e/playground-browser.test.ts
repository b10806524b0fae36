/**
 * The playground's web page in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
 * playwright-core, against the whole demo (real bot, Redis, sshd hosts, ZooKeeper when installed, simulator,
 * Slack emulator). A person's path: type `/ci setup-agent slave2` and watch the checklist fill in one message;
 * confirm a setup-master prompt that only they see; kill Jenkins' task from the simulator and watch the incident
 * message go from down to back in place; open the App Home tab. Every request the page makes stays on its own
 * origin (nothing from the internet). A screenshot per scenario is kept in .tmp/test-output/playground/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load.ts';
import { startPlayground, type Playground } from '../../src/playground/playground.ts';
import { startWebPage, type WebPage } from '../../src/playground/web/server.ts';
import { waitFor } from '../../src/playground/ports.ts';

// The page's DOM, as much of it as the functions run in the page use (the project compiles without the DOM library).
interface El { innerText: string; dataset: Record<string, string | undefined> }
declare const document: { querySelectorAll(selector: string): Iterable<El>; querySelector(selector: string): El | null; getElementById(id: string): unknown };
declare const window: { seen?: Array<{ id: string; text: string }> };
declare const MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };

const CHROMIUM = '/usr/bin/chromium';
/** The image `/ci deploy jenkins` deploys: the shipped template's. */
const JENKINS_IMAGE = (JSON.parse(readFileSync(new URL('../../config/marathon-jenkins.json', import.meta.url), 'utf8')) as { container: { docker: { image: string } } }).container.docker.image;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const OUT = new URL('../../.tmp/test-output/playground/', import.meta.url).pathname;

let pg: Playground;
let web: WebPage;
let browser: Browser;
let page: Page;
const foreign: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });
/** The rendered channel rows whose text matches, as the browser shows them. */
const rows = (match: RegExp) => page.evaluate((src) => [...document.querySelectorAll('#messages .msg')].filter((e) => new RegExp(src).test(e.innerText))
  .map((e) => ({ id: e.dataset.id ?? '', text: e.innerText })), match.source);
/** Waits until a channel row matches every pattern (as the browser renders it). */
const rowWith = (patterns: RegExp[], timeout: number) => page.waitForFunction((srcs) => [...document.querySelectorAll('#messages .msg')]
  .some((r) => srcs.every((src) => new RegExp(src).test(r.innerText))), patterns.map((p) => p.source), { timeout });

before(async () => {
  assert.ok(existsSync(CHROMIUM), 'Debian chromium must be installed (.ci/run installs it)');
  mkdirSync(OUT, { recursive: true });
  // Nothing configured: the demo's own hosts and inventory (an empty working directory, no environment).
  const cwd = mkdtempSync(join(tmpdir(), 'ci-bot-pg-'));
  pg = await startPlayground(loadConfig({ demo: true, env: {}, cwd }), { timeScale: 20 });
  assert.ok(pg.hosts, pg.hostsNote);
  web = await startWebPage(pg);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => {
    if (!r.url().startsWith(new URL(web.url).origin)) foreign.push(r.url());
  });
  await page.goto(web.url);
  await page.waitForSelector('#composer-input');
});

after(async () => {
  await browser?.close();
  await web?.close();
  await pg?.stop();
});

async function type(text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

describe('playground web page in Chromium', () => {
  test('typing /ci setup-agent slave2: one progress message whose checklist fills in, in place, to Done', { timeout: 120_000 }, async () => {
    // Every version of the progress message the page shows, recorded in the page as it changes.
    await page.evaluate(() => {
      const seen: Array<{ id: string; text: string }> = [];
      window.seen = seen;
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('#messages .msg')) {
          const text = row.innerText;
          if (/setup-agent slave2/.test(text) && (seen.length === 0 || seen[seen.length - 1]!.text !== text)) seen.push({ id: row.dataset.id ?? '', text });
        }
      }).observe(document.getElementById('messages')!, { childList: true, subtree: true, characterData: true });
    });
    await type('/ci setup-agent slave2');
    await page.waitForSelector('#messages .msg.typed >> text=/ci setup-agent slave2');
    await rowWith([/setup-agent slave2/, /Done in/], 90_000);
    await shot('setup-agent');
    const seen = await page.evaluate(() => window.seen ?? []);
    const progress = seen.filter((s) => /Running for|Done in|Failed after/.test(s.text));
    assert.ok(progress.length >= 2, `the checklist changed at least once before Done: ${JSON.stringify(seen.map((s) => s.text))}`);
    assert.equal(new Set(progress.map((s) => s.id)).size, 1, 'every version is the same message (chat.update in place)');
    assert.match(progress[0]!.text, /⬜|⏳/, 'an early version has steps still to do');
    const last = progress[progress.length - 1]!.text;
    assert.doesNotMatch(last, /⬜|⏳|❌/);
    assert.match(last, /Done in .*slave2 joined/);
    assert.match(last, /\(edited\)/);
    assert.equal((await rows(/setup-agent slave2/)).filter((r) => /Done in/.test(r.text)).length, 1, 'one progress message, not one per update');
    assert.ok(pg.sim.sim.state.agents.size >= 1 && [...pg.sim.sim.state.agents.values()].some((a) => a.hostname === 'slave2'));
  });

  test('a setup-master prompt only the typist sees; clicking Confirm sends a signed block_actions and the task runs', { timeout: 120_000 }, async () => {
    const clicksBefore = pg.slack.calls('response_url').length;
    await type('/ci setup-master master');
    const prompt = page.locator('#messages .msg.ephemeral', { hasText: /Confirm \/ci setup-master master\?/ });
    await prompt.first().waitFor({ timeout: 15_000 });
    assert.match(await prompt.first().innerText(), /Only visible to you/);
    await shot('setup-master-prompt');
    await prompt.first().locator('button.btn', { hasText: /^Confirm$/ }).click();
    await page.locator('#messages .msg.ephemeral', { hasText: 'Confirmed by' }).first().waitFor({ timeout: 15_000 });
    await rowWith([/setup-master master/, /Done in/], 90_000);
    await shot('setup-master-done');
    assert.ok(pg.slack.calls('response_url').length > clicksBefore, 'the bot answered the click on its response_url');
    assert.match(pg.hosts!.hosts.find((h) => h.name === 'master')!.file('etc/mesos/zk') ?? '', /^zk:\/\/127\.\d+\.\d+\.2:2181\/mesos/);
  });

  test('Jenkins deployed from the page, then killed from the simulator: the incident message goes from down to back, in place', { timeout: 300_000 }, async () => {
    await type('/ci setup-agent slave1');
    await rowWith([/setup-agent slave1/, /Done in/], 90_000);
    // Marathon starts empty in the demo: Jenkins goes on it from the page, as a user would; Marathon does not pull, so
    // the deploy pulls the image on the agents first (no /ci prepull), and Jenkins runs on one of the two agents.
    await type('/ci deploy jenkins');
    const confirm = page.locator('#messages .msg.ephemeral', { hasText: /Confirm \/ci deploy jenkins\?/ });
    await confirm.first().waitFor({ timeout: 15_000 });
    await confirm.first().locator('button.btn', { hasText: /^Confirm$/ }).click();
    await rowWith([/deploy jenkins/, /Done in/], 120_000);
    for (const a of pg.sim.sim.state.agents.values()) assert.ok(a.images?.has(JENKINS_IMAGE), `the deploy pulled ${JENKINS_IMAGE} on ${a.hostname}`);
    await waitFor(() => pg.sim.sim.marathon.tasksOf('/jenkins').some((t) => t.state === 'TASK_RUNNING') && pg.sim.sim.jenkins.up,
      { deadlineMs: 60_000, what: 'Jenkins running' });
    // The other agent is held full until the page shows Jenkins down, so the message is seen going from down to back
    // (otherwise Jenkins may be back before the first post goes out, and the outbox posts the latest content).
    const jenkinsHost = pg.sim.sim.state.agents.get(pg.sim.sim.marathon.tasksOf('/jenkins').find((t) => t.state === 'TASK_RUNNING')!.agentId)!.hostname;
    const other = [...pg.sim.sim.state.agents.values()].find((a) => a.hostname !== jenkinsHost)!.hostname;
    pg.sim.sim.setAgentFull(other, true);
    await page.click('#sim-fail-jenkins');
    const incident = page.locator('#messages .msg', { hasText: 'Jenkins down on' });
    await incident.first().waitFor({ timeout: 30_000 });
    pg.sim.sim.setAgentFull(other, false);
    const id = await incident.first().getAttribute('data-id');
    await shot('failover-down');
    await page.waitForFunction((rowId) => {
      const row = document.querySelector(`#messages .msg[data-id="${rowId}"]`);
      return row !== null && /Jenkins back on/.test(row.innerText) && !/Checking whether/.test(row.innerText);
    }, id, { timeout: 90_000 });
    await shot('failover-back');
    const back = await page.locator(`#messages .msg[data-id="${id}"]`).innerText();
    assert.match(back, /Jenkins back on slave\d .*\(moved from slave\d\)/);
    assert.match(back, /\(edited\)/);
    assert.equal((await rows(/Jenkins (down|back) on/)).length, 1, 'one incident message, updated in place');
    // Its timeline is in a thread: the page shows the replies link and opens the thread pane.
    await page.locator(`#messages .msg[data-id="${id}"] button.replies`).click();
    await page.locator('#thread-messages .msg', { hasText: 'TASK_FAILED' }).first().waitFor({ timeout: 15_000 });
    await shot('failover-thread');
  });

  test('the App Home tab: app_home_opened → views.publish with the cluster, incidents and tasks', { timeout: 60_000 }, async () => {
    await page.click('#nav-home');
    await page.locator('#home .block-header', { hasText: 'CI cluster' }).waitFor({ timeout: 20_000 });
    const home = await page.locator('#home').innerText();
    assert.match(home, /Agents: 2 active/);
    assert.match(home, /Open incidents/);
    assert.match(home, /Tasks/);
    assert.equal(pg.slack.calls('views.publish').filter((c) => c.status === 200).length >= 1, true);
    await shot('app-home');
    await page.click('#nav-channel');
  });

  test('nothing the page loads comes from outside the demo', () => {
    assert.deepEqual(foreign, []);
  });
});
