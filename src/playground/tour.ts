/**
 * The scripted tour (`npm start -- --tour`): the seed procedure, from bare hosts to an elastic, self-healing
 * Jenkins, as six chat commands, each verified before the next, then a timeline. `/ci deploy jenkins` covers seed
 * steps 3 and 4: it pulls the image on the agents (Marathon does not pull) and applies the Mesos cloud, so neither
 * `/ci prepull` nor `/ci jenkins cloud --apply` is a step; the deploy's check looks for both results. It runs the
 * commands the bot has and names the ones it does not have yet (they are skipped, and the timeline says so).
 * Confirmation prompts are confirmed by clicking their button (a real signed block_actions), as a person would.
 */
import { readFileSync } from 'node:fs';
import { renderMessageText } from './slack-emulator/index.ts';
import type { Playground } from './playground.ts';
import type { TranscriptEntry } from './transcript.ts';

interface TourStep {
  /** The command as typed after `/ci`. */
  text: string;
  /** The command's name in the bot's registry (what must exist). */
  command: string;
  /** Progress messages that must finish (one per host for a fan-out). */
  tasks: number;
  /** A check of what the step did, in the simulated cluster or the transcript since `sinceMs`; the problem, if any. */
  verify?: (pg: Playground, sinceMs: number) => string | undefined;
  what: string;
}

/** The image `/ci deploy jenkins` deploys (the shipped template's). */
const JENKINS_IMAGE = (JSON.parse(readFileSync(new URL('../../config/marathon-jenkins.json', import.meta.url), 'utf8')) as { container: { docker: { image: string } } }).container.docker.image;

const STEPS: readonly TourStep[] = [
  { text: 'setup-master master', command: 'setup-master', tasks: 1, what: 'ZooKeeper, Mesos master and Marathon on master' },
  {
    text: 'setup-agent slave1 slave2', command: 'setup-agent', tasks: 2, what: 'Mesos agents and Docker on slave1 and slave2',
    verify: (pg) => (pg.sim.sim.state.agents.size >= 2 ? undefined : `${pg.sim.sim.state.agents.size} agents registered, not 2`),
  },
  // Marathon does not pull in this setup: the deploy pulls the image of config/marathon-jenkins.json on the agents
  // that lack it, and ends by applying the Mesos cloud (seed step 4) to the healthy Jenkins.
  {
    text: 'deploy jenkins', command: 'deploy jenkins', tasks: 1, what: 'image pulled on both agents, Jenkins on Marathon, the Mesos cloud in Jenkins',
    verify: (pg) => {
      const agents = [...pg.sim.sim.state.agents.values()];
      const without = agents.filter((a) => a.images?.has(JENKINS_IMAGE) !== true).map((a) => a.hostname);
      if (agents.length < 2 || without.length > 0) return `the Jenkins image is not on ${without.join(', ') || `${2 - agents.length} agent(s)`}`;
      if (!pg.sim.sim.marathon.tasksOf('/jenkins').some((t) => t.state === 'TASK_RUNNING')) return 'no Jenkins task is running';
      return pg.sim.sim.jenkinsCasc.clouds.some((c) => typeof c === 'object' && c !== null && 'mesos' in c) ? undefined : "Jenkins' configuration has no Mesos cloud";
    },
  },
  {
    text: 'jenkins password', command: 'jenkins password', tasks: 0, what: 'the first-start password (to you only)',
    verify: (pg, sinceMs) => {
      const password = pg.sim.sim.jenkinsWizard.current.password;
      const shown = pg.transcript.entries().filter((e) => e.kind === 'message' && e.atMs >= sinceMs && renderMessageText(e).includes(password ?? '\0'));
      if (!password) return 'the simulated Jenkins has no setup wizard open';
      if (shown.length === 0) return "the answer does not show Jenkins' first-start password";
      return shown.every((e) => e.place === 'ephemeral') ? undefined : 'the password was shown outside an ephemeral answer';
    },
  },
  { text: 'smoke', command: 'smoke', tasks: 1, what: '5 jobs → 5 agents → 0' },
  { text: 'drill failover', command: 'drill', tasks: 1, what: 'Jenkins killed, moved, back' },
];

export interface TimelineStep {
  text: string;
  what: string;
  outcome: 'done' | 'failed' | 'missing';
  /** Wall time the step took, ms. */
  ms: number;
  detail?: string;
}

export interface Timeline {
  steps: TimelineStep[];
  /** Commands typed (confirmation clicks not counted). */
  commands: number;
  totalMs: number;
  /** The simulator's time scale: simulated cluster time is `totalMs × timeScale`. */
  timeScale: number;
}

const STEP_DEADLINE_MS = 5 * 60_000;

export async function runTour(pg: Playground, log: (line: string) => void = console.log): Promise<Timeline> {
  const started = Date.now();
  const steps: TimelineStep[] = [];
  for (const step of STEPS) {
    if (!pg.commands.some((c) => c === step.command || c.startsWith(`${step.command} `))) {
      steps.push({ text: step.text, what: step.what, outcome: 'missing', ms: 0, detail: `this build has no /ci ${step.command}` });
      log(`\n[tour] skipping /ci ${step.text}: this build has no /ci ${step.command} yet`);
      continue;
    }
    log(`\n[tour] /ci ${step.text} — ${step.what}`);
    const t0 = Date.now();
    const result = await runStep(pg, step, t0).catch((err: Error) => ({ ok: false, detail: err.message }));
    const problem = result.ok ? step.verify?.(pg, t0) : result.detail;
    steps.push({ text: step.text, what: step.what, outcome: problem ? 'failed' : 'done', ms: Date.now() - t0, ...(problem ? { detail: problem } : {}) });
    if (problem) {
      log(`[tour] /ci ${step.text} failed: ${problem}`);
      break;
    }
  }
  return { steps, commands: steps.filter((s) => s.outcome !== 'missing').length, totalMs: Date.now() - started, timeScale: pg.sim.sim.opts.timeScale };
}

async function runStep(pg: Playground, step: TourStep, sinceMs: number): Promise<{ ok: boolean; detail?: string }> {
  const ack = await pg.command(step.text);
  if (!ack.acked) return { ok: false, detail: `not acknowledged (HTTP ${ack.status})` };
  const until = sinceMs + STEP_DEADLINE_MS;
  let confirmed = false;
  for (;;) {
    const recent = pg.transcript.entries().filter((e) => e.kind === 'message' && e.atMs >= sinceMs && !e.deleted);
    const prompt = recent.find((e) => actionOf(e, 'ci_confirm'));
    if (!confirmed && prompt) {
      await pg.click(prompt.id, 'ci_confirm');
      confirmed = true;
    }
    const finished = recent.filter((e) => /\*(Done|Failed|Cancelled)\* (in|after)/.test(renderMessageText(e)));
    const failed = finished.find((e) => /\*(Failed|Cancelled)\*/.test(renderMessageText(e)));
    if (failed) return { ok: false, detail: renderMessageText(failed).split('\n').find((l) => /\*(Failed|Cancelled)\*/.test(l)) ?? 'failed' };
    if (finished.length >= step.tasks && (step.tasks > 0 || recent.length > 0)) return { ok: true };
    if (Date.now() > until) return { ok: false, detail: `not finished within ${STEP_DEADLINE_MS / 60_000} min` };
    await new Promise((r) => setTimeout(r, 250));
  }
}

function actionOf(e: TranscriptEntry, actionId: string): boolean {
  return e.blocks.some((b) => ((b.elements as Array<{ action_id?: string }> | undefined) ?? []).some((el) => el.action_id === actionId));
}

export function printTimeline(t: Timeline, log: (line: string) => void = console.log): void {
  log('\n── Tour timeline');
  let at = 0;
  for (const s of t.steps) {
    const mark = s.outcome === 'done' ? '✅' : s.outcome === 'failed' ? '❌' : '⏭ ';
    log(`  ${mark} +${seconds(at).padStart(6)}  /ci ${s.text.padEnd(26)} ${s.outcome === 'done' ? seconds(s.ms) : s.detail ?? ''}`);
    at += s.ms;
  }
  const missing = t.steps.filter((s) => s.outcome === 'missing');
  const simulated = t.timeScale === 1 ? '' : ` (${seconds(t.totalMs * t.timeScale)} of simulated cluster time at time scale ${t.timeScale})`;
  log(`  ${t.commands} command${t.commands === 1 ? '' : 's'}, ${seconds(t.totalMs)} in all${simulated}${missing.length > 0 ? `; not in this build yet: ${missing.map((s) => `/ci ${s.text}`).join(', ')}` : ''}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
