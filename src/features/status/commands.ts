/**
 * The implementations of `/ci status`, `/ci agents`, `/ci jenkins` (deferred: they run after the ack) and
 * `/ci digest add|list|remove` (direct: Redis only), each spec with its implementation. Dependencies come in
 * through ports.
 */
import { UserFacingError } from '../../core/errors.ts';
import * as z from 'zod';
import { channelArg, cronArg, jobIdArg, timeZoneArg } from '../../chat/validators.ts';
import { answer } from '../define-feature.ts';
import { renderAgents } from '../../chat/render/agents.ts';
import { renderDigestAdded, renderDigestList } from '../../chat/render/digest.ts';
import { renderJenkins } from '../../chat/render/jenkins.ts';
import { renderStatus } from '../../chat/render/status.ts';
import type { AgentSize } from '../../cluster/capacity.ts';
import { utilSample } from '../../cluster/digest-model.ts';
import type { DigestSchedules, DigestStore } from '../../core/digest-store.ts';
import { checkSchedule, scheduleId } from './schedule-spec.ts';
import type { ClusterSnapshot } from '../../cluster/snapshot-types.ts';

export interface StatusContext {
  snapshot: (signal?: AbortSignal) => Promise<ClusterSnapshot>;
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

const none = z.strictObject({});

/** A snapshot for a status answer; records a utilisation sample on the way (never failing the answer). */
function read(ctx: StatusContext): () => Promise<ClusterSnapshot> {
  return async () => {
    const snap = await ctx.snapshot();
    const sample = utilSample(snap);
    // A lost sample only thins the digest's "peak utilisation"; it is reported, not shown to the user.
    if (sample) await ctx.store.addSample(sample).catch((err: unknown) => ctx.onSampleError?.(err));
    return snap;
  };
}

export const statusCommand = answer(
  { name: 'status', summary: 'Cluster at a glance: agents, resources, balance, Jenkins, ZooKeeper', usage: '', role: 'viewer',
    run: 'deferred', visibility: 'in_channel', schema: none },
  (ctx: StatusContext) => async () => renderStatus(await read(ctx)(), { agentSize: ctx.agentSize }),
);

export const agentsCommand = answer(
  { name: 'agents', summary: 'Mesos agents with their resources and tasks', usage: '', role: 'viewer', run: 'deferred', schema: none },
  (ctx: StatusContext) => async () => renderAgents(await read(ctx)(), ctx.agentRows === undefined ? {} : { maxRows: ctx.agentRows }),
);

export const jenkinsCommand = answer(
  { name: 'jenkins', summary: 'Jenkins: where it runs, health, executors, queue, dynamic agents', usage: '', role: 'viewer',
    run: 'deferred', schema: none },
  (ctx: StatusContext) => async () => renderJenkins(await read(ctx)()),
);

export const digestAddCommand = answer(
  { name: 'digest add', summary: 'Schedule a cluster digest', usage: '<cron> [#channel] [--tz Area/City]', role: 'operator',
    run: 'direct', example: '/ci digest add "0 9 * * 1-5" #ci --tz Europe/Berlin',
    positionals: [{ name: 'cron' }, { name: 'channel', optional: true }], flags: { tz: 'value' },
    schema: z.strictObject({ cron: cronArg, channel: channelArg.optional(), tz: timeZoneArg.optional() }) },
  (ctx: StatusContext) => async (args, { requester }) => {
    const tz = args.tz ?? ctx.defaultTz;
    const checked = checkSchedule(args.cron, tz, (ctx.now ?? Date.now)());
    const channel = args.channel ?? ctx.defaultChannel ?? requester.channelId;
    const id = scheduleId(channel, checked.cron, tz);
    const existed = (await ctx.schedules.list()).some((s) => s.id === id);
    await ctx.schedules.add({ id, cron: checked.cron, tz, channel, userId: requester.userId });
    return renderDigestAdded({ id, cron: checked.cron, tz, channel, next: checked.nextMs }, !existed);
  },
);

export const digestListCommand = answer(
  { name: 'digest list', summary: 'Scheduled digests', usage: '', role: 'viewer', run: 'direct', schema: none },
  (ctx: StatusContext) => async () => renderDigestList(await ctx.schedules.list()),
);

export const digestRemoveCommand = answer(
  { name: 'digest remove', summary: 'Remove a scheduled digest', usage: '<id>', role: 'operator', run: 'direct',
    positionals: [{ name: 'id' }], schema: z.strictObject({ id: jobIdArg }) },
  (ctx: StatusContext) => async (args) => {
    const id = args.id;
    if (!(await ctx.schedules.remove(id))) {
      const known = (await ctx.schedules.list()).map((s) => `\`${s.id}\``).join(', ') || 'none';
      throw new UserFacingError('not_found', `No digest schedule \`${id}\`; scheduled: ${known}.`);
    }
    await ctx.store.forget(id);
    return { text: `Removed digest schedule ${id}.`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:wastebasket: Removed digest schedule \`${id}\`.` } }] };
  },
);
