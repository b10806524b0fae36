/**
 * The one set of cluster clients of a process (Mesos, Marathon, Jenkins, ZooKeeper), shared by every feature
 * through the {@link ClusterClients} port. One retry for idempotent reads, the custom CA, Marathon credentials, and
 * every call reported to `onResult` (metrics, /readyz). Construction only: each answer is mapped to the cluster
 * domain's types by its client's `to-domain.ts`.
 */
import { readFileSync } from 'node:fs';
import type { ClusterClients } from '../cluster/cluster-reader.ts';
import { JenkinsClient } from '../clients/jenkins/client.ts';
import { MarathonClient } from '../clients/marathon/client.ts';
import { MesosClient } from '../clients/mesos/client.ts';
import { ZooKeeperClient } from '../clients/zookeeper/client.ts';
import type { UpstreamResult } from '../clients/http.ts';
import { readJenkinsStatus } from '../clients/jenkins/read-status.ts';
import { toAppWriteResult, toDeploymentViews, toDeployments, toMarathonInfo, toWaiting } from '../clients/marathon/to-domain.ts';
import { agentEndpoint, toMesosAgent, toMesosFrameworks, toMesosTasks, toMesosTotals, toSandboxEntries } from '../clients/mesos/to-domain.ts';
import { toBuildState, toJenkinsNodes, toQueueEntry } from '../clients/jenkins/to-domain.ts';
import { UpstreamError } from '../core/errors.ts';
import { toZooKeeperView } from '../clients/zookeeper/to-domain.ts';
import type { Config, Secrets } from '../config/schema.ts';

export function createClusterClients(
  config: Config,
  secrets: Secrets,
  onResult: (r: UpstreamResult) => void,
): { reader: ClusterClients; close: () => Promise<void> } {
  const c = config.cluster;
  const ca = c.caFile ? readFileSync(c.caFile) : undefined;
  const common = { retries: 1, onResult, maxBodyBytes: c.maxBodyMb * 1024 * 1024, ...(ca ? { ca } : {}) };
  const closers: Array<() => Promise<void>> = [];
  const reader: ClusterClients = {
    zookeeper: c.zookeeper.hosts.map(({ address, host, port }) => {
      const zk = new ZooKeeperClient({ host, port, timeoutMs: c.zookeeper.timeoutMs, onResult });
      return { address, srvr: async (o) => toZooKeeperView(await zk.srvr(o)), ruok: (o) => zk.ruok(o), mode: async (o) => (await zk.mntr(o)).zk_server_state };
    }),
    timeoutsMs: { mesos: c.mesos.timeoutMs, marathon: c.marathon.timeoutMs, jenkins: c.jenkins.timeoutMs, zookeeper: c.zookeeper.timeoutMs },
  };
  if (c.mesos.urls.length > 0) {
    const m = new MesosClient({ masters: c.mesos.urls, timeoutMs: c.mesos.timeoutMs, ...common });
    closers.push(() => m.close());
    reader.mesos = {
      leader: (o) => m.leader(o), version: async (o) => (await m.version(o)).version, totals: async (o) => toMesosTotals(await m.metricsSnapshot(o)),
      agents: (o) => m.agents(o), frameworks: async (o) => toMesosFrameworks(await m.frameworks(o)),
      waitForAgent: async (host, o) => toMesosAgent(await m.waitForAgent(host, o)),
      agentFiles: async (agentId, o) => {
        const found = (await m.slaves(o)).slaves.find((a) => a.id === agentId);
        const at = found ? agentEndpoint(found) : undefined;
        if (!at) return undefined;
        return {
          browse: async (dir, r) => {
            try {
              return toSandboxEntries(await m.browse(at, dir, r));
            } catch (err) {
              if (err instanceof UpstreamError && err.status === 404) return undefined;
              throw err;
            }
          },
          read: (path, r) => m.readFile(at, path, r),
        };
      },
    };
    reader.mesosTasks = async (o) => toMesosTasks(await m.frameworks(o));
  }
  if (c.marathon.urls.length > 0) {
    const auth = secrets.marathonUser && secrets.marathonPassword ? { auth: { username: secrets.marathonUser, password: secrets.marathonPassword } } : {};
    const m = new MarathonClient({ urls: c.marathon.urls, timeoutMs: c.marathon.timeoutMs, ...common, ...auth });
    closers.push(() => m.close());
    reader.marathon = {
      jenkinsAppId: c.marathon.jenkinsAppId, leader: (o) => m.leader(o), app: (id, o) => m.app(id, o), info: async (o) => toMarathonInfo(await m.info(o)),
      events: (o) => m.events({ signal: o.signal, eventTypes: [...o.eventTypes], idleTimeoutMs: o.idleTimeoutMs }),
      deployer: {
        definition: (id, o) => m.app(id, { signal: o.signal, embed: [] }).then(
          (app) => app as Record<string, unknown>,
          // Only the app's own 404 means "no such app" (a 404 from /v2/leader means no leader, not no app).
          (err: unknown) => { if (err instanceof UpstreamError && err.status === 404 && err.request.startsWith('GET /v2/apps/')) return undefined; throw err; },
        ),
        write: async (def, o) => toAppWriteResult(await m.writeApp(def, { signal: o.signal, create: o.create, force: o.force }), o.create),
        deployments: async (o) => toDeploymentViews(await m.deployments(o)),
        waiting: async (o) => toWaiting(await m.queueOffers(o)),
      },
    };
    reader.marathonControl = {
      killTask: async (app, task, o) => void (await m.killTask(app, task, o)), deployments: async (o) => toDeployments(await m.deployments(o)),
    };
  }
  const url = c.jenkins.url;
  if (url) {
    const j = new JenkinsClient({ url, username: c.jenkins.user ?? '', apiToken: secrets.jenkinsApiToken ?? '', timeoutMs: c.jenkins.timeoutMs, ...common });
    closers.push(() => j.close());
    reader.jenkins = {
      url, status: (o) => readJenkinsStatus(j, url, o), root: (o) => j.root(o), instanceIdentity: (o) => j.instanceIdentity(o),
      acceptsLogin: (user, password, o) => j.acceptsLogin(user, password, o),
      casc: { export: (o) => j.cascExport(o), check: (yaml, o) => j.cascCheck(yaml, o), apply: (yaml, o) => j.cascApply(yaml, o) },
    };
    reader.jenkinsJobs = {
      createJob: (name, xml, o) => j.createJob(name, xml, o).then(() => 'created' as const, (err: unknown) => {
        // Jenkins renders "A job already exists with the name …" as a 400 Failure page (ItemGroupMixIn).
        if (err instanceof UpstreamError && err.status === 400 && /already exists/i.test(err.detail ?? '')) return 'exists' as const;
        throw err;
      }),
      updateJob: (name, xml, o) => j.updateJobConfig(name, xml, o), triggerBuild: (name, o) => j.triggerBuild(name, undefined, o),
      queueItem: async (id, o) => toQueueEntry(await j.queueItem(id, o)), build: async (name, n, o) => toBuildState(await j.build(name, n, o)),
      nodes: async (o) => toJenkinsNodes(await j.computers(o)),
    };
  }
  return { reader, close: async () => void (await Promise.all(closers.map((f) => f()))) };
}
