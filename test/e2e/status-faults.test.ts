/**
 * R18 end to end: Mesos, Marathon and Jenkins slow, answering garbage, and answering huge bodies, with ci-bot as
 * its own process against the simulator, the Slack emulator and a real Redis. Each `/ci status` answer keeps the
 * parts that could be read and says inline why the others could not (per-upstream timeout, the schema path of a
 * bad answer, the body bound); the bot's memory stays bounded (peak RSS sampled from /proc, printed), it never
 * crashes, and the next status after the faults are cleared is whole again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startBotStack, type BotStack } from '../support/bot-stack.ts';
import { renderMessageText } from '../../src/playground/slack-emulator/index.ts';
import type { Fault, RunningSimulator } from '../../src/playground/simulator/index.ts';
import { waitFor } from '../../src/playground/ports.ts';

const ALICE = 'U0ALICE001';
/** The bound on one upstream answer in this installation (cluster.maxBodyMb). */
const MAX_BODY_MB = 4; // small, so each read reaches the bound well inside the 1.5 s deadline even on a loaded machine
let stack: BotStack;
let sim: RunningSimulator;

before(async () => {
  stack = await startBotStack({
    simulator: { timeScale: 50 },
    beforeBot: (s) => waitFor(() => s?.sim.jenkins.up, { what: 'Jenkins up in the simulator', deadlineMs: 15_000 }).then(() => undefined),
    config: {
      redis: { prefix: `r18${randomBytes(3).toString('hex')}` }, roles: { admins: [ALICE] },
      cluster: { jenkins: { user: 'admin', timeoutMs: 1500 }, mesos: { timeoutMs: 1500 }, marathon: { timeoutMs: 1500 }, maxBodyMb: MAX_BODY_MB },
    },
  });
  sim = stack.sim!;
});
after(() => stack?.stop());

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

/** `/ci status` with `faults` in place; returns the answer's text and the bot's peak RSS meanwhile. */
async function statusWith(faults: Fault[]): Promise<{ text: string; peakMb: number }> {
  sim.sim.clearFaults();
  for (const f of faults) sim.sim.addFault(f);
  const pid = stack.bot.proc.pid;
  let peakMb = rssMb(pid);
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 20);
  try {
    const seen = new Set(stack.slack.allMessages());
    const ack = await stack.slack.command(ALICE, 'status');
    assert.equal(ack.status, 200);
    const m = await stack.slack.waitForMessage((x) => x.kind === 'response_url' && !seen.has(x) && /CI cluster status/.test(renderMessageText(x)), 20_000);
    return { text: renderMessageText(m), peakMb };
  } finally {
    clearInterval(sampler);
    sim.sim.clearFaults();
  }
}

const MESOS_OK = /Agents: \*\d+ active\*/;
const APP_OK = /\*Jenkins app\* `\/jenkins` on `slave\d`/;
const JENKINS_OK = /\*Jenkins\*: \d+ of \d+ executors busy/;

/** After every fault the bot is alive and the next status is whole again. */
async function assertRecovered(): Promise<void> {
  const { text } = await statusWith([]);
  for (const re of [MESOS_OK, APP_OK, JENKINS_OK]) assert.match(text, re);
  assert.equal(stack.bot.proc.child.exitCode, null, 'still running');
}

test('R18: one slow upstream at a time costs only its own part, with "no answer in 1.5 s" inline', async () => {
  const slow = (component: Fault['component']): Fault => ({ component, path: '/', mode: 'slow', delayMs: 5000 });
  const mesos = await statusWith([slow('mesos')]);
  // The leader is cached after the first read: then the metrics read is the one that times out.
  assert.match(mesos.text, /\*Mesos( metrics)?\*: no answer in 1\.5 s/);
  assert.match(mesos.text, APP_OK);
  assert.match(mesos.text, JENKINS_OK);
  const marathon = await statusWith([slow('marathon')]);
  assert.match(marathon.text, /\*Jenkins app \(Marathon\)\*: no answer in 1\.5 s/);
  assert.match(marathon.text, MESOS_OK);
  assert.match(marathon.text, JENKINS_OK);
  const all = await statusWith([slow('mesos'), slow('marathon'), slow('jenkins')]);
  for (const re of [/\*Mesos( metrics)?\*: no answer/, /\*Jenkins app \(Marathon\)\*: no answer/, /\*Jenkins\*: no answer/]) assert.match(all.text, re);
  await assertRecovered();
});

test('R18: garbage answers are named by their schema path inline; the rest still shows', async () => {
  const { text } = await statusWith([
    { component: 'mesos', path: '/master/slaves', mode: 'garbage' },
    { component: 'marathon', path: '/v2/apps', mode: 'garbage' },
    { component: 'jenkins', path: '/computer', mode: 'truncated' },
  ]);
  assert.match(text, /\*Capacity and balance\*: bad answer: .*unexpected answer at slaves\.0\.id/);
  assert.match(text, MESOS_OK, 'totals come from /metrics/snapshot, which still answered');
  assert.match(text, /\*Jenkins app \(Marathon\)\*: bad answer: .*unexpected answer at app/);
  assert.match(text, /\*Jenkins\*: bad answer: .*not JSON/);
  await assertRecovered();
});

test('R18: huge answers from all three are cut at the body bound; memory stays bounded', async () => {
  const idleMb = rssMb(stack.bot.proc.pid);
  const huge = (component: Fault['component'], path: string): Fault => ({ component, path, mode: 'huge', bytes: 200 * 1024 * 1024 });
  const { text, peakMb } = await statusWith([huge('mesos', '/master/slaves'), huge('marathon', '/v2/apps'), huge('jenkins', '/computer')]);
  console.log(`R18 huge: three 200 MB answers, bound ${MAX_BODY_MB} MB each; bot RSS idle ${idleMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB (+${(peakMb - idleMb).toFixed(0)} MB)`);
  const cut = `bad answer: .*body larger than ${MAX_BODY_MB * 1024 * 1024} bytes`;
  assert.match(text, new RegExp(`\\*Capacity and balance\\*: ${cut}`));
  assert.match(text, new RegExp(`\\*Jenkins app \\(Marathon\\)\\*: ${cut}`));
  assert.match(text, new RegExp(`\\*Jenkins\\*: ${cut}`));
  assert.match(text, MESOS_OK);
  // Three bodies each held to the bound, plus parse garbage: far below the 600 MB the bodies would take.
  assert.ok(peakMb - idleMb < 4 * MAX_BODY_MB * 3, `peak RSS +${(peakMb - idleMb).toFixed(0)} MB`);
  await assertRecovered();
});
