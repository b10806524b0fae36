/**
 * `/ci smoke`: the seed's elasticity test (step 4). N freestyle jobs `ci-bot-smoke-<i>` restricted to the Mesos
 * label, each `sleep <seconds>`, triggered at once: the Mesos plugin launches one agent per queued build
 * (maxExecutors 1), the builds run, and the agents are removed after the cloud's idle timeout. The progress message
 * shows live counts (queued, agents launching, running, done); the result reports the time to the first agent, the
 * peak of dynamic agents (Jenkins nodes and the plugin's Mesos tasks), every build's result, and whether the agents
 * were recycled within the idle timeout (or which stayed). Jenkins REST per JENKINS-ON-MARATHON.md §3, agent names
 * per §5 (`jenkins-agent-<label>-<uuid>` in 2.x, `mesos-jenkins-<uuid>-<label>` in 1.x).
 */
import type { ClusterClients, JenkinsBuildState, JenkinsJobControl, MesosTaskView } from '../../cluster/cluster-reader.ts';
import { formatDuration, roughDuration } from '../../core/duration.ts';
import { PermanentError, UpstreamError } from '../../core/errors.ts';
import type { Progress, TaskHandler } from '../../core/ports.ts';
import { interruptibleSleep } from '../../core/sleep.ts';

/** Job data of `/ci smoke` (validated by the kind's schema in ./index.ts). */
export interface SmokeTask {
  requester: { userId: string; channelId: string };
  requestId: string;
  jobs: number;
  seconds: number;
}

export interface SmokeDeps {
  jenkinsUrl: string;
  jobs: JenkinsJobControl;
  mesosTasks?: ClusterClients['mesosTasks'];
  label: string;
  idleTimeoutMs: number;
  pollMs: number;
  buildsTimeoutMs: number;
  recycleGraceMs: number;
}

export const SMOKE_STEPS = ['check Jenkins', 'create jobs', 'trigger builds', 'builds', 'agents recycled'] as const;

export const smokeJobName = (i: number) => `ci-bot-smoke-${i}`;

/** A freestyle job tied to `label` whose one shell step is `sleep <seconds>` (as the seed's five jobs). */
export function smokeJobXml(label: string, seconds: number): string {
  const esc = label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    "<?xml version='1.1' encoding='UTF-8'?>",
    '<project>',
    '  <description>ci-bot /ci smoke: elasticity test on the Mesos cloud (created by ci-bot, safe to delete)</description>',
    `  <assignedNode>${esc}</assignedNode>`,
    '  <canRoam>false</canRoam>',
    '  <concurrentBuild>false</concurrentBuild>',
    `  <builders><hudson.tasks.Shell><command>sleep ${seconds}</command></hudson.tasks.Shell></builders>`,
    '</project>',
  ].join('\n');
}

/** Node and Mesos task names of the plugin's agents for `label` (2.x and 1.x naming). */
function isDynamic(name: string, label: string): boolean {
  return name.startsWith(`jenkins-agent-${label}-`) || (name.startsWith('mesos-jenkins-') && name.endsWith(`-${label}`));
}

interface Run {
  job: string;
  queueId: number;
  buildNumber?: number;
  build?: JenkinsBuildState;
  cancelled?: boolean;
  why?: string | undefined;
}

interface Agents {
  /** Every dynamic agent seen now: Jenkins nodes and the plugin's Mesos tasks, by name. */
  all: Set<string>;
  launching: number;
  online: number;
}

export function createSmokeHandler(deps: SmokeDeps): TaskHandler<SmokeTask> {
  const run = smokeRun(deps);
  return async (task, ctx) => {
    const at = { step: 'check Jenkins' as string };
    const p = ctx.progress;
    const progress: Progress = {
      plan: (steps) => p.plan(steps), output: (lines) => p.output(lines),
      step: (name, state, detail) => ((at.step = name), p.step(name, state, detail)),
    };
    try {
      return await run(task, { ...ctx, progress });
    } catch (err) {
      // Jenkins (or Mesos) going away half-way: said plainly, with what is left behind.
      if (!(err instanceof UpstreamError) || err.failure === 'aborted') throw err;
      throw new PermanentError('upstream', `${err.service === 'jenkins' ? 'Jenkins' : err.service} stopped answering during "${at.step}" (${err.message}). `
        + `The jobs ci-bot-smoke-* stay and are reused by the next \`/ci smoke\`; builds already queued run once Jenkins is back.`, { cause: err });
    }
  };
}

function smokeRun(deps: SmokeDeps): TaskHandler<SmokeTask> {
  return async (task, { signal, progress }) => {
    const o = { signal };
    const n = task.jobs;
    await progress.plan(SMOKE_STEPS);

    // Nothing is created before Jenkins has answered: a smoke run against a Jenkins that is down leaves nothing behind.
    await progress.step('check Jenkins', 'running');
    try {
      await deps.jobs.nodes(o);
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.failure === 'aborted') throw err;
      throw new PermanentError('upstream', `Jenkins at ${deps.jenkinsUrl} does not answer (${err.message}). No job was created or triggered; `
        + 'see `/ci status` (if its Marathon task is down, Marathon restarts it) and run `/ci smoke` again.', { cause: err });
    }
    await progress.step('check Jenkins', 'done');

    await progress.step('create jobs', 'running');
    const xml = smokeJobXml(deps.label, task.seconds);
    let reused = 0;
    for (let i = 1; i <= n; i++) {
      const name = smokeJobName(i);
      // A job from an earlier run is reused, with this run's configuration (label and seconds may have changed).
      if ((await deps.jobs.createJob(name, xml, o)) === 'exists') {
        await deps.jobs.updateJob(name, xml, o);
        reused++;
      }
    }
    await progress.step('create jobs', 'done', `${n - reused} created, ${reused} reused`);

    await progress.step('trigger builds', 'running');
    const runs: Run[] = [];
    for (let i = 1; i <= n; i++) runs.push({ job: smokeJobName(i), queueId: await deps.jobs.triggerBuild(smokeJobName(i), o) });
    const t0 = Date.now();
    await progress.step('trigger builds', 'done', `${n} queued on label ${deps.label}`);

    const seen = new Set<string>();
    let peak = 0;
    let firstAgentMs: number | undefined;
    let shown = '';
    await progress.step('builds', 'running');
    const finished = (r: Run) => r.cancelled === true || (r.build !== undefined && !r.build.building);
    for (;;) {
      signal.throwIfAborted();
      await followRuns(deps.jobs, runs, o);
      const agents = await readAgents(deps, o);
      for (const a of agents.all) seen.add(a);
      peak = Math.max(peak, agents.all.size);
      if (firstAgentMs === undefined && (agents.online > 0 || runs.some((r) => r.build && isDynamic(r.build.builtOn, deps.label)))) firstAgentMs = Date.now() - t0;
      const queued = runs.filter((r) => r.buildNumber === undefined && !r.cancelled).length;
      const running = runs.filter((r) => r.build?.building).length;
      const done = runs.filter(finished).length;
      const counts = `queued ${queued} · agents launching ${agents.launching} · running ${running} · done ${done}/${n}`;
      if (counts !== shown) await progress.step('builds', 'running', (shown = counts));
      if (done === n) break;
      if (Date.now() - t0 > deps.buildsTimeoutMs) {
        const waiting = runs.filter((r) => !finished(r)).map((r) => `${r.job}${r.why ? ` (${r.why})` : r.build ? ' (running)' : ''}`);
        await progress.step('builds', 'failed', counts);
        throw new PermanentError('timeout', `Builds not finished ${roughDuration(deps.buildsTimeoutMs)} after the trigger: ${waiting.join(', ')}. `
          + `Peak ${peak} dynamic agent${peak === 1 ? '' : 's'}; check the Mesos cloud (\`/ci jenkins cloud\`) and free resources (\`/ci agents\`).`);
      }
      await interruptibleSleep(deps.pollMs, signal);
    }
    const lastDone = Date.now();
    const results = runs.map((r) => r.build?.result ?? (r.cancelled ? 'CANCELLED' : 'UNKNOWN'));
    const ok = results.filter((r) => r === 'SUCCESS').length;
    await progress.step('builds', ok === n ? 'done' : 'failed', `${ok}/${n} SUCCESS, peak ${peak} agents`);
    progress.output(runs.map((r, i) => `${r.job} #${r.buildNumber ?? '?'} ${results[i]}${r.build?.builtOn ? ` on ${r.build.builtOn}` : ''}${r.build ? ` (${formatDuration(r.build.durationMs)})` : ''}`));

    // Recycling: every dynamic agent (node and Mesos task) gone within the idle timeout (plus slack) of the last build.
    await progress.step('agents recycled', 'running', `idle timeout ${roughDuration(deps.idleTimeoutMs)}`);
    const limitMs = deps.idleTimeoutMs + deps.recycleGraceMs;
    let left: Set<string>;
    for (;;) {
      signal.throwIfAborted();
      left = (await readAgents(deps, o)).all;
      for (const a of left) seen.add(a);
      if (left.size === 0 || Date.now() - lastDone > limitMs) break;
      await progress.step('agents recycled', 'running', `${left.size} of ${seen.size} still there, ${formatDuration(Date.now() - lastDone)} after the last build`);
      await interruptibleSleep(deps.pollMs, signal);
    }
    const recycledMs = Date.now() - lastDone;
    const recycled = left.size === 0;
    await progress.step('agents recycled', recycled ? 'done' : 'failed', recycled ? `all gone ${formatDuration(recycledMs)} after the last build` : `${left.size} stayed`);

    const agentsLine = `first agent after ${firstAgentMs === undefined ? 'never (builds ran on static nodes)' : formatDuration(firstAgentMs)}, peak ${peak} dynamic agent${peak === 1 ? '' : 's'}`;
    const recycleLine = recycled
      ? `recycled within the idle timeout (${roughDuration(deps.idleTimeoutMs)}): all gone ${formatDuration(recycledMs)} after the last build`
      : `NOT recycled ${formatDuration(recycledMs)} after the last build (idle timeout ${roughDuration(deps.idleTimeoutMs)}): ${[...left].sort().join(', ')} stayed`;
    const summary = `${n} jobs → ${peak} agents → ${left.size}: ${ok}/${n} builds SUCCESS · ${agentsLine} · ${recycleLine}`;
    if (ok < n || !recycled) {
      const bad = runs.flatMap((r, i) => (results[i] === 'SUCCESS' ? [] : [`${r.job} ${results[i]}`]));
      throw new PermanentError('upstream', `Smoke test failed: ${summary}${bad.length > 0 ? ` · not SUCCESS: ${bad.join(', ')}` : ''}`);
    }
    return { summary: `Smoke test passed: ${summary}${peak < n ? ` (fewer agents than jobs: agents were reused)` : ''}` };
  };
}

/** Queue items → build numbers → build states, for the runs not finished yet. */
async function followRuns(jobs: JenkinsJobControl, runs: Run[], o: { signal: AbortSignal }): Promise<void> {
  await Promise.all(runs.map(async (r) => {
    if (r.cancelled || (r.build && !r.build.building)) return;
    if (r.buildNumber === undefined) {
      const item = await jobs.queueItem(r.queueId, o);
      r.why = item.why;
      if (item.cancelled) r.cancelled = true;
      if (item.buildNumber === undefined) return;
      r.buildNumber = item.buildNumber;
    }
    r.build = await jobs.build(r.job, r.buildNumber, o);
  }));
}

/** The plugin's agents now: Jenkins nodes for the label and the plugin's Mesos tasks, joined by name. */
async function readAgents(deps: SmokeDeps, o: { signal: AbortSignal }): Promise<Agents> {
  const [nodes, tasks] = await Promise.all([
    deps.jobs.nodes(o),
    // The Mesos side is a second witness; without it (no Mesos configured) the Jenkins nodes decide.
    deps.mesosTasks ? deps.mesosTasks(o).catch((): MesosTaskView[] => []) : Promise.resolve([]),
  ]);
  const dynNodes = nodes.filter((x) => isDynamic(x.name, deps.label));
  const dynTasks = tasks.filter((t) => isDynamic(t.name, deps.label));
  const all = new Set([...dynNodes.map((x) => x.name), ...dynTasks.map((t) => t.name)]);
  const online = new Set(dynNodes.filter((x) => !x.offline).map((x) => x.name));
  const launching = [...all].filter((name) => !online.has(name)).length;
  return { all, launching, online: online.size };
}
