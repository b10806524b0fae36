/**
 * The status and digests feature: `/ci status|agents|jenkins` (deferred cluster reads), `/ci digest add|list|
 * remove` (Redis only), `/ci digest now` and scheduled digests (task kind `digest` on queue `report`). Reads the
 * cluster through the process's one set of clients.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { channelArg } from '../../chat/validators.ts';
import { defineTaskKind, requesterSchema } from '../../core/task-kind.ts';
import { takeSnapshot } from '../../cluster/snapshot.ts';
import { defineFeature, handle, queued, taskOf, type FeatureDeps } from '../define-feature.ts';
import {
  agentsCommand, digestAddCommand, digestListCommand, digestRemoveCommand, jenkinsCommand, statusCommand, type StatusContext,
} from './commands.ts';
import { createDigestHandler, type DigestTask } from './digest-handler.ts';

/** `digest` jobs: scheduled (schedulerId + slotMs) or `/ci digest now` (requestId). Retried once if transient. */
export const digestKind = defineTaskKind<DigestTask>({
  name: 'digest',
  queue: 'report',
  // The digest is the message: no separate progress message for it.
  progressMessage: false,
  schema: z.object({
    requester: requesterSchema,
    schedulerId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    slotMs: z.number().int().positive().optional(),
    requestId: z.string().min(1).max(100).optional(),
  }),
  attempts: 2,
  backoffMs: 2000,
  jobId: (d) => d.requestId ?? `digest-${d.schedulerId ?? 'x'}-${d.slotMs ?? 0}`,
  title: (d) => (d.schedulerId ? `Scheduled digest ${d.schedulerId}` : 'Digest'),
});

const digestNow = queued(
  { name: 'digest now', summary: 'Post a digest now', usage: '[#channel]', role: 'operator', run: 'queued',
    positionals: [{ name: 'channel', optional: true }], schema: z.strictObject({ channel: channelArg.optional() }) },
  () => (args, requester) => [taskOf(digestKind, {
    requester: { userId: requester.userId, channelId: args.channel ?? requester.channelId },
    requestId: randomUUID(),
  })],
);

interface Ctx extends StatusContext {
  deps: FeatureDeps;
}

export const statusFeature = defineFeature({
  name: 'status',
  roles: ['serve', 'worker'],
  setup: (deps: FeatureDeps): Ctx => {
    const { config } = deps;
    return {
      deps,
      snapshot: (signal) => takeSnapshot(deps.cluster, { jenkinsLabel: config.jenkins.label, ...(signal ? { signal } : {}) }),
      store: deps.digests.store,
      schedules: deps.digests.schedules,
      agentSize: { cpus: config.jenkins.agentCpus, memMb: config.jenkins.agentMemMb },
      defaultTz: config.digests.defaultTz,
      onSampleError: (err) => deps.log.warn({ err, src: 'status' }, 'could not record a utilisation sample'),
      ...(config.slack.channels.digests ? { defaultChannel: config.slack.channels.digests } : {}),
    };
  },
  commands: [statusCommand, agentsCommand, jenkinsCommand, digestAddCommand, digestListCommand, digestRemoveCommand, digestNow],
  tasks: [
    handle(digestKind, (ctx: Ctx) => createDigestHandler({
      snapshot: ctx.snapshot, store: ctx.store, outbox: ctx.deps.outbox, slotKey: ctx.deps.digests.slotKey, agentSize: ctx.agentSize,
      // Jenkins incidents the failover watcher recorded (the shared alert log), opened in the period.
      incidents: async (fromMs, toMs) => (await ctx.deps.alerts.log.since(fromMs, 200))
        .filter((r) => r.kind === 'jenkins' && r.openedAt <= toMs)
        .reverse()
        .map((r) => ({ atMs: r.openedAt, text: plainTitle(r.title), downtimeMs: r.downtimeMs, moved: r.moved })),
    })),
  ],
  // Last success and last error per upstream are in the process health model (fed by every client call).
  ready: async (ctx) => {
    const c = ctx.deps.config.cluster;
    return { configured: { mesos: c.mesos.urls.length > 0, marathon: c.marathon.urls.length > 0, jenkins: Boolean(c.jenkins.url), zookeeper: c.zookeeper.hosts.length > 0 } };
  },
});

/** An alert's headline without emoji shortcodes and bold marks (the digest escapes and lists it). */
function plainTitle(title: string): string {
  return title.replace(/:[a-z_]+: ?/g, '').replace(/\*/g, '');
}
