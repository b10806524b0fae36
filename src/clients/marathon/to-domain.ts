/** Marathon answers (already zod-checked) → the cluster domain's types. Pure. */
import type * as z from 'zod';
import type { AppWriteResult, MarathonDeploymentView, MarathonWaiting } from '../../cluster/cluster-reader.ts';
import type { QueueOffersResponseSchema, WriteErrorSchema } from './deploy-schemas.ts';
import type { Deployment, MarathonInfo } from './schemas.ts';

/**
 * `/v2/info`: the version, the framework name Marathon registers with Mesos (`marathon` when unset) and its Mesos
 * framework id (names the tasks' sandboxes; absent before Marathon registered).
 */
export function toMarathonInfo(info: MarathonInfo): { version: string; frameworkName: string; frameworkId?: string } {
  return { version: info.version, frameworkName: info.marathon_config.framework_name ?? 'marathon', ...(info.frameworkId ? { frameworkId: info.frameworkId } : {}) };
}

/** An app write's answer → {@link AppWriteResult}: 2xx accepted, 409 locked (with the deployments) or exists, 400/422 field errors. */
export function toAppWriteResult(
  res: { status: number; deploymentId?: string; version?: string; error?: z.output<typeof WriteErrorSchema> },
  create: boolean,
): AppWriteResult {
  const e = res.error;
  if (!e) return { ok: true, created: create || res.status === 201, deploymentId: res.deploymentId, version: res.version };
  if (res.status === 409) {
    const deploymentIds = (e.deployments ?? []).map((d) => d.id);
    return { ok: false, kind: deploymentIds.length > 0 || /locked/i.test(e.message) ? 'locked' : 'exists', message: e.message, deploymentIds };
  }
  const fields = Array.isArray(e.details) ? e.details.map((d) => ({ path: d.path, errors: d.errors })) : e.details ? [{ path: '/', errors: [e.details] }] : [];
  return { ok: false, kind: 'invalid', status: res.status, message: e.message, fields };
}

/** `GET /v2/deployments` → the fields `/ci deploy` shows. */
export function toDeploymentViews(list: readonly Deployment[]): MarathonDeploymentView[] {
  return list.map((d) => ({
    id: d.id, affectedApps: d.affectedApps, currentStep: d.currentStep, totalSteps: d.totalSteps,
    actions: d.currentActions.map((a) => `${String(a.action)} ${String(a.app ?? '')}`.trim()),
  }));
}

/** The launch queue with offer statistics → {@link MarathonWaiting} per app. */
export function toWaiting(queue: z.output<typeof QueueOffersResponseSchema>['queue']): MarathonWaiting[] {
  return queue.flatMap((q) => (q.app ? [{
    appId: q.app.id, count: q.count, delaySeconds: q.delay?.timeLeftSeconds ?? 0,
    offers: (q.lastUnusedOffers ?? []).map((o) => ({ host: o.offer.hostname, reasons: o.reason })),
  }] : []));
}

/** `/v2/deployments` → id and affected apps of each running deployment. */
export function toDeployments(list: readonly Deployment[]): Array<{ id: string; affectedApps: string[] }> {
  return list.map((d) => ({ id: d.id, affectedApps: [...d.affectedApps] }));
}
