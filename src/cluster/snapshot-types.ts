/** The cluster as `/ci status` and digests see it: plain data, each part either read or failed with a reason. */

/** Why a part could not be read, in words fit for chat ("no answer in 5 s"). */
export interface PartFailure {
  /** timeout | refused | auth | bad_answer | http | network | aborted | not_configured | skipped */
  failure: string;
  text: string;
}

/** One part of a snapshot. */
export type Part<T> = { ok: true; value: T } | { ok: false; reason: PartFailure };

/** Resources offered and used, in cpus and MB: of one agent, or of the whole cluster. */
export interface ResourceUsage {
  cpus: number;
  cpusUsed: number;
  memMb: number;
  memUsedMb: number;
  diskMb: number;
  diskUsedMb: number;
}

/** One Mesos agent, from `/master/slaves`. */
export interface AgentView extends ResourceUsage {
  id: string;
  hostname: string;
  active: boolean;
  /** When the agent (re)registered, epoch ms. */
  sinceMs?: number;
  /** Running tasks; only known on small clusters (see FRAMEWORKS_MAX_TASKS). */
  tasks?: number;
}

/** Totals and counts from `/metrics/snapshot`. */
export interface MesosTotals extends ResourceUsage {
  elected: boolean;
  agentsActive: number;
  agentsInactive: number;
  tasksRunning: number;
  tasksStaging: number;
  frameworksActive: number;
}

export interface FrameworkView {
  name: string;
  active: boolean;
  tasks: number;
}

/** The Jenkins master app on Marathon. */
export interface JenkinsAppView {
  appId: string;
  instances: number;
  healthy: number;
  unhealthy: number;
  tasks: Array<{ host: string; state: string; startedAtMs?: number; healthy?: boolean }>;
  lastFailure?: { host?: string; message?: string; atMs?: number };
}

/** One finished Jenkins build, from the root read's `builds[…]` tree. Times in epoch ms, durations in ms. */
export interface BuildView {
  job: string;
  number: number;
  /** SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT. */
  result: string;
  startedMs: number;
  durationMs: number;
}

/** Each job's newest builds (at most RECENT_BUILDS_PER_JOB per job). */
export interface RecentBuilds {
  finished: BuildView[];
  /** Builds running at the read. */
  running: number;
  /** Jobs whose list hit the bound, with the start of the oldest build listed: older ones were not read. */
  cut: Array<{ job: string; oldestStartMs: number }>;
}

/** Jenkins itself, from its JSON API. */
export interface JenkinsView {
  url: string;
  executorsTotal: number;
  executorsBusy: number;
  nodes: number;
  nodesOffline: number;
  /** Dynamic build agents started by the Mesos plugin. */
  mesosAgents: number;
  queue: number;
  stuck: number;
  /** Oldest waiting item, epoch ms. */
  oldestQueuedMs?: number;
  jobs: { total: number; passing: number; notBuilt: number; failing: string[]; building: string[] };
  /** Undefined when the answer carried no build lists (e.g. a reader that did not ask for them). */
  recentBuilds?: RecentBuilds;
}

export interface ZooKeeperView {
  mode: string;
  version: string;
  avgLatencyMs: number;
  outstanding: number;
  nodeCount: number;
  connections?: number;
}

export interface ClusterSnapshot {
  takenAtMs: number;
  mesos: {
    leader: Part<string>;
    version: Part<string>;
    totals: Part<MesosTotals>;
    agents: Part<AgentView[]>;
    frameworks: Part<FrameworkView[]>;
  };
  jenkinsApp: Part<JenkinsAppView>;
  jenkins: Part<JenkinsView>;
  /** One entry per configured ZooKeeper server (empty: none configured). */
  zookeeper: Array<{ address: string; part: Part<ZooKeeperView> }>;
}
