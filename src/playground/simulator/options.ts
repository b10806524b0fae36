/**
 * Simulator options. Times are in simulated milliseconds and divided by `timeScale` (10 = ten times faster).
 * The defaults reproduce the seed cluster: master + slave1 + slave2, Marathon and Jenkins frameworks, and the
 * Jenkins app on Marathon running on slave1. `simOptionsFromCli` reads `npm run sim`'s flags and SIM_* variables.
 */
import { parseArgs } from 'node:util';
import * as z from 'zod';

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
  /**
   * Launch → TASK_RUNNING (TASK_STARTING half-way). Health-check timing and the relaunch backoff come from the app
   * definition, the unreachable handling from the app's unreachableStrategy (MARATHON-FAILOVER.md).
   */
  stageMs: number;
  /** SSE heartbeat period (Jetty's 10 s). */
  heartbeatMs: number;
  /** Divides every simulated duration (default 1). */
  timeScale: number;
  /** The seed's JENKINS_HOME: set up through the wizard (default `done`) or not yet (`pending`); other homes start pending. */
  jenkinsSetupWizard: 'done' | 'pending';
  /** Which sandbox file the controller's log (and the first-start banner) goes to (default stderr, as java.util.logging). */
  jenkinsLogStream: 'stderr' | 'stdout';
  /** Size of the controller's start-up log before the banner (default 80 KiB: more than one 64 KiB `/files/read`). */
  jenkinsBootLogBytes: number;
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
    heartbeatMs: 10_000,
    timeScale: 1,
    jenkinsSetupWizard: 'done',
    jenkinsLogStream: 'stderr',
    jenkinsBootLogBytes: 80 * 1024,
    ...opts,
  };
}

/** `npm run sim -- --help`: every option, its environment variable and its default. */
export const SIM_USAGE = `Usage: npm run sim -- [options]

Runs the simulated cluster (Mesos masters, agents' /files, Marathon, Jenkins, control API) on loopback until
SIGINT/SIGTERM. Prints one JSON line on stdout at start: {"urls":{…},"zkUrl":…,"agents":[…],"jenkinsDeployed":…,
"timeScale":…}; a readable summary goes to stderr.

Options (flag, or environment variable; a flag wins):
  --zk-url <zk://…>     ZooKeeper URL agents and master services must be configured with  SIM_ZK_URL
                        (default zk://master:2181/mesos; e.g. zk://192.0.2.10:2181/mesos for hosts by address)
  --no-agents           start with an empty cluster (no agents; hosts join by /ci setup-agent)  SIM_AGENTS=0
                        (the Jenkins app then waits for an agent, unless --no-jenkins)
  --no-jenkins          do not deploy the Jenkins app on Marathon at start                       SIM_JENKINS=0
  --time-scale <n>      divide every simulated duration by n (10 = ten times faster; default 1)  SIM_TIME_SCALE
  -h, --help            this text
`;

const flagEnv = z.enum(['0', '1', 'false', 'true', 'no', 'yes']).transform((v) => ['1', 'true', 'yes'].includes(v));
const SimCliSchema = z.strictObject({
  zkUrl: z.string().regex(/^zk:\/\/[^\s/]+\/\S+$/, 'must look like zk://host:2181/mesos').optional(),
  agents: z.boolean().optional(),
  jenkins: z.boolean().optional(),
  timeScale: z.coerce.number().positive('must be a positive number').finite().optional(),
});

/**
 * `npm run sim` options from argv (flags) and env (SIM_*); flags win. Returns `help` for -h/--help.
 * @throws Error with the usage appended, on an unknown flag or a bad value
 */
export function simOptionsFromCli(argv: readonly string[], env: NodeJS.ProcessEnv): 'help' | Partial<SimOptions> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv], allowNegative: true, strict: true,
      options: {
        'zk-url': { type: 'string' }, agents: { type: 'boolean' }, jenkins: { type: 'boolean' },
        'time-scale': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n\n${SIM_USAGE}`, { cause: err });
  }
  if (values.help) return 'help';
  const fromEnv = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const r = flagEnv.safeParse(v.toLowerCase());
    if (!r.success) throw new Error(`${name}=${v}: must be 0 or 1\n\n${SIM_USAGE}`);
    return r.data;
  };
  const parsed = SimCliSchema.safeParse({
    zkUrl: values['zk-url'] ?? (env.SIM_ZK_URL || undefined),
    agents: values.agents ?? fromEnv('SIM_AGENTS'),
    jenkins: values.jenkins ?? fromEnv('SIM_JENKINS'),
    timeScale: values['time-scale'] ?? (env.SIM_TIME_SCALE || undefined),
  });
  if (!parsed.success) {
    const names: Record<string, string> = { zkUrl: '--zk-url / SIM_ZK_URL', timeScale: '--time-scale / SIM_TIME_SCALE' };
    const why = parsed.error.issues.map((i) => `${names[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('; ');
    throw new Error(`${why}\n\n${SIM_USAGE}`);
  }
  const o = parsed.data;
  return {
    ...(o.zkUrl ? { zkUrl: o.zkUrl } : {}),
    ...(o.agents === false ? { agents: [] } : {}),
    ...(o.jenkins === false ? { deployJenkins: false } : {}),
    ...(o.timeScale ? { timeScale: o.timeScale } : {}),
  };
}
