/** Marathon answers (already zod-checked) → the cluster domain's types. Pure. */
import type { Deployment, MarathonInfo } from './schemas.ts';

/**
 * `/v2/info`: the version, the framework name Marathon registers with Mesos (`marathon` when unset) and its Mesos
 * framework id (names the tasks' sandboxes; absent before Marathon registered).
 */
export function toMarathonInfo(info: MarathonInfo): { version: string; frameworkName: string; frameworkId?: string } {
  return { version: info.version, frameworkName: info.marathon_config.framework_name ?? 'marathon', ...(info.frameworkId ? { frameworkId: info.frameworkId } : {}) };
}

/** `/v2/deployments` → id and affected apps of each running deployment. */
export function toDeployments(list: readonly Deployment[]): Array<{ id: string; affectedApps: string[] }> {
  return list.map((d) => ({ id: d.id, affectedApps: [...d.affectedApps] }));
}
