/**
 * The last step of `/ci deploy jenkins` (seed step 4): the Mesos cloud of config `jenkins.cloud` applied to the
 * now-healthy Jenkins, by the code `/ci jenkins cloud --apply` runs (check, apply, read back; other clouds kept).
 * Jenkins is running by then, so a refusal (a fresh JENKINS_HOME whose setup wizard is not done yet has no API token
 * for the bot; not an administrator; no plugin) does not fail the deploy: the step says why and what to run later.
 */
import { withChildSignal } from '../../core/abort.ts';
import type { TaskContext } from '../../core/ports.ts';
import type { CloudApplied } from './cloud.ts';
import { firstLine } from './deploy-images.ts';

export const CLOUD_STEP = 'Mesos cloud in Jenkins';

/** What the deploy needs of the cloud: present when Jenkins is configured (cluster.jenkins.url). */
export interface DeployCloud {
  /** The cloud's agent image when its containers are Docker ones: pulled with the Jenkins image. */
  agentImage?: string;
  /** Whole-step budget, ms. */
  budgetMs: number;
  apply: (signal: AbortSignal) => Promise<CloudApplied>;
}

const LATER = 'run `/ci jenkins cloud --apply` later';

/** Runs the step; returns the clause the deploy's summary ends with. Never throws, except when the task is aborted. */
export async function applyCloudStep(cloud: DeployCloud, skip: boolean, ctx: TaskContext): Promise<string> {
  const { progress, signal } = ctx;
  if (skip) {
    await progress.step(CLOUD_STEP, 'skipped', `--no-cloud: ${LATER} to apply it`);
    return '';
  }
  await progress.step(CLOUD_STEP, 'running', 'check, apply, read back (configuration-as-code)');
  try {
    const applied = await withChildSignal(signal, cloud.budgetMs, (child) => cloud.apply(child));
    progress.output(applied.lines);
    const detail = applied.changes === 0 ? 'Jenkins has it already' : `applied and read back: ${applied.changes} change${applied.changes === 1 ? '' : 's'}`;
    await progress.step(CLOUD_STEP, 'done', detail);
    return `; Mesos cloud: ${detail}`;
  } catch (err) {
    if (signal.aborted) throw err;
    const why = firstLine(err);
    progress.output([`Jenkins did not take the Mesos cloud: ${err instanceof Error ? err.message : String(err)}`]);
    await progress.step(CLOUD_STEP, 'failed', `${why} Jenkins is deployed; ${LATER}`);
    return `; the Mesos cloud was not applied (${why}): ${LATER}`;
  }
}
