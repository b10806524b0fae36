/**
 * The port every feature reads the cluster through: one set of clients per process, built in
 * src/roles/cluster-clients.ts; tests implement it with plain objects. An upstream that is not configured is absent.
 * Every answer is already a domain type: the clients (src/clients/<upstream>/to-domain.ts) check the wire shape
 * with zod and map it. Three stay structural (only the fields the bot reads, under Marathon's and Jenkins' names):
 * the Marathon app and its events, which the failover watcher reads field by field, and the Jenkins job list of
 * the fingerprint's root read.
 */
import type { AppStorageView } from './storage-mode.ts';
import type { FrameworkView, JenkinsView, MesosTotals, ResourceUsage, ZooKeeperView } from './snapshot-types.ts';

/** Every read takes the caller's signal (per-upstream deadline and cancellation). */
export interface ReadOptions {
  signal: AbortSignal;
}

/** One agent registered with the Mesos master (`/master/slaves`). Resources in cpus and MB. */
export interface MesosAgent extends ResourceUsage {
  id: string;
  hostname: string;
  /** Connected to the master (Mesos `active`; absent on old masters, where every listed agent is). */
  connected: boolean;
  /** Taken out of service by an operator (Mesos ≥ 1.9 `deactivated`, e.g. draining). */
  deactivated: boolean;
  /** When it (re)registered, epoch ms. */
  sinceMs?: number;
}

export interface MesosAgents {
  agents: MesosAgent[];
  /** Hostnames the master knows from its registry after a failover but that have not re-registered yet. */
  recovering: string[];
}

/** The frameworks on the master, and their live (running, starting, staging) tasks per agent id. */
export interface MesosFrameworks {
  frameworks: Array<FrameworkView & { id: string }>;
  tasksByAgent: Map<string, number>;
}

export interface MesosReader {
  /** Base URL of the leading master, e.g. `http://master:5050`. */
  leader(o: ReadOptions): Promise<string>;
  /** The master's version, e.g. `1.11.0`. */
  version(o: ReadOptions): Promise<string>;
  /** From `/metrics/snapshot`: totals and counts, constant size. */
  totals(o: ReadOptions): Promise<MesosTotals>;
  /** From `/master/slaves`: per-agent detail. */
  agents(o: ReadOptions): Promise<MesosAgents>;
  /** From `/master/frameworks`: includes every task, so it is read only on small clusters. */
  frameworks(o: ReadOptions): Promise<MesosFrameworks>;
}

/** A task of a Marathon app, as `GET /v2/apps/<id>?embed=app.tasks` lists it (times are ISO strings). */
export interface MarathonAppTask {
  id: string;
  host: string;
  state?: string | undefined;
  slaveId?: string | null | undefined;
  startedAt?: string | null | undefined;
  stagedAt?: string | null | undefined;
  healthCheckResults?: ReadonlyArray<{ alive: boolean }> | undefined;
}

/** A Marathon app definition with its status fields and tasks: the fields the bot reads. */
export interface MarathonApp extends Omit<AppStorageView, 'container'> {
  id: string;
  instances?: number | undefined;
  tasksHealthy?: number | undefined;
  tasksUnhealthy?: number | undefined;
  tasks?: readonly MarathonAppTask[] | undefined;
  container?: AppStorageView['container'] | null;
  healthChecks?: ReadonlyArray<{ protocol?: string | undefined; maxConsecutiveFailures?: number | undefined }> | undefined;
  lastTaskFailure?: { taskId?: string | undefined; state?: string | undefined; host?: string | undefined; message?: string | undefined; timestamp?: string | undefined } | undefined;
}

/** One event of Marathon's `/v2/events` stream (typed by the client; the watcher reads its own view of it). */
export interface MarathonEventReading {
  eventType: string;
  timestamp: string;
}

export interface MarathonReader {
  leader(o: ReadOptions): Promise<string>;
  /** One app with its tasks (`embed=app.tasks`). */
  app(id: string, o: ReadOptions): Promise<MarathonApp>;
}

export interface JenkinsReader {
  /** Base URL as configured (shown to users). */
  url: string;
  /**
   * Executors, nodes, queue, job colours and each job's recent builds, read in parallel. `mesosLabel` names the
   * Mesos plugin's build agents (config `jenkins.label`).
   */
  status(o: ReadOptions & { mesosLabel: string }): Promise<JenkinsView>;
}

export interface ZooKeeperReader {
  /** `host:port` as configured. */
  address: string;
  srvr(o: ReadOptions): Promise<ZooKeeperView>;
}

/** What `/ci status`, `/ci agents`, `/ci jenkins` and digests read. Timeouts are per upstream, in ms. */
export interface ClusterReader {
  mesos?: MesosReader;
  marathon?: MarathonReader & { jenkinsAppId: string };
  jenkins?: JenkinsReader;
  zookeeper: readonly ZooKeeperReader[];
  timeoutsMs: { mesos: number; marathon: number; jenkins: number; zookeeper: number };
}

/** What an app write answered: accepted (a deployment), or why not (409 locked/exists, 400/422 field errors). */
export type AppWriteResult =
  | { ok: true; created: boolean; deploymentId: string | undefined; version: string | undefined }
  | { ok: false; kind: 'locked' | 'exists'; message: string; deploymentIds: string[] }
  | { ok: false; kind: 'invalid'; status: number; message: string; fields: Array<{ path: string; errors: string[] }> };

/** A running Marathon deployment (`GET /v2/deployments`). */
export interface MarathonDeploymentView {
  id: string;
  affectedApps: readonly string[];
  currentStep: number;
  totalSteps: number;
  /** e.g. `StartApplication /jenkins`. */
  actions: readonly string[];
}

/** An app waiting in the launch queue, with why each agent's last offer did not fit (`InsufficientMemory` …). */
export interface MarathonWaiting {
  appId: string;
  count: number;
  delaySeconds: number;
  offers: ReadonlyArray<{ host: string; reasons: readonly string[] }>;
}

/** What `/ci deploy` needs of Marathon beyond reading: the full definition, the write, deployments, the queue. */
export interface MarathonDeployer {
  /** `GET /v2/apps/{id}` as Marathon serves it (every field), or undefined when there is no such app (404). */
  definition(id: string, o: ReadOptions): Promise<Record<string, unknown> | undefined>;
  /** POST (create) or PUT with `partialUpdate=false` (replace); `force` overrides a deployment holding the app. */
  write(definition: { id: string } & Record<string, unknown>, o: ReadOptions & { create: boolean; force: boolean }): Promise<AppWriteResult>;
  deployments(o: ReadOptions): Promise<MarathonDeploymentView[]>;
  waiting(o: ReadOptions): Promise<MarathonWaiting[]>;
}

/** One entry of an agent's `/files/browse`. */
export interface SandboxEntry {
  path: string;
  size: number;
}

/** An agent's files API (`/files/browse`, `/files/read`), at the address in its `pid`, as the Mesos web UI reaches it. */
export interface AgentFiles {
  /** The directory's entries; undefined when the agent does not know the path (404). */
  browse(dir: string, o: ReadOptions): Promise<SandboxEntry[] | undefined>;
  /** Up to `length` bytes of `path` from `offset` (the agent caps one read at 64 KiB); `data` empty at the end. */
  read(path: string, o: ReadOptions & { offset: number; length: number }): Promise<{ data: string; offset: number }>;
}

/** A Jenkins queue item as `/ci smoke` follows it: the build it became, or why it still waits. */
export interface JenkinsQueueEntry {
  buildNumber?: number | undefined;
  cancelled: boolean;
  why?: string | undefined;
}

/** One build of a job (`GET /job/<n>/<number>/api/json`); times in epoch ms / ms. */
export interface JenkinsBuildState {
  building: boolean;
  result: string | null;
  /** The node it ran on ('' for the controller). */
  builtOn: string;
  startedMs: number;
  durationMs: number;
}

/** A Jenkins node (`GET /computer/api/json`). */
export interface JenkinsNode {
  name: string;
  offline: boolean;
  idle: boolean;
  labels: string[];
}

/** Jenkins writes and build reads (`/ci smoke`). A POST is never retried. */
export interface JenkinsJobControl {
  /** `POST /createItem`; `exists` when Jenkins answers 400 "A job already exists". */
  createJob(name: string, configXml: string, o: ReadOptions): Promise<'created' | 'exists'>;
  /** `POST /job/<n>/config.xml`: replaces the job's configuration. */
  updateJob(name: string, configXml: string, o: ReadOptions): Promise<void>;
  /** `POST /job/<n>/build` → the queue item id from `Location`. */
  triggerBuild(name: string, o: ReadOptions): Promise<number>;
  queueItem(id: number, o: ReadOptions): Promise<JenkinsQueueEntry>;
  build(name: string, num: number, o: ReadOptions): Promise<JenkinsBuildState>;
  nodes(o: ReadOptions): Promise<JenkinsNode[]>;
}

/** A live Mesos task as `/master/frameworks` lists it. */
export interface MesosTaskView {
  id: string;
  name: string;
  state: string;
  framework: string;
}

/** Marathon writes (`/ci drill failover`). */
export interface MarathonControl {
  /** `DELETE /v2/apps/<app>/tasks/<task>` without `scale`: Marathon launches a replacement. */
  killTask(appId: string, taskId: string, o: ReadOptions): Promise<void>;
  /** `GET /v2/deployments`: the running deployments and the apps they affect. */
  deployments(o: ReadOptions): Promise<Array<{ id: string; affectedApps: string[] }>>;
}

/**
 * The process's one set of cluster clients as every feature sees it: the snapshot reads plus what provisioning
 * checks after it changed a host and what the failover watcher follows.
 */
export interface ClusterClients extends ClusterReader {
  mesos?: MesosReader & {
    /**
     * Polls `/master/slaves` until `hostname` is registered and active.
     * @throws UpstreamError('mesos', …, timeout) when it does not appear within `timeoutMs`
     */
    waitForAgent(hostname: string, o: ReadOptions & { timeoutMs: number }): Promise<MesosAgent>;
    /** The files API of the registered agent `agentId`; undefined when the master does not list it. */
    agentFiles(agentId: string, o: ReadOptions): Promise<AgentFiles | undefined>;
  };
  marathon?: MarathonReader & {
    jenkinsAppId: string;
    /** `/v2/info`: Marathon's version and the framework name it registers with Mesos (default `marathon`). */
    info(o: ReadOptions): Promise<{ version: string; frameworkName: string; frameworkId?: string }>;
    /**
     * The event stream on the leader (SSE, `event_type` filters); ends when the server closes it, throws when it
     * cannot connect or stays silent (no event, no heartbeat) for `idleTimeoutMs`.
     */
    events(o: ReadOptions & { eventTypes: readonly string[]; idleTimeoutMs: number }): AsyncIterable<MarathonEventReading>;
    deployer: MarathonDeployer;
  };
  jenkins?: JenkinsReader & {
    /** The top-level jobs of `GET /api/json?tree=<tree>` (the fingerprint asks for `jobs[name]`). */
    root(o: ReadOptions & { tree: string }): Promise<{ jobs?: ReadonlyArray<{ name: string }> | undefined }>;
    /** `X-Instance-Identity` (changes with a fresh JENKINS_HOME); undefined without the instance-identity plugin. */
    instanceIdentity(o: ReadOptions): Promise<string | undefined>;
    /** Whether Jenkins accepts this user and password (false on 401); used for the first-start password. */
    acceptsLogin(username: string, password: string, o: ReadOptions): Promise<boolean>;
    /** Configuration-as-code: the live configuration as YAML (export), a document's warnings (check), applying one. */
    casc: {
      export(o: ReadOptions): Promise<string>;
      check(yaml: string, o: ReadOptions): Promise<Array<{ line?: number | null | undefined; warning: string }>>;
      apply(yaml: string, o: ReadOptions): Promise<void>;
    };
  };
  zookeeper: ReadonlyArray<ZooKeeperReader & {
    /** `ruok`: true when the server answers `imok`. */
    ruok(o: ReadOptions): Promise<boolean>;
    /** `mntr`'s `zk_server_state`: leader | follower | observer | standalone. */
    mode(o: ReadOptions): Promise<string>;
  }>;
  /** Jenkins job and build control (absent without a Jenkins URL). */
  jenkinsJobs?: JenkinsJobControl;
  /** Every live task on the Mesos master (e.g. the Mesos plugin's agents); absent without Mesos. */
  mesosTasks?: (o: ReadOptions) => Promise<MesosTaskView[]>;
  /** Marathon task kills and deployments (absent without Marathon). */
  marathonControl?: MarathonControl;
}
