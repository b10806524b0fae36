/** Marathon answers (already zod-checked) → the cluster domain's types. Pure. */
import type { MarathonInfo } from './schemas.ts';

/** `/v2/info`: the version and the framework name Marathon registers with Mesos (`marathon` when unset). */
export function toMarathonInfo(info: MarathonInfo): { version: string; frameworkName: string } {
  return { version: info.version, frameworkName: info.marathon_config.framework_name ?? 'marathon' };
}
