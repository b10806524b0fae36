/**
 * `/ci drill failover`: the seed's step 5 on purpose. Records Jenkins' state (host, job count, fingerprint), kills
 * its task through Marathon (`DELETE /v2/apps/<id>/tasks/<task>`, no `scale`, so Marathon launches a replacement —
 * JENKINS-ON-MARATHON.md §1), follows the recovery and reports the downtime, the new host and whether JENKINS_HOME
 * came along. The down/back reasoning and the before/after comparison are the failover feature's own
 * (JenkinsIncidentTracker, readFingerprint, compareFingerprints), fed from polls of the app instead of events.
 * Refuses, before anything is killed, while a Marathon deployment affects the app or when there is no running,
 * answering Jenkins; a second drill or a deploy waits behind the running one (the kind's exclusive key).
 */
import type { ClusterClients, MarathonApp, MarathonControl } from '../../cluster/cluster-reader.ts';
import { storageModeOf } from '../../cluster/storage-mode.ts';
import { formatDuration, roughDuration } from '../../core/duration.ts';
import { PermanentError, UpstreamError } from '../../core/errors.ts';
import type { TaskHandler } from '../../core/ports.ts';
import { interruptibleSleep } from '../../core/sleep.ts';
import { compareFingerprints, type JenkinsFingerprint } from '../../cluster/failover/data-check.ts';
import { readFingerprint } from '../../cluster/failover/fingerprint.ts';
import { normaliseAppId, resyncSignals } from '../../cluster/failover/from-marathon.ts';
import { JenkinsIncidentTracker, type HealthMode, type Incident } from '../../cluster/failover/jenkins-incidents.ts';

/** Job data of `/ci drill failover`. */
export interface DrillTask {
  requester: { userId: string; channelId: string };
  requestId: string;
}

export interface DrillDeps {
  appId: string;
  marathon: NonNullable<ClusterClients['marathon']>;
  control: MarathonControl;
  jenkins: NonNullable<ClusterClients['jenkins']>;
  pollMs: number;
  recoveryTimeoutMs: number;
}

export const DRILL_STEPS = ['check', 'record Jenkins', 'kill task', 'recovery', 'JENKINS_HOME'] as const;

const healthOf = (app: MarathonApp): HealthMode => {
  const checks = app.healthChecks ?? [];
  return checks.length === 0 ? 'none' : checks.some((c) => c.protocol?.startsWith('MESOS_')) ? 'mesos' : 'marathon';
};

const taskViews = (app: MarathonApp) => (app.tasks ?? []).map((t) => ({ ...t, slaveId: t.slaveId ?? undefined, host: t.host }));

/** Marathon, or the drill's own words for why it did nothing. */
async function marathonCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof UpstreamError) || err.failure === 'aborted') throw err;
    if (err.status === 404) throw new PermanentError('not_found', `${what}: Marathon has no such app — no Jenkins to kill, nothing was done. Deploy it with \`/ci deploy jenkins\`.`, { cause: err });
    throw new PermanentError('upstream', `${what}: ${err.message}. Nothing was killed.`, { cause: err });
  }
}

export function createDrillHandler(deps: DrillDeps): TaskHandler<DrillTask> {
  const appId = normaliseAppId(deps.appId);
  return async (_task, { signal, progress }) => {
    const o = { signal };
    await progress.plan(DRILL_STEPS);

    await progress.step('check', 'running');
    const deployments = await marathonCall('Reading Marathon deployments', () => deps.control.deployments(o));
    const blocking = deployments.filter((d) => d.affectedApps.map(normaliseAppId).includes(appId));
    if (blocking.length > 0) {
      throw new PermanentError('conflict', `A Marathon deployment is running for \`${appId}\` (${blocking.map((d) => `\`${d.id}\``).join(', ')}): `
        + 'the drill never runs during a deployment. Nothing was killed; try again once it is done.');
    }
    const app = await marathonCall(`Reading \`${appId}\``, () => deps.marathon.app(appId, o));
    const health = healthOf(app);
    const up = (app.tasks ?? []).filter((t) => t.state === 'TASK_RUNNING' && (health === 'none' || (t.healthCheckResults ?? []).some((r) => r.alive)));
    const victim = up[0];
    if (!victim) {
      const states = (app.tasks ?? []).map((t) => `${t.id} ${t.state ?? '?'}`).join(', ') || 'no tasks';
      throw new PermanentError('not_found', `No Jenkins running: \`${appId}\` has no running${health === 'none' ? '' : ', healthy'} task (${states}). `
        + 'Nothing was killed; a drill needs a running Jenkins to fail over.');
    }
    await progress.step('check', 'done', `${victim.id} on ${victim.host}`);

    await progress.step('record Jenkins', 'running');
    let before: JenkinsFingerprint;
    try {
      before = await readFingerprint(deps.jenkins, signal);
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.failure === 'aborted') throw err;
      throw new PermanentError('upstream', `Jenkins at ${deps.jenkins.url} does not answer (${err.message}), so there is nothing to compare `
        + 'after the move. Nothing was killed.', { cause: err });
    }
    await progress.step('record Jenkins', 'done', `on ${victim.host}, ${before.jobCount} jobs${before.identity ? ', instance identity read' : ''}`);

    const tracker = new JenkinsIncidentTracker({ health });
    tracker.reconcile(resyncSignals(taskViews(app), Date.now()), Date.now());
    await progress.step('kill task', 'running');
    const killedAt = Date.now();
    await marathonCall(`Killing ${victim.id}`, () => deps.control.killTask(appId, victim.id, o));
    await progress.step('kill task', 'done', `${victim.id} killed (no scale: Marathon relaunches it)`);
    progress.output([`killed ${victim.id} on ${victim.host} through Marathon`]);

    await progress.step('recovery', 'running', 'waiting for Marathon to relaunch Jenkins');
    const failure = { taskId: victim.id, state: 'TASK_KILLED', message: 'killed by /ci drill failover', atMs: killedAt };
    let incident: Incident | undefined;
    let current = app;
    while (!incident || incident.state !== 'resolved') {
      if (Date.now() - killedAt > deps.recoveryTimeoutMs) {
        const states = (current.tasks ?? []).map((t) => `${t.id} ${t.state ?? '?'}${t.host ? ` on ${t.host}` : ''}`).join(', ') || 'no tasks';
        await progress.step('recovery', 'failed');
        throw new PermanentError('timeout', `Jenkins did not come back within ${roughDuration(deps.recoveryTimeoutMs)} of the kill: ${states}. See \`/ci status\` and \`/ci alerts\`.`);
      }
      await interruptibleSleep(deps.pollMs, signal);
      signal.throwIfAborted();
      try {
        current = await deps.marathon.app(appId, o);
      } catch (err) {
        if (!(err instanceof UpstreamError) || err.failure === 'aborted') throw err;
        progress.output([`Marathon did not answer (${err.message}); still waiting`]);
        continue;
      }
      // A resync dates a task by its start; the killed one, if still listed, ended no earlier than the kill.
      const signals = resyncSignals(taskViews(current), Date.now()).map((sg) => (sg.taskId === victim.id ? { ...sg, atMs: Math.max(sg.atMs, killedAt) } : sg));
      for (const t of tracker.reconcile(signals, Date.now(), failure)) {
        incident = t.incident;
        progress.output([`${t.type === 'resolved' ? 'back' : 'down'}: ${t.incident.timeline.at(-1)?.text ?? ''}`]);
      }
    }
    const newHost = incident.backHost ?? '?';
    const moved = newHost !== victim.host;
    await progress.step('recovery', 'done', `running${health === 'none' ? '' : ' and healthy'} on ${newHost} after ${formatDuration(incident.downtimeMs)}`);

    // Marathon says running (and healthy); the users' downtime ends when Jenkins answers.
    await progress.step('JENKINS_HOME', 'running', 'waiting for Jenkins to answer');
    let after: JenkinsFingerprint | undefined;
    while (!after) {
      try {
        after = await readFingerprint(deps.jenkins, signal);
      } catch (err) {
        if (!(err instanceof UpstreamError) || err.failure === 'aborted') throw err;
        if (Date.now() - killedAt > deps.recoveryTimeoutMs) break;
        await interruptibleSleep(deps.pollMs, signal);
      }
    }
    const answeredMs = Date.now() - killedAt;
    const verdict = compareFingerprints(before, after, storageModeOf({ ...current, container: current.container ?? undefined }), victim.host, moved);
    await progress.step('JENKINS_HOME', verdict.cameAlong === false ? 'failed' : 'done', verdict.text);
    const where = moved ? `on ${newHost} (moved from ${victim.host})` : `on ${newHost} (same host)`;
    const answered = after ? `, answering after ${formatDuration(answeredMs)}` : ', but it did not answer HTTP in time';
    return { summary: `Failover drill: Jenkins back ${where} after ${formatDuration(incident.downtimeMs)} down${answered} · ${verdict.text}` };
  };
}
