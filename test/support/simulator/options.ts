/**
 * Simulator options. Times are in simulated milliseconds and divided by `timeScale` (10 = ten times faster).
 * The defaults reproduce the seed cluster: master + slave1 + slave2, Marathon and Jenkins frameworks, and the
 * Jenkins app on Marathon running on slave1.
 */
export interface SeedAgent {
  hostname: string;
  ip: string;
  cpus: number;
  memMb: number;
  diskMb: number;
  attributes?: Record<string, string>;
}

export interface SimOptions {
  /** Interface all servers listen on (default 127.0.0.1). */
  host: string;
  /** Hostname of the master host, shown in Mesos/Marathon answers (default "master"). */
  masterHostname: string;
  /** Number of Mesos masters (≥ 2 lets tests change the leader; default 2). */
  mesosMasters: number;
  /** Number of Marathon instances (default 2). */
  marathons: number;
  /** ZooKeeper URL agents and services must be configured with (default zk://master:2181/mesos). */
  zkUrl: string;
  agents: SeedAgent[];
  /** Deploy the Jenkins app on Marathon at start (default true). */
  deployJenkins: boolean;
  /** Agent the Jenkins app is pinned to at start (default: the first agent). */
  jenkinsAgent?: string;
  jenkinsUser: string;
  jenkinsToken: string;
  /**
   * Marathon's HTTP Basic credentials (its basic-auth plugin): when set, every Marathon request but /ping without
   * them is a 401. Default none: Marathon open, as it ships.
   */
  marathonCredentials?: { user: string; password: string };
  /** Jobs present in JENKINS_HOME at start (default 3). */
  jenkinsJobs: number;
  /** JENKINS_HOME on shared storage: jobs survive a move to another agent (default false: host path). */
  jenkinsHomeShared: boolean;
  /** Mesos plugin agent size (default 0.2 cpu / 512 MB, label "mesos"). */
  pluginAgent: { cpus: number; memMb: number; label: string; idleTerminationMs: number; launchMs: number };
  /** Default build duration (default 30000). */
  buildDurationMs: number;
  /** Marathon timings: staging → running, running → first healthy check, relaunch backoff. */
  stageMs: number;
  healthyAfterMs: number;
  relaunchDelayMs: number;
  /** SSE heartbeat period (Jetty's 10 s). */
  heartbeatMs: number;
  /** Divides every simulated duration (default 1). */
  timeScale: number;
  /** State sent for tasks on a lost agent (Marathon ≥ 1.4 is partition-aware: TASK_UNREACHABLE). */
  lostTaskState: string;
}

export const seedAgents: SeedAgent[] = [
  { hostname: 'slave1', ip: '127.0.0.2', cpus: 2, memMb: 3789, diskMb: 35_000, attributes: { os: 'linux', rack: 'r1' } },
  { hostname: 'slave2', ip: '127.0.0.3', cpus: 2, memMb: 3789, diskMb: 35_000, attributes: { os: 'linux', rack: 'r2' } },
];

export function withDefaults(opts: Partial<SimOptions> = {}): SimOptions {
  return {
    host: '127.0.0.1',
    masterHostname: 'master',
    mesosMasters: 2,
    marathons: 2,
    zkUrl: 'zk://master:2181/mesos',
    agents: seedAgents,
    deployJenkins: true,
    jenkinsUser: 'admin',
    jenkinsToken: 'sim-token',
    jenkinsJobs: 3,
    jenkinsHomeShared: false,
    pluginAgent: { cpus: 0.2, memMb: 512, label: 'mesos', idleTerminationMs: 180_000, launchMs: 5000 },
    buildDurationMs: 30_000,
    stageMs: 1000,
    healthyAfterMs: 15_000,
    relaunchDelayMs: 1000,
    heartbeatMs: 10_000,
    timeScale: 1,
    lostTaskState: 'TASK_UNREACHABLE',
    ...opts,
  };
}
