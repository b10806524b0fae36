/**
 * Handlers of the provisioning task kinds (`/ci setup-agent`, `/ci setup-master`, `/ci prepull`): run the recipe
 * on one host through {@link RecipePort} with its steps as the live checklist and its output in the thread, then
 * check the result against the cluster through {@link ClusterProbe}. SSH and the cluster clients are injected;
 * this file imports neither.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, UpstreamError } from '../../core/errors.ts';
import type {
  ClusterProbe, ProvisionLog, ProvisionRecord, RecipeOutcome, RecipePort, TaskContext, TaskHandler, TaskResult,
} from '../../core/ports.ts';

type Requester = { userId: string; channelId: string };

/** Job data of `setup-agent` and `setup-master` (one host per job). */
export interface SetupTask {
  requester: Requester;
  /** Shared by every job of one chat request (makes job ids deterministic per request). */
  requestId: string;
  host: string;
  dryRun: boolean;
}

/** Job data of `prepull` (one host per job). */
export interface PrepullTask {
  requester: Requester;
  requestId: string;
  host: string;
  image: string;
}

export interface ProvisionDeps {
  recipes: RecipePort;
  /** Absent when no Mesos master is configured: verification is then reported as skipped. */
  cluster?: ClusterProbe;
  /** The recipe's parameters for an inventory host (built from the inventory and config). */
  params: (recipe: 'setup-agent' | 'setup-master' | 'prepull', host: string) => Record<string, string>;
  /** How long an agent may take to appear on the Mesos master, and the masters' services to answer, in ms. */
  joinTimeoutMs: number;
  history?: ProvisionLog;
  /** Lines of the agent's log shown when it never registers. Default 20. */
  logLines?: number;
  /** Poll period of the master checks, in ms. Default 1000. */
  pollMs?: number;
}

const VERIFY_AGENT = 'verify registration';
const VERIFY_MASTER = 'verify services';

/** Runs a recipe with its checklist live; a failed run becomes a PermanentError naming the step, with output. */
async function runRecipe(
  deps: ProvisionDeps,
  recipe: 'setup-agent' | 'setup-master' | 'prepull',
  task: { host: string; dryRun?: boolean },
  params: Record<string, string>,
  ctx: TaskContext,
  extraSteps: readonly string[],
): Promise<RecipeOutcome> {
  const { progress, signal } = ctx;
  await progress.plan([...deps.recipes.steps(recipe), ...extraSteps]);
  const outcome = await deps.recipes.run(recipe, task.host, params, {
    dryRun: task.dryRun ?? false,
    signal,
    onStep: (name, state, detail) => {
      void progress.step(name, state, detail);
      // The thread keeps a record of what each step did (hosts' tools are often silent when nothing fails).
      if (state !== 'running') progress.output([`[${name}] ${state}${detail ? `: ${detail}` : ''}`]);
    },
    onOutput: (line) => progress.output([line]),
  });
  if (!outcome.ok) {
    await record(deps, ctx, task.host, recipe, 'failed', `step "${outcome.failedStep ?? '?'}"`);
    const tail = outcome.outputTail.slice(-10).map((l) => `  ${l}`).join('\n');
    const exit = outcome.exitCode === null ? 'killed' : `exit ${outcome.exitCode}`;
    throw new PermanentError('ssh', `${recipe} on ${task.host} failed at step "${outcome.failedStep ?? '?'}" (${exit}):\n${tail}`);
  }
  return outcome;
}

async function record(deps: ProvisionDeps, ctx: TaskContext, host: string, recipe: string, outcome: ProvisionRecord['outcome'], detail?: string) {
  // Only `/ci hosts` reads this record: a Redis hiccup here must not fail a run whose outcome is already known.
  await deps.history?.record({ host, recipe, outcome, at: Date.now(), jobId: ctx.jobId, ...(detail ? { detail } : {}) }).catch(() => undefined);
}

/** "would write /etc/mesos/zk; would install: mesos" — what a dry run found, step by step. */
function dryRunSummary(host: string, outcome: RecipeOutcome): TaskResult {
  const would = outcome.steps.filter((s) => s.changed).map((s) => `${s.name}: ${s.detail ?? 'would change'}`);
  const summary = would.length === 0 ? `${host}: dry run — no change needed` : `${host}: dry run — ${would.length} step(s) would change; nothing was changed`;
  return { summary, changed: false, details: would };
}

/** With no Mesos master configured there is nothing to verify against: the step is skipped, and the result says so. */
async function unverified(
  deps: ProvisionDeps, ctx: TaskContext, host: string, recipe: string, step: string, outcome: RecipeOutcome, what: string, advertised?: string,
): Promise<TaskResult> {
  const change = outcome.changed ? 'changed' : 'no change';
  await ctx.progress.step(step, 'skipped', 'no Mesos master configured (cluster.mesos.urls)');
  await record(deps, ctx, host, recipe, change);
  const as = advertised ? `, advertised as ${advertised}` : '';
  return { summary: `${host}: ${change}${as}; ${what} not verified (no Mesos master configured)`, changed: outcome.changed };
}

const gb = (mb: number) => `${(mb / 1024).toFixed(1)} GB`;
const cpus = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)} cpus`;

/** `/ci setup-agent <host>`: recipe, then wait until the Mesos master lists the agent as active. */
export function createSetupAgentHandler(deps: ProvisionDeps): TaskHandler<SetupTask> {
  return async (task, ctx) => {
    const params = deps.params('setup-agent', task.host);
    const extra = task.dryRun ? [] : [VERIFY_AGENT];
    const outcome = await runRecipe(deps, 'setup-agent', task, params, ctx, extra);
    if (task.dryRun) {
      await record(deps, ctx, task.host, 'setup-agent', 'dry run');
      return dryRunSummary(task.host, outcome);
    }
    // What the agent advertises (its address by default, or its inventory name) is what the Mesos master lists.
    const advertised = params.HOST_NAME ?? task.host;
    if (!deps.cluster) return unverified(deps, ctx, task.host, 'setup-agent', VERIFY_AGENT, outcome, 'registration', advertised);
    const agent = await waitForAgent(deps, deps.cluster, task.host, advertised, ctx);
    const totals = await deps.cluster.agentTotals(ctx.signal);
    const mine = `${cpus(agent.cpus)}, ${gb(agent.memMb)}`;
    await ctx.progress.step(VERIFY_AGENT, 'done', `active as ${agent.hostname}: ${mine}`);
    const cluster = `${totals.agents} agents, ${cpus(totals.cpus)}, ${gb(totals.memMb)}`;
    await record(deps, ctx, task.host, 'setup-agent', outcome.changed ? 'changed' : 'no change', cluster);
    const summary = outcome.changed
      ? `${task.host} joined as ${agent.hostname}: ${cluster}`
      : `${task.host}: no change — already set up and registered as ${agent.hostname} (${mine}); cluster: ${cluster}`;
    return { summary, changed: outcome.changed, details: [`agent ${agent.hostname}: ${mine}`] };
  };
}

/** Waits for the agent; if it never shows up, the last lines of its log go to the thread and the task fails. */
async function waitForAgent(deps: ProvisionDeps, cluster: ClusterProbe, host: string, hostname: string, ctx: TaskContext) {
  await ctx.progress.step(VERIFY_AGENT, 'running', `waiting for ${hostname} on the Mesos master`);
  try {
    return await cluster.waitForAgent(hostname, { timeoutMs: deps.joinTimeoutMs, signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted || !(err instanceof UpstreamError) || err.failure !== 'timeout') throw err;
    const lines = await deps.recipes.serviceLog(host, 'mesos-slave', deps.logLines ?? 20, ctx.signal).catch((e: unknown) => [`(could not read the agent log: ${String(e)})`]);
    ctx.progress.output([`Last lines of the mesos-slave log on ${host}:`, ...lines]);
    await ctx.progress.step(VERIFY_AGENT, 'failed', 'never registered');
    await record(deps, ctx, host, 'setup-agent', 'failed', 'agent never registered');
    const secs = Math.round(deps.joinTimeoutMs / 1000);
    throw new PermanentError('timeout', `${host} was set up but its agent did not register with the Mesos master within ${secs} s; the last lines of its log are in the thread.`, { cause: err });
  }
}

/** `/ci setup-master <host>`: recipe, then the Mesos leader, Marathon (answering, registered) and ZooKeeper. */
export function createSetupMasterHandler(deps: ProvisionDeps): TaskHandler<SetupTask> {
  return async (task, ctx) => {
    const params = deps.params('setup-master', task.host);
    const outcome = await runRecipe(deps, 'setup-master', task, params, ctx, task.dryRun ? [] : [VERIFY_MASTER]);
    if (task.dryRun) {
      await record(deps, ctx, task.host, 'setup-master', 'dry run');
      return dryRunSummary(task.host, outcome);
    }
    if (!deps.cluster) return unverified(deps, ctx, task.host, 'setup-master', VERIFY_MASTER, outcome, 'services');
    const checks = await pollChecks(deps, deps.cluster, ctx);
    ctx.progress.output(checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`));
    const bad = checks.filter((c) => !c.ok);
    const line = checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ');
    if (bad.length > 0) {
      await ctx.progress.step(VERIFY_MASTER, 'failed', bad.map((c) => `${c.name}: ${c.detail}`).join('; '));
      await record(deps, ctx, task.host, 'setup-master', 'failed', line);
      throw new PermanentError('upstream', `${task.host}: recipe finished but ${bad.map((c) => `${c.name} (${c.detail})`).join(', ')} did not check out.`);
    }
    await ctx.progress.step(VERIFY_MASTER, 'done', line);
    await record(deps, ctx, task.host, 'setup-master', outcome.changed ? 'changed' : 'no change', line);
    return { summary: `${task.host}: ${outcome.changed ? 'set up' : 'no change'} — ${line}`, changed: outcome.changed, details: checks.map((c) => `${c.name}: ${c.detail}`) };
  };
}

/** Services take a moment to come up: checks are repeated until all pass or the join timeout passes. */
async function pollChecks(deps: ProvisionDeps, cluster: ClusterProbe, ctx: TaskContext) {
  await ctx.progress.step(VERIFY_MASTER, 'running');
  const until = Date.now() + deps.joinTimeoutMs;
  for (;;) {
    const checks = await cluster.checkMaster(ctx.signal);
    if (checks.every((c) => c.ok) || Date.now() >= until) return checks;
    // Rejects with an AbortError at once on cancel or shutdown; the worker classifies it by the signal.
    await sleep(deps.pollMs ?? 1000, undefined, { signal: ctx.signal });
  }
}

/** `/ci prepull <image>`: `docker pull` on one agent (idempotent: an image already there is no change). */
export function createPrepullHandler(deps: ProvisionDeps): TaskHandler<PrepullTask> {
  return async (task, ctx) => {
    const params = { ...deps.params('prepull', task.host), IMAGE: task.image };
    const outcome = await runRecipe(deps, 'prepull', task, params, ctx, []);
    await record(deps, ctx, task.host, 'prepull', outcome.changed ? 'changed' : 'no change', task.image);
    const summary = outcome.changed ? `${task.host}: pulled ${task.image}` : `${task.host}: no change — ${task.image} is already there`;
    return { summary, changed: outcome.changed };
  };
}
