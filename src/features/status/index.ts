/**
 * The status and digests feature: `/ci status|agents|jenkins` (deferred cluster reads), `/ci digest add|list|
 * remove` (Redis only), `/ci digest now` and scheduled digests (task kind `digest` on queue `report`). The only
 * place the cluster clients are constructed for it; readiness reports each upstream's last success.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TaskHandler } from '../../core/ports.ts';
import type { Config, Secrets } from '../../config/schema.ts';
import { JenkinsClient } from '../../clients/jenkins/client.ts';
import { MarathonClient } from '../../clients/marathon/client.ts';
import { MesosClient } from '../../clients/mesos/client.ts';
import { ZooKeeperClient } from '../../clients/zookeeper/client.ts';
import type { ClusterReader } from '../../cluster/cluster-reader.ts';
import { takeSnapshot } from '../../cluster/snapshot.ts';
import { createStatusCommands } from './commands.ts';
import { createDigestStore } from '../../queue/digest-schedules.ts';
import { createSchedulers, digestSlotKey } from '../../queue/schedulers.ts';
import { defineTaskKind, requesterSchema } from '../../core/task-kind.ts';
import { createDigestHandler, type DigestTask } from './digest-handler.ts';
import type { UpstreamResult } from '../../clients/http.ts';
import { UpstreamError } from '../../core/errors.ts';
import { marathonAuth } from '../../roles/upstream-auth.ts';
import type { FeatureFactory } from '../define-feature.ts';

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

export const statusFeature: FeatureFactory = (base) => {
  const { config, loaded, prefix, redis } = base;
  const { reader, close, configured } = createClusterReader(config, loaded.secrets, base.onUpstreamResult);
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
    // Last success and last error per upstream are in the process health model (fed by onUpstreamResult).
    ready: async () => ({ configured }),
    close: async () => {
      await schedules.close();
      await close();
    },
  };
};

/** The real clients behind the {@link ClusterReader} port; every call is reported to `onResult` (metrics, /readyz). */
export function createClusterReader(
  config: Config,
  secrets: Secrets,
  onResult: (r: UpstreamResult) => void,
): { reader: ClusterReader; close: () => Promise<void>; configured: Record<string, boolean> } {
  const c = config.cluster;
  const ca = c.caFile ? readFileSync(c.caFile) : undefined;
  const common = { retries: 1, onResult, ...(ca ? { ca } : {}) };
  const closers: Array<() => Promise<void>> = [];
  const reader: ClusterReader = {
    zookeeper: c.zookeeper.hosts.map((address) => {
      const [host = '', port = '2181'] = address.split(':');
      const zk = new ZooKeeperClient({ host, port: Number(port), timeoutMs: c.zookeeper.timeoutMs });
      return { address, srvr: reported(onResult, 'zookeeper', 'srvr', (o: { signal: AbortSignal }) => zk.srvr(o)) };
    }),
    timeoutsMs: { mesos: c.mesos.timeoutMs, marathon: c.marathon.timeoutMs, jenkins: c.jenkins.timeoutMs, zookeeper: c.zookeeper.timeoutMs },
  };
  if (c.mesos.urls.length > 0) {
    const m = new MesosClient({ masters: c.mesos.urls, timeoutMs: c.mesos.timeoutMs, ...common });
    closers.push(() => m.close());
    reader.mesos = {
      leader: (o) => m.leader(o), version: (o) => m.version(o), metrics: (o) => m.metricsSnapshot(o),
      slaves: (o) => m.slaves(o), frameworks: (o) => m.frameworks(o),
    };
  }
  if (c.marathon.urls.length > 0) {
    const m = new MarathonClient({ urls: c.marathon.urls, timeoutMs: c.marathon.timeoutMs, ...common, ...marathonAuth(secrets) });
    closers.push(() => m.close());
    reader.marathon = { jenkinsAppId: c.marathon.jenkinsAppId, leader: (o) => m.leader(o), app: (id: string, o) => m.app(id, o) };
  }
  if (c.jenkins.url) {
    const j = new JenkinsClient({ url: c.jenkins.url, username: c.jenkins.user ?? '', apiToken: secrets.jenkinsApiToken ?? '', timeoutMs: c.jenkins.timeoutMs, ...common });
    closers.push(() => j.close());
    reader.jenkins = { url: c.jenkins.url, root: (o) => j.root(o), computers: (o) => j.computers(o), queue: (o) => j.queue(o) };
  }
  const configured = { mesos: c.mesos.urls.length > 0, marathon: c.marathon.urls.length > 0, jenkins: Boolean(c.jenkins.url), zookeeper: c.zookeeper.hosts.length > 0 };
  return { reader, configured, close: async () => void (await Promise.all(closers.map((f) => f()))) };
}

/** ZooKeeper speaks TCP, not HTTP: report its calls the same way the HTTP clients do. */
function reported<A extends unknown[], R>(onResult: (r: UpstreamResult) => void, service: 'zookeeper', request: string, fn: (...a: A) => Promise<R>) {
  return async (...a: A): Promise<R> => {
    const started = performance.now();
    try {
      const out = await fn(...a);
      onResult({ service, request, durationMs: performance.now() - started });
      return out;
    } catch (err) {
      onResult({ service, request, durationMs: performance.now() - started, failure: err instanceof UpstreamError ? err.failure : 'network' });
      throw err;
    }
  };
}
