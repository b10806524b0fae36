/**
 * The port status and digests read the cluster through. The feature factory in src/roles implements it over the
 * real clients; tests implement it with plain objects. An upstream that is not configured is simply absent.
 */
import type { ComputerSet, JenkinsQueueItem, JenkinsRoot } from '../clients/jenkins/schemas.ts';
import type { App } from '../clients/marathon/schemas.ts';
import type { FrameworksResponse, MesosVersion, MetricsSnapshot, SlavesResponse } from '../clients/mesos/schemas.ts';
import type { Srvr } from '../clients/zookeeper/schemas.ts';

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
