/**
 * `/ci deploy jenkins [--force] [--dry-run] [--no-pull] [--no-cloud]`: render the app from the template, check over
 * SSH that its image is on every agent that may run it and pull it where it is missing (Marathon does not pull in
 * this setup; deploy-images.ts), compare with the running app, create (POST) or replace (PUT) it, and follow the
 * deployment until the task runs and is healthy — or say why not: a task that keeps failing (the agent's message), an
 * unhealthy task, no offer that fits (which resource, on which agent), a deployment that ended without a healthy
 * task. Then, with Jenkins configured, the Mesos cloud is applied to it (deploy-cloud.ts). SSH, Marathon and
 * Jenkins are reached only through ports.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, UpstreamError } from '../../core/errors.ts';
import type { RecipePort, TaskContext, TaskHandler, TaskResult } from '../../core/ports.ts';
import type { ClusterClients, MarathonApp, MarathonDeploymentView } from '../../cluster/cluster-reader.ts';
import type { Config } from '../../config/schema.ts';
import { diffApp, renderJenkinsApp, type AppDefinition, type RenderedApp } from './deploy-template.ts';
import { ensureImages, firstLine, IMAGE_STEP, PULL_STEP } from './deploy-images.ts';
import { applyCloudStep, CLOUD_STEP, type DeployCloud } from './deploy-cloud.ts';

/** Job data of `deploy-jenkins`. */
export interface DeployTask {
  requester: { userId: string; channelId: string };
  requestId: string;
  force: boolean;
  dryRun: boolean;
  /** `--no-pull`: a missing image fails the deploy (with the `/ci prepull` to run) instead of being pulled. */
  noPull: boolean;
  /** `--no-cloud`: the Mesos cloud is not applied at the end. */
  noCloud: boolean;
}

export interface DeployDeps {
  config: Config;
  recipes: RecipePort;
  marathon: ClusterClients['marathon'];
  mesos: ClusterClients['mesos'];
  /** Inventory names of the agents. */
  agents: () => string[];
  /** Renders the app (default: from the config's template). */
  render?: () => RenderedApp;
  /** The Mesos cloud step; absent when no Jenkins is configured (the deploy then ends at "running and healthy"). */
  cloud?: DeployCloud;
}

const RENDER = 'render app';
const COMPARE = 'compare with Marathon';
const SUBMIT = 'submit';
const FOLLOW = 'running and healthy';

export function createDeployHandler(deps: DeployDeps): TaskHandler<DeployTask> {
  return async (task, ctx) => {
    const marathon = deps.marathon;
    if (!marathon) throw new PermanentError('config', 'No Marathon configured (cluster.marathon.urls / MARATHON_URL): nothing to deploy to.');
    const { progress, signal } = ctx;
    const images = task.noPull ? [IMAGE_STEP] : [IMAGE_STEP, PULL_STEP];
    const cloud = deps.cloud;
    await progress.plan(task.dryRun ? [RENDER, ...images, COMPARE] : [RENDER, ...images, COMPARE, SUBMIT, FOLLOW, ...(cloud ? [CLOUD_STEP] : [])]);

    await progress.step(RENDER, 'running');
    const rendered = await failStep(ctx, RENDER, async () => (deps.render ?? (() => renderJenkinsApp(deps.config)))());
    const { app } = rendered;
    if (rendered.warnings.length > 0) progress.output(rendered.warnings.map((w) => `⚠ ${w}`));
    await progress.step(RENDER, 'done', `${app.id}: ${rendered.image}, ${String(app.cpus)} cpu / ${String(app.mem)} MB${rendered.warnings.length ? `, ${rendered.warnings.length} warning(s) in the thread` : ''}`);

    const agentImage = cloud?.agentImage && !task.noCloud ? { image: cloud.agentImage, hosts: deps.agents() } : undefined;
    await ensureImages(deps.recipes, { image: rendered.image, hosts: candidates(deps, app) }, agentImage, { pull: !task.noPull, dryRun: task.dryRun }, ctx);

    await progress.step(COMPARE, 'running');
    const running = await failStep(ctx, COMPARE, async () => {
      await fitsSomewhere(deps, app, ctx);
      return marathon.deployer.definition(app.id, { signal }).catch((err: unknown) => {
        if (signal.aborted || !(err instanceof UpstreamError)) throw err;
        throw new PermanentError('upstream', `Marathon is not answering (${err.message}). Nothing was deployed; run \`/ci deploy jenkins\` again once it answers.`, { cause: err });
      });
    });
    const diff = diffApp(running, app);
    if (diff.length > 0) progress.output([running ? `Changes to ${app.id}:` : `${app.id} is new:`, ...diff]);
    await progress.step(COMPARE, 'done', running ? `${diff.length} field(s) differ` : 'not on Marathon yet: create');
    if (task.dryRun) {
      const summary = running
        ? diff.length === 0 ? `dry run: ${app.id} already runs this definition; nothing would change` : `dry run: ${diff.length} field(s) of ${app.id} would change (diff in the thread); nothing was changed`
        : `dry run: ${app.id} would be created (definition in the thread); nothing was changed`;
      return { summary, changed: false, details: diff };
    }
    if (running && diff.length === 0 && !task.force && (await healthyNow(deps, app, ctx))) {
      await progress.step(SUBMIT, 'skipped', 'no change');
      await progress.step(FOLLOW, 'done', 'running and healthy');
      const tail = cloud ? await applyCloudStep(cloud, task.noCloud, ctx) : '';
      return { summary: `no change: ${app.id} already runs this definition and is healthy${tail}`, changed: false };
    }

    await progress.step(SUBMIT, 'running');
    const since = Date.now();
    const deploymentId = await failStep(ctx, SUBMIT, () => submit(deps, app, running === undefined, task.force, ctx));
    await progress.step(SUBMIT, 'done', `${running ? 'PUT (replace)' : 'POST (create)'}${task.force ? ' --force' : ''}: deployment ${deploymentId ?? '(id not returned)'}`);

    const outcome = await failStep(ctx, FOLLOW, () => follow(deps, app, deploymentId, since, ctx));
    if (!cloud) return outcome;
    return { ...outcome, summary: `${outcome.summary}${await applyCloudStep(cloud, task.noCloud, ctx)}` };
  };
}

/** Runs one step; a failure marks it failed with the error's first line, and rethrows. */
async function failStep<T>(ctx: TaskContext, step: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!ctx.signal.aborted) await ctx.progress.step(step, 'failed', firstLine(err));
    throw err;
  }
}

/** The agents that may run the app: the pinned host if the template pins one, else every inventory agent. */
function candidates(deps: DeployDeps, app: AppDefinition): string[] {
  const all = deps.agents();
  const pin = ((app.constraints as string[][] | undefined) ?? []).find((c) => c[0] === 'hostname' && (c[1] === 'CLUSTER' || c[1] === 'IS'))?.[2];
  return pin && all.includes(pin) ? [pin] : all;
}

/** Creates or replaces the app; returns the deployment id. Explains 409 and 400/422; checks what a 5xx left behind. */
async function submit(deps: DeployDeps, app: AppDefinition, create: boolean, force: boolean, ctx: TaskContext): Promise<string | undefined> {
  const marathon = deps.marathon!;
  const { signal } = ctx;
  let result;
  try {
    result = await marathon.deployer.write(app, { signal, create, force });
  } catch (err) {
    if (signal.aborted || !(err instanceof UpstreamError)) throw err;
    return afterFailedWrite(deps, app, create, err, ctx);
  }
  if (result.ok) return result.deploymentId;
  if (result.kind === 'exists' && create) return submit(deps, app, false, force, ctx);
  if (result.kind === 'locked') {
    const all = await marathon.deployer.deployments({ signal }).catch(() => [] as MarathonDeploymentView[]);
    const named = result.deploymentIds.map((id) => describeDeployment(id, all)).join('; ') || 'a running deployment';
    throw new PermanentError('conflict',
      `${app.id} is locked by Marathon deployment ${named}. Wait for it to finish, or run \`/ci deploy jenkins --force\` ` +
      'to cancel it (only if it is stuck). Nothing was changed.');
  }
  if (result.kind !== 'invalid') throw new PermanentError('conflict', `Marathon: ${result.message} Nothing was changed.`);
  const fields = result.fields.map((f) => `• \`${f.path}\`: ${f.errors.join('; ')}`);
  throw new PermanentError('bad_arguments',
    `Marathon refused the app definition (${result.status} ${result.message}):\n${fields.join('\n') || '• (no details)'}\n` +
    `Fix ${deps.config.deploy.jenkins.template} or deploy.jenkins.* in the config. Nothing was deployed.`);
}

function describeDeployment(id: string, all: readonly MarathonDeploymentView[]): string {
  const d = all.find((x) => x.id === id);
  return d ? `\`${id}\` (${d.actions.join(', ') || 'no actions'}, step ${d.currentStep}/${d.totalSteps})` : `\`${id}\``;
}

/**
 * The write failed (5xx, timeout, connection lost): Marathon may or may not have taken it. A deployment of the app
 * now running means it did (follow it); none means nothing changed; no answer at all means we cannot know.
 */
async function afterFailedWrite(deps: DeployDeps, app: AppDefinition, create: boolean, err: UpstreamError, ctx: TaskContext): Promise<string | undefined> {
  const marathon = deps.marathon!;
  const why = err.status ? `answered ${err.status}` : `failed (${err.failure})`;
  let deployments: MarathonDeploymentView[];
  let now: Record<string, unknown> | undefined;
  try {
    deployments = await marathon.deployer.deployments({ signal: ctx.signal });
    now = await marathon.deployer.definition(app.id, { signal: ctx.signal });
  } catch (again) {
    throw new PermanentError('upstream',
      `Marathon ${why} to the ${create ? 'create' : 'update'} of ${app.id} and does not answer now (${firstLine(again)}), so whether it took the change is unknown. ` +
      'Check `/ci jenkins` before running `/ci deploy jenkins` again.', { cause: err });
  }
  const mine = deployments.find((d) => d.affectedApps.includes(app.id));
  // It differed before the write; the same as wanted now means Marathon took it (its deployment may be over already).
  const took = now !== undefined && diffApp(now, app).length === 0;
  if (mine || took) {
    ctx.progress.output([`Marathon ${why}, but it took the change: following ${mine ? `deployment ${mine.id}` : app.id}.`]);
    return mine?.id;
  }
  throw new PermanentError('upstream',
    `Marathon ${why} to the ${create ? 'create' : 'update'} of ${app.id} and did not take it (no deployment of ${app.id}${create ? ', no app' : ''}). ` +
    'Nothing was deployed; run `/ci deploy jenkins` again once Marathon answers.', { cause: err });
}

async function healthyNow(deps: DeployDeps, app: AppDefinition, ctx: TaskContext): Promise<boolean> {
  const view = await deps.marathon!.app(app.id, { signal: ctx.signal }).catch(() => undefined);
  return view !== undefined && ready(view, app) !== undefined;
}

/** The tasks that count: running and (with a health check) healthy; undefined when fewer than wanted. */
function ready(view: MarathonApp, app: AppDefinition): MarathonApp['tasks'] | undefined {
  const checks = ((app.healthChecks as unknown[] | undefined) ?? []).length;
  const ok = (view.tasks ?? []).filter((t) => t.state === 'TASK_RUNNING' && (checks === 0 || t.healthCheckResults?.some((h) => h.alive) === true));
  return ok.length >= Number(app.instances ?? 1) ? ok : undefined;
}

/** Follows until running and healthy, a clear failure, or `followTimeoutMs`. */
async function follow(deps: DeployDeps, app: AppDefinition, deploymentId: string | undefined, since: number, ctx: TaskContext): Promise<TaskResult> {
  const marathon = deps.marathon!;
  const { progress, signal } = ctx;
  const opts = deps.config.deploy.jenkins;
  const until = Date.now() + opts.followTimeoutMs;
  const failures = new Map<string, { host: string; message: string }>();
  /** Tasks seen running but unhealthy: one that is gone next time was killed by its health check. */
  const unhealthy = new Map<string, string>();
  let last = '';
  let down: { since: number; why: string } | undefined;
  let seenDeployment = deploymentId === undefined;
  const say = async (detail: string) => {
    if (detail === last) return;
    last = detail;
    await progress.step(FOLLOW, 'running', detail);
  };
  await say(`deployment ${deploymentId ?? ''} started`.replace('  ', ' '));
  for (;;) {
    let state: { deployments: MarathonDeploymentView[]; view: MarathonApp; waiting: Awaited<ReturnType<typeof marathon.deployer.waiting>> };
    try {
      const [deployments, view, waiting] = await Promise.all([
        marathon.deployer.deployments({ signal }), marathon.app(app.id, { signal }), marathon.deployer.waiting({ signal }),
      ]);
      state = { deployments, view, waiting };
      if (down) progress.output([`Marathon answers again after ${Math.round((Date.now() - down.since) / 1000)} s.`]);
      down = undefined;
    } catch (err) {
      if (signal.aborted) throw err;
      down ??= { since: Date.now(), why: firstLine(err) };
      await say(`Marathon not answering since ${new Date(down.since).toISOString().slice(11, 19)} UTC (${down.why}); still waiting`);
      if (Date.now() >= until) {
        throw new PermanentError('upstream', `Marathon stopped answering while ${app.id} was deploying (${down.why}); gave up after ${Math.round(opts.followTimeoutMs / 1000)} s. The deployment may still finish: check \`/ci jenkins\`.`);
      }
      await sleep(opts.pollMs, undefined, { signal });
      continue;
    }
    const mine = state.deployments.find((d) => (deploymentId ? d.id === deploymentId : d.affectedApps.includes(app.id)));
    if (mine) seenDeployment = true;
    const f = state.view.lastTaskFailure;
    if (f?.taskId && f.timestamp && Date.parse(f.timestamp) >= since - 1000 && !failures.has(f.taskId)) {
      failures.set(f.taskId, { host: f.host ?? '?', message: f.message ?? f.state ?? 'failed' });
      progress.output([`task ${f.taskId} ${f.state ?? 'failed'} on ${f.host ?? '?'}: ${f.message ?? ''}`]);
    }
    for (const t of state.view.tasks ?? []) {
      if (t.state === 'TASK_RUNNING' && t.healthCheckResults?.some((h) => !h.alive)) unhealthy.set(t.id, t.host);
    }
    for (const [id, host] of unhealthy) {
      const now = (state.view.tasks ?? []).find((t) => t.id === id);
      if (now?.state === 'TASK_RUNNING') continue;
      unhealthy.delete(id);
      if (!failures.has(id)) {
        failures.set(id, { host, message: 'unhealthy: killed after failing its /login health check' });
        progress.output([`task ${id} on ${host} was killed after failing its health check`]);
      }
    }
    const tasks = ready(state.view, app);
    if (!mine && tasks) {
      const where = tasks.map((t) => t.host).join(', ');
      await progress.step(FOLLOW, 'done', `running and healthy on ${where}`);
      return { summary: `${app.id} is running and healthy on ${where}${failures.size ? ` (after ${failures.size} failed start(s))` : ''}`, changed: true };
    }
    if (failures.size >= opts.maxTaskFailures) {
      const lastFailure = [...failures.values()].at(-1)!;
      throw new PermanentError('upstream',
        `${app.id} did not start: its task failed ${failures.size} times; last on ${lastFailure.host}: ${lastFailure.message}\n` +
        `Marathon keeps retrying${mine ? ` (deployment \`${mine.id}\` is still running)` : ''}: fix the cause, then \`/ci deploy jenkins --force\`.`);
    }
    if (!mine && seenDeployment && deploymentId !== undefined) {
      const other = state.deployments.find((d) => d.affectedApps.includes(app.id));
      throw new PermanentError('upstream', other
        ? `Deployment \`${deploymentId}\` was replaced by \`${other.id}\` (${other.actions.join(', ')}) before ${app.id} was healthy; that one is not followed here.`
        : `Deployment \`${deploymentId}\` ended (deployment_failed or cancelled) without a running, healthy ${app.id}. See \`/ci jenkins\`.`);
    }
    const detail = await describeWait(deps, app, state, ctx);
    if (detail.never) throw new PermanentError('upstream', `${app.id} can never be placed: ${detail.text}. Lower deploy.jenkins.cpus / memMb or add a bigger agent.`);
    await say(detail.text);
    if (Date.now() >= until) {
      throw new PermanentError('timeout', `${app.id} was not running and healthy after ${Math.round(opts.followTimeoutMs / 1000)} s: ${detail.text}.${mine ? ` Deployment \`${mine.id}\` is still running in Marathon.` : ''}`);
    }
    await sleep(opts.pollMs, undefined, { signal });
  }
}

/** What the app is waiting for, in words; `never` when no agent could ever hold it. */
async function describeWait(
  deps: DeployDeps, app: AppDefinition,
  state: { view: MarathonApp; waiting: ReadonlyArray<{ appId: string; count: number; delaySeconds: number; offers: ReadonlyArray<{ host: string; reasons: readonly string[] }> }> },
  ctx: TaskContext,
): Promise<{ text: string; never?: boolean }> {
  const tasks = state.view.tasks ?? [];
  const unhealthy = tasks.find((t) => t.state === 'TASK_RUNNING' && t.healthCheckResults?.some((h) => !h.alive));
  if (unhealthy) return { text: `unhealthy on ${unhealthy.host}: the /login health check fails` };
  const live = tasks.find((t) => t.state === 'TASK_RUNNING' || t.state === 'TASK_STARTING' || t.state === 'TASK_STAGING');
  if (live) return { text: live.state === 'TASK_RUNNING' ? `running on ${live.host}, waiting for the first health check` : `starting on ${live.host} (${live.state})` };
  const q = state.waiting.find((w) => w.appId === app.id);
  if (!q) return { text: 'waiting for Marathon to schedule it' };
  const refused = q.offers.filter((o) => o.reasons.length > 0);
  if (q.offers.length > 0 && refused.length === q.offers.length) {
    const text = `no offer fits: ${refused.map((o) => `${o.host} ${o.reasons.join('+')}`).join(', ')}`;
    return { text, never: await neverFits(deps, app, refused.map((o) => o.host), ctx) };
  }
  if (q.delaySeconds > 0) return { text: `waiting for the launch backoff (${q.delaySeconds} s) after a failed start` };
  return { text: 'waiting for an offer' };
}

/**
 * Refuses before anything is sent when no connected agent is big enough in total (with upgradeStrategy {0, 0} the
 * running Jenkins would be stopped first, and its replacement could never start). Unknown (no Mesos): not checked.
 */
async function fitsSomewhere(deps: DeployDeps, app: AppDefinition, ctx: TaskContext): Promise<void> {
  if (!deps.mesos) return;
  // Without an answer from Mesos the check is skipped: Marathon's offers will say the same, later.
  const { agents } = await deps.mesos.agents({ signal: ctx.signal }).catch(() => ({ agents: [] }));
  const live = agents.filter((a) => a.connected && !a.deactivated);
  if (live.length === 0) return;
  const cpus = Number(app.cpus ?? 1);
  const mem = Number(app.mem ?? 128);
  if (live.some((a) => a.cpus + 1e-9 >= cpus && a.memMb + 1e-9 >= mem)) return;
  const big = live.reduce((b, a) => (a.memMb > b.memMb ? a : b));
  throw new PermanentError('bad_arguments',
    `No agent can hold ${app.id} (${cpus} cpu / ${mem} MB): the largest is ${big.hostname} with ${big.cpus} cpu / ${big.memMb} MB. ` +
    'Lower deploy.jenkins.cpus / memMb or add a bigger agent. Nothing was deployed.');
}

/** True when every agent's total (not free) cpus or memory is below what the app asks: no wait can help. */
async function neverFits(deps: DeployDeps, app: AppDefinition, hosts: string[], ctx: TaskContext): Promise<boolean> {
  if (!deps.mesos) return false;
  const { agents } = await deps.mesos.agents({ signal: ctx.signal }).catch(() => ({ agents: [] }));
  const cpus = Number(app.cpus ?? 1);
  const mem = Number(app.mem ?? 128);
  const known = agents.filter((a) => hosts.includes(a.hostname));
  return known.length === hosts.length && known.length > 0 && known.every((a) => a.cpus + 1e-9 < cpus || a.memMb + 1e-9 < mem);
}
