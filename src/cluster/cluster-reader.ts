/**
 * The port every feature reads the cluster through: one set of clients per process, built in
 * src/roles/cluster-clients.ts; tests implement it with plain objects. An upstream that is not configured is absent.
 */
import type { ComputerSet, JenkinsQueueItem, JenkinsRoot } from '../clients/jenkins/schemas.ts';
import type { App, MarathonInfo } from '../clients/marathon/schemas.ts';
import type { Agent, FrameworksResponse, MesosVersion, MetricsSnapshot, SlavesResponse } from '../clients/mesos/schemas.ts';
import type { Mntr, Srvr } from '../clients/zookeeper/schemas.ts';

/** Every read takes the caller's signal (per-upstream deadline and cancellation). */
export interface ReadOptions {
  signal: AbortSignal;
}

export interface MesosReader {
  /** Base URL of the leading master, e.g. `http://master:5050`. */
  leader(o: ReadOptions): Promise<string>;
  version(o: ReadOptions): Promise<MesosVersion>;
  /** `/metrics/snapshot`: totals and counts, constant size. */
  metrics(o: ReadOptions): Promise<MetricsSnapshot>;
  /** `/master/slaves`: per-agent detail. */
  slaves(o: ReadOptions): Promise<SlavesResponse>;
  /** `/master/frameworks`: includes every task, so it is read only on small clusters. */
  frameworks(o: ReadOptions): Promise<FrameworksResponse>;
}

export interface MarathonReader {
  leader(o: ReadOptions): Promise<string>;
  /** One app with its tasks (`embed=app.tasks`). */
  app(id: string, o: ReadOptions): Promise<App>;
}

export interface JenkinsReader {
  /** Base URL as configured (shown to users). */
  url: string;
  /** `GET /api/json`; snapshots pass `tree` = STATUS_ROOT_TREE (jobs with their recent builds). */
  root(o: ReadOptions & { tree?: string }): Promise<JenkinsRoot>;
  computers(o: ReadOptions): Promise<ComputerSet>;
  queue(o: ReadOptions): Promise<JenkinsQueueItem[]>;
}

export interface ZooKeeperReader {
  /** `host:port` as configured. */
  address: string;
  srvr(o: ReadOptions): Promise<Srvr>;
}

/** What `/ci status`, `/ci agents`, `/ci jenkins` and digests read. Timeouts are per upstream, in ms. */
export interface ClusterReader {
  mesos?: MesosReader;
  marathon?: MarathonReader & { jenkinsAppId: string };
  jenkins?: JenkinsReader;
  zookeeper: readonly ZooKeeperReader[];
  timeoutsMs: { mesos: number; marathon: number; jenkins: number; zookeeper: number };
}

/**
 * The process's one set of cluster clients as every feature sees it: the snapshot reads plus what provisioning
 * checks after it changed a host.
 */
export interface ClusterClients extends ClusterReader {
  mesos?: MesosReader & {
    /**
     * Polls `/master/slaves` until `hostname` is registered and active.
     * @throws UpstreamError('mesos', …, timeout) when it does not appear within `timeoutMs`
     */
    waitForAgent(hostname: string, o: ReadOptions & { timeoutMs: number }): Promise<Agent>;
  };
  marathon?: MarathonReader & {
    jenkinsAppId: string;
    /** `/v2/info`: version and framework name. */
    info(o: ReadOptions): Promise<MarathonInfo>;
  };
  zookeeper: ReadonlyArray<ZooKeeperReader & {
    /** `ruok`: true when the server answers `imok`. */
    ruok(o: ReadOptions): Promise<boolean>;
    mntr(o: ReadOptions): Promise<Mntr>;
  }>;
}
