/**
 * The status and digests feature: `/ci status|agents|jenkins` (deferred cluster reads), `/ci digest add|list|
 * remove` (Redis only), `/ci digest now` and scheduled digests (task kind `digest` on queue `report`). The only
 * place the cluster clients are constructed for it; readiness reports each upstream's last success.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TaskHandler } from '../core/ports.ts';
import type { Config, Secrets } from '../config/schema.ts';
import { JenkinsClient } from '../clients/jenkins/client.ts';
import { MarathonClient } from '../clients/marathon/client.ts';
import { MesosClient } from '../clients/mesos/client.ts';
import { ZooKeeperClient } from '../clients/zookeeper/client.ts';
import type { ClusterReader } from '../digests/cluster-reader.ts';
import { takeSnapshot } from '../digests/snapshot.ts';
import { createStatusCommands } from '../digests/status-commands.ts';
import { createDigestStore } from '../queue/digest-schedules.ts';
import { createSchedulers, digestSlotKey } from '../queue/schedulers.ts';
import { defineTaskKind, requesterSchema } from '../queue/task-kind.ts';
import { createDigestHandler, type DigestTask } from '../workers/digest.ts';
import type { FeatureFactory } from './feature.ts';

/** `digest` jobs: scheduled (schedulerId + slotMs) or `/ci digest now` (requestId). Retried once if transient. */
export const digestKind = defineTaskKind<DigestTask>({
  name: 'digest',
  queue: 'report',
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

type Health = Record<string, { lastOkAt?: string; lastError?: string; configured: boolean }>;

export const statusFeature: FeatureFactory = (base) => {
  const { config, loaded, prefix, redis } = base;
  const health: Health = {};
  const { reader, close } = createClusterReader(config, loaded.secrets, health);
  const snapshot = (signal?: AbortSignal) => takeSnapshot(reader, { jenkinsLabel: config.jenkins.label, ...(signal ? { signal } : {}) });
  const store = createDigestStore({ redis, prefix });
  const schedules = createSchedulers({ redis, prefix });
  const agentSize = { cpus: config.jenkins.agentCpus, memMb: config.jenkins.agentMemMb };
  const log = base.logger.child({ src: 'status' });
  return {
    kinds: [digestKind],
    toTasks: {
      'digest now': (args, requester) => [['digest', {
        requester: { userId: requester.userId, channelId: typeof args.channel === 'string' ? args.channel : requester.channelId },
        requestId: randomUUID(),
      }]],
    },
    commands: createStatusCommands({
      snapshot: () => snapshot(), store, schedules, agentSize,
      defaultTz: config.digests.defaultTz, onSampleError: (err) => log.warn({ err }, 'could not record a utilisation sample'),
      ...(config.slack.channels.digests ? { defaultChannel: config.slack.channels.digests } : {}),
    }),
    handlers: {
      digest: createDigestHandler({ snapshot, store, outbox: base.outbox, slotKey: digestSlotKey, agentSize }) as TaskHandler<never>,
    },
    ready: async () => ({ upstreams: health }),
    close: async () => {
      await schedules.close();
      await close();
    },
  };
};

/** The real clients behind the {@link ClusterReader} port, each read recorded in `health` for /readyz. */
export function createClusterReader(config: Config, secrets: Secrets, health: Health): { reader: ClusterReader; close: () => Promise<void> } {
  const c = config.cluster;
  const ca = c.caFile ? readFileSync(c.caFile) : undefined;
  const common = { retries: 1, ...(ca ? { ca } : {}) };
  const track = <A extends unknown[], R>(name: string, fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    try {
      const out = await fn(...a);
      health[name] = { ...health[name], configured: true, lastOkAt: new Date().toISOString() };
      return out;
    } catch (err) {
      health[name] = { ...health[name], configured: true, lastError: err instanceof Error ? err.message.slice(0, 200) : String(err) };
      throw err;
    }
  };
  const closers: Array<() => Promise<void>> = [];
  const reader: ClusterReader = {
    zookeeper: c.zookeeper.hosts.map((address) => {
      const [host = '', port = '2181'] = address.split(':');
      const zk = new ZooKeeperClient({ host, port: Number(port), timeoutMs: c.zookeeper.timeoutMs });
      return { address, srvr: track('zookeeper', (o: { signal: AbortSignal }) => zk.srvr(o)) };
    }),
    timeoutsMs: { mesos: c.mesos.timeoutMs, marathon: c.marathon.timeoutMs, jenkins: c.jenkins.timeoutMs, zookeeper: c.zookeeper.timeoutMs },
  };
  for (const name of ['mesos', 'marathon', 'jenkins', 'zookeeper']) health[name] = { configured: false };
  if (c.zookeeper.hosts.length > 0) health.zookeeper = { configured: true };
  if (c.mesos.urls.length > 0) {
    health.mesos = { configured: true };
    const m = new MesosClient({ masters: c.mesos.urls, timeoutMs: c.mesos.timeoutMs, ...common });
    closers.push(() => m.close());
    reader.mesos = {
      leader: track('mesos', (o) => m.leader(o)), version: track('mesos', (o) => m.version(o)), metrics: track('mesos', (o) => m.metricsSnapshot(o)),
      slaves: track('mesos', (o) => m.slaves(o)), frameworks: track('mesos', (o) => m.frameworks(o)),
    };
  }
  if (c.marathon.urls.length > 0) {
    health.marathon = { configured: true };
    const auth = secrets.marathonUser && secrets.marathonPassword ? { auth: { username: secrets.marathonUser, password: secrets.marathonPassword } } : {};
    const m = new MarathonClient({ urls: c.marathon.urls, timeoutMs: c.marathon.timeoutMs, ...common, ...auth });
    closers.push(() => m.close());
    reader.marathon = { jenkinsAppId: c.marathon.jenkinsAppId, leader: track('marathon', (o) => m.leader(o)), app: track('marathon', (id: string, o) => m.app(id, o)) };
  }
  if (c.jenkins.url) {
    health.jenkins = { configured: true };
    const j = new JenkinsClient({ url: c.jenkins.url, username: c.jenkins.user ?? '', apiToken: secrets.jenkinsApiToken ?? '', timeoutMs: c.jenkins.timeoutMs, ...common });
    closers.push(() => j.close());
    reader.jenkins = { url: c.jenkins.url, root: track('jenkins', (o) => j.root(o)), computers: track('jenkins', (o) => j.computers(o)), queue: track('jenkins', (o) => j.queue(o)) };
  }
  return { reader, close: async () => void (await Promise.all(closers.map((f) => f()))) };
}
