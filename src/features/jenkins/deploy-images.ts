/**
 * The images steps of `/ci deploy jenkins`: Marathon does not pull in this setup, so the Jenkins image must be on
 * the agents Marathon may place it on (seed step 3), and the Mesos cloud's agent image on every agent (its dynamic
 * agents are Docker containers too). Presence is checked over SSH (recipe `image-present`, read-only); what is
 * missing is pulled with the recipe `/ci prepull` runs (`prepull`: `docker pull`, the image passed as a typed
 * parameter, never interpolated into a command). `--no-pull` only checks: a missing Jenkins image fails the deploy
 * with the `/ci prepull` to run. A dry run checks and says what it would pull.
 */
import { PermanentError } from '../../core/errors.ts';
import type { RecipePort, TaskContext } from '../../core/ports.ts';

export const IMAGE_STEP = 'check image on agents';
export const PULL_STEP = 'pull missing images';

/** An image and the agents it must be on. */
export interface ImageNeed {
  image: string;
  hosts: readonly string[];
}

export interface ImageOptions {
  /** Pull what is missing (false: `--no-pull`, today's check only). */
  pull: boolean;
  dryRun: boolean;
}

const JOB_NOTICE = /^\[\d+\][+-]?\s+(Terminated|Killed|Done|Exit \d+)\b/;

type Presence = { host: string; image: string; state: 'present' | 'missing' | 'error'; detail?: string };
type Pulled = { host: string; image: string; ok: boolean; detail: string };

/**
 * Checks `jenkins.image` on `jenkins.hosts` (and `agentImage` on its hosts), then pulls what is missing.
 * @throws PermanentError when the Jenkins image is on none of its hosts afterwards, could not be checked somewhere,
 *   or (with `pull: false`) is missing somewhere; an agent image that cannot be checked or pulled is a warning only
 */
export async function ensureImages(
  recipes: RecipePort, jenkins: ImageNeed, agentImage: ImageNeed | undefined, opts: ImageOptions, ctx: TaskContext,
): Promise<void> {
  const { progress } = ctx;
  if (jenkins.hosts.length === 0) {
    await progress.step(IMAGE_STEP, 'skipped', 'no agents in the inventory: not checked');
    if (opts.pull) await progress.step(PULL_STEP, 'skipped', 'no agents in the inventory');
    return;
  }
  const needs = agentImage && agentImage.hosts.length > 0 ? [jenkins, agentImage] : [jenkins];
  await progress.step(IMAGE_STEP, 'running', `${needs.map((n) => n.image).join(' and ')} on ${[...new Set(needs.flatMap((n) => n.hosts))].join(', ')}`);
  const found = await checkAll(recipes, needs, ctx);
  progress.output(found.map((r) => `${r.host}: ${r.image} ${r.state}${r.state === 'error' ? ` (${r.detail ?? '?'})` : ''}`));
  const mine = found.filter((r) => r.image === jenkins.image && jenkins.hosts.includes(r.host));
  const errors = mine.filter((r) => r.state === 'error');
  if (errors.length > 0) {
    throw await stepFailed(ctx, IMAGE_STEP, new PermanentError('ssh',
      `Could not check for \`${jenkins.image}\` on ${errors.map((e) => `${e.host} (${e.detail ?? '?'})`).join(', ')}. ` +
      'Marathon may place Jenkins there, so nothing was deployed; fix the host or pin Jenkins elsewhere (deploy.jenkins.pinHost).'));
  }
  const missing = found.filter((r) => r.state === 'missing');
  const missingJenkins = mine.filter((r) => r.state === 'missing').map((r) => r.host);
  if (!opts.pull && missingJenkins.length > 0) {
    const hostsArg = missingJenkins.length === jenkins.hosts.length ? '' : ` --hosts ${missingJenkins.join(',')}`;
    throw await stepFailed(ctx, IMAGE_STEP, new PermanentError('not_found',
      `\`${jenkins.image}\` is not on ${missingJenkins.join(', ')} (Marathon does not pull images in this setup; --no-pull was given). ` +
      `Pull it first with \`/ci prepull ${jenkins.image}${hostsArg}\`, or run \`/ci deploy jenkins\` without --no-pull. Nothing was deployed.`));
  }
  warnAgentImage(ctx, found.filter((r) => r.image !== jenkins.image && r.state === 'error'), 'not checked');
  if (!opts.pull) warnAgentImage(ctx, missing.filter((r) => r.image !== jenkins.image), 'missing');
  await progress.step(IMAGE_STEP, 'done', describe(jenkins, mine));
  if (!opts.pull) return;
  if (missing.length === 0) {
    await progress.step(PULL_STEP, 'skipped', 'nothing missing');
    return;
  }
  const plan = byImage(missing);
  if (opts.dryRun) {
    progress.output(plan.map((p) => `dry run: would pull ${p.image} on ${p.hosts.join(', ')}`));
    await progress.step(PULL_STEP, 'skipped', `dry run: would pull ${plan.map((p) => `${p.image} on ${p.hosts.join(', ')}`).join('; ')}`);
    return;
  }
  await pullMissing(recipes, jenkins, missing, ctx);
}

/** Pulls every missing (host, image); fails the deploy only when no allowed agent has the Jenkins image afterwards. */
async function pullMissing(recipes: RecipePort, jenkins: ImageNeed, missing: readonly Presence[], ctx: TaskContext): Promise<void> {
  const { progress } = ctx;
  const plan = byImage(missing);
  await progress.step(PULL_STEP, 'running', plan.map((p) => `${p.image} on ${p.hosts.join(', ')}`).join('; '));
  let finished = 0;
  const pulled = await Promise.all(missing.map(async (m) => {
    const r = await pullOne(recipes, m.host, m.image, ctx);
    finished += 1;
    progress.output([`${r.host}: ${r.ok ? 'pulled' : 'pull failed:'} ${r.image}${r.ok ? '' : ` (${r.detail})`}`]);
    await progress.step(PULL_STEP, 'running', `${finished}/${missing.length} done; last: ${r.image} on ${r.host} ${r.ok ? 'pulled' : 'failed'}`);
    return r;
  }));
  const failedJenkins = pulled.filter((p) => p.image === jenkins.image && !p.ok);
  const have = jenkins.hosts.filter((h) => !failedJenkins.some((f) => f.host === h));
  const why = (list: readonly Pulled[]) => list.map((f) => `${f.host} (${f.detail})`).join(', ');
  if (have.length === 0) {
    throw await stepFailed(ctx, PULL_STEP, new PermanentError('ssh',
      `Could not pull \`${jenkins.image}\` on any agent Jenkins may run on: ${why(failedJenkins)}. ` +
      `Nothing was deployed; fix the agents, then run \`/ci deploy jenkins\` again (or \`/ci prepull ${jenkins.image}\`).`));
  }
  if (failedJenkins.length > 0) {
    progress.output([
      `⚠ ${jenkins.image} could not be pulled on ${why(failedJenkins)}; deploying anyway: ${have.join(', ')} ${have.length === 1 ? 'has' : 'have'} it. ` +
      `A start Marathon places on ${failedJenkins.map((f) => f.host).join(', ')} fails; fix it, then \`/ci prepull ${jenkins.image} --hosts ${failedJenkins.map((f) => f.host).join(',')}\`.`,
    ]);
  }
  warnAgentImage(ctx, pulled.filter((p) => p.image !== jenkins.image && !p.ok).map((p) => ({ ...p, state: 'error' as const })), 'not pulled');
  // Jenkins' image first, its failure's reason last: a long detail is cut at the end.
  const ok = (image: string) => pulled.filter((p) => p.image === image && p.ok).map((p) => p.host);
  const agentFailed = pulled.filter((p) => p.image !== jenkins.image && !p.ok);
  const summary = [
    ...(ok(jenkins.image).length > 0 ? [`pulled ${jenkins.image} on ${ok(jenkins.image).join(', ')}`] : []),
    ...(failedJenkins.length > 0 ? [`it failed on ${failedJenkins.map((f) => f.host).join(', ')}: deploying with it on ${have.join(', ')}`] : []),
    ...byImage(pulled.filter((p) => p.image !== jenkins.image && p.ok)).map((p) => `pulled ${p.image} on ${p.hosts.join(', ')}`),
    ...(agentFailed.length > 0 ? [`${agentFailed[0]!.image} failed on ${agentFailed.map((f) => f.host).join(', ')}`] : []),
    ...(failedJenkins.length > 0 ? [`why: ${why(failedJenkins)}`] : []),
  ];
  await progress.step(PULL_STEP, 'done', summary.join('; '));
}

async function pullOne(recipes: RecipePort, host: string, image: string, ctx: TaskContext): Promise<Pulled> {
  try {
    const out = await recipes.run('prepull', host, { IMAGE: image }, { signal: ctx.signal });
    if (out.ok) return { host, image, ok: true, detail: 'pulled' };
    // docker's own words ("Error response from daemon: …") say more than the step's exit status; bash's job notices
    // ("[2]+ Terminated …" of the session's watchdog) can come after them and say nothing about the pull.
    const lines = out.outputTail.filter((l) => !JOB_NOTICE.test(l));
    const said = lines.findLast((l) => /^Error\b/.test(l)) ?? lines.at(-1) ?? out.steps.find((s) => s.name === out.failedStep)?.detail ?? `exit ${String(out.exitCode)}`;
    return { host, image, ok: false, detail: `step "${out.failedStep ?? '?'}": ${said}` };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { host, image, ok: false, detail: firstLine(err) };
  }
}

async function checkAll(recipes: RecipePort, needs: readonly ImageNeed[], ctx: TaskContext): Promise<Presence[]> {
  const pairs = needs.flatMap((n) => n.hosts.map((host) => ({ host, image: n.image })));
  return Promise.all(pairs.map(async ({ host, image }): Promise<Presence> => {
    try {
      const out = await recipes.run('image-present', host, { IMAGE: image }, { signal: ctx.signal });
      const detail = out.steps.find((s) => s.name === 'check image')?.detail ?? '';
      if (out.ok) return { host, image, state: 'present' };
      return { host, image, state: detail.startsWith('missing') ? 'missing' : 'error', detail: detail || `exit ${String(out.exitCode)}` };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      return { host, image, state: 'error', detail: firstLine(err) };
    }
  }));
}

/** The Mesos cloud's agent image is not needed for Jenkins to start: what is wrong with it is said, not fatal. */
function warnAgentImage(ctx: TaskContext, bad: readonly { host: string; image: string; detail?: string }[], what: string): void {
  if (bad.length === 0) return;
  const image = bad[0]!.image;
  const hosts = bad.map((b) => b.host);
  ctx.progress.output([`⚠ the Mesos cloud's agent image ${image} is ${what} on ${bad.map((b) => `${b.host}${b.detail && b.detail !== 'missing' ? ` (${b.detail})` : ''}`).join(', ')}: ` +
    `dynamic agents placed there fail to start until \`/ci prepull ${image} --hosts ${hosts.join(',')}\`.`]);
}

function describe(jenkins: ImageNeed, mine: readonly Presence[]): string {
  const present = mine.filter((r) => r.state === 'present').map((r) => r.host);
  const missing = mine.filter((r) => r.state === 'missing').map((r) => r.host);
  if (missing.length === 0) return `present on ${present.join(', ')}`;
  return `${jenkins.image}: ${present.length > 0 ? `present on ${present.join(', ')}, ` : ''}missing on ${missing.join(', ')}`;
}

function byImage(list: readonly { host: string; image: string }[]): Array<{ image: string; hosts: string[] }> {
  const out = new Map<string, string[]>();
  for (const r of list) out.set(r.image, [...(out.get(r.image) ?? []), r.host]);
  return [...out].map(([image, hosts]) => ({ image, hosts }));
}

/** Marks `step` failed with the error's first line and returns the error, for the caller to throw. */
async function stepFailed(ctx: TaskContext, step: string, err: PermanentError): Promise<PermanentError> {
  await ctx.progress.step(step, 'failed', firstLine(err));
  return err;
}

export function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0] ?? m;
}
