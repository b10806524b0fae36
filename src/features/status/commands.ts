/**
 * The implementations of `/ci status`, `/ci agents`, `/ci jenkins` (deferred: they run after the ack) and
 * `/ci digest add|list|remove` (direct: Redis only). Dependencies come in through ports.
 */
import { UserFacingError } from '../../core/errors.ts';
import type { RenderedMessage, Requester, Role } from '../../core/types.ts';
import { renderAgents } from '../../chat/render/agents.ts';
import { renderDigestAdded, renderDigestList } from '../../chat/render/digest.ts';
import { renderJenkins } from '../../chat/render/jenkins.ts';
import { renderStatus } from '../../chat/render/status.ts';
import type { AgentSize } from '../../cluster/capacity.ts';
import { utilSample } from '../../cluster/digest-model.ts';
import type { DigestSchedules, DigestStore } from '../../core/digest-store.ts';
import { checkSchedule, scheduleId } from './schedule-spec.ts';
import type { ClusterSnapshot } from '../../cluster/snapshot-types.ts';

/** Same shape as src/roles/services.ts `CommandImpl`. */
export type StatusCommand = (args: Record<string, unknown>, ctx: { requester: Requester; role: Role }) => Promise<RenderedMessage>;

export interface StatusCommandDeps {
  snapshot: () => Promise<ClusterSnapshot>;
  store: DigestStore;
  schedules: DigestSchedules;
  agentSize: AgentSize;
  /** Zone of schedules added without `--tz` (config `digests.defaultTz`). */
  defaultTz: string;
  /** Channel of digests added without one (config `slack.channels.digests`); else the channel asked from. */
  defaultChannel?: string;
  /** Rows of `/ci agents` (default 100). */
  agentRows?: number;
  now?: () => number;
  /** Where failures to record a utilisation sample go (a status answer never fails because of them). */
  onSampleError?: (err: unknown) => void;
}

export function createStatusCommands(deps: StatusCommandDeps): Record<string, StatusCommand> {
  const now = deps.now ?? Date.now;
  const read = async (): Promise<ClusterSnapshot> => {
    const snap = await deps.snapshot();
    const sample = utilSample(snap);
    if (sample) await deps.store.addSample(sample).catch((err: unknown) => deps.onSampleError?.(err));
    return snap;
  };
  return {
    status: async () => renderStatus(await read(), { agentSize: deps.agentSize }),
    agents: async () => renderAgents(await read(), deps.agentRows === undefined ? {} : { maxRows: deps.agentRows }),
    jenkins: async () => renderJenkins(await read()),
    'digest add': async (args, { requester }) => {
      const tz = typeof args.tz === 'string' ? args.tz : deps.defaultTz;
      const checked = checkSchedule(String(args.cron), tz, now());
      const channel = typeof args.channel === 'string' ? args.channel : (deps.defaultChannel ?? requester.channelId);
      const id = scheduleId(channel, checked.cron, tz);
      const existed = (await deps.schedules.list()).some((s) => s.id === id);
      await deps.schedules.add({ id, cron: checked.cron, tz, channel, userId: requester.userId });
      return renderDigestAdded({ id, cron: checked.cron, tz, channel, next: checked.nextMs }, !existed);
    },
    'digest list': async () => renderDigestList(await deps.schedules.list()),
    'digest remove': async (args) => {
      const id = String(args.id);
      if (!(await deps.schedules.remove(id))) {
        const known = (await deps.schedules.list()).map((s) => `\`${s.id}\``).join(', ') || 'none';
        throw new UserFacingError('not_found', `No digest schedule \`${id}\`; scheduled: ${known}.`);
      }
      await deps.store.forget(id);
      return { text: `Removed digest schedule ${id}.`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:wastebasket: Removed digest schedule \`${id}\`.` } }] };
    },
  };
}
