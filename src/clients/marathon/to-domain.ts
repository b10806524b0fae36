/** Marathon answers (already zod-checked) → the cluster domain's types. Pure. */
import type { Deployment, MarathonInfo } from './schemas.ts';

/** `/v2/info`: the version and the framework name Marathon registers with Mesos (`marathon` when unset). */
export function toMarathonInfo(info: MarathonInfo): { version: string; frameworkName: string } {
  return { version: info.version, frameworkName: info.marathon_config.framework_name ?? 'marathon' };
}

/** `/v2/deployments` → id and affected apps of each running deployment. */
export function toDeployments(list: readonly Deployment[]): Array<{ id: string; affectedApps: string[] }> {
  return list.map((d) => ({ id: d.id, affectedApps: [...d.affectedApps] }));
}
