/**
 * The one config schema. YAML file and environment are merged first (see load.ts), then validated here.
 * Objects are strict: an unknown key is an error, so a typo never silently falls back to a default.
 */
import * as z from 'zod';
import { jenkinsCloudSchema } from './jenkins-cloud.ts';

const url = z.url({ protocol: /^(https?|redis|rediss)$/, message: 'must be a URL (http, https or redis)' });
/** Upstream URLs: credentials come from their own variables, so a URL with user:password@ is refused (it would be shown). */
const upstreamUrl = url.refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'must not contain a user or password; use JENKINS_USER / JENKINS_API_TOKEN, MARATHON_USER / MARATHON_PASSWORD');
const hostName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'must be a host name: letters, digits and dashes');
const ms = (dflt: number) => z.number().int().positive().default(dflt);
const role = z.enum(['viewer', 'operator', 'admin']);

const slack = z.strictObject({
  /** `auto` uses Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise. */
  mode: z.enum(['auto', 'http', 'socket']).default('auto'),
  apiUrl: url.default('https://slack.com/api/'),
  /** Our own ack deadline; Slack's is 3 s and Bolt enforces none in Socket Mode. */
  ackDeadlineMs: ms(2500),
  /** Retries for Web API calls made outside the outbox (Bolt's default retries for ~30 minutes). */
  webApiRetries: z.number().int().min(0).max(5).default(2),
  channels: z
    .strictObject({
      default: z.string().min(1).default('#ci'),
      alerts: z.string().min(1).optional(),
      digests: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Read-only answers: in_channel or ephemeral, per command name. */
  responses: z.record(z.string(), z.enum(['in_channel', 'ephemeral'])).default({}),
});

const roles = z.strictObject({
  default: role.default('viewer'),
  /** Slack user ids (U…/W…) and user-group ids (S…) per role. */
  admins: z.array(z.string().regex(/^[UWS][A-Z0-9]{2,}$/, 'must be a user id (U…, W…) or user-group id (S…)')).default([]),
  operators: z.array(z.string().regex(/^[UWS][A-Z0-9]{2,}$/, 'must be a user id (U…, W…) or user-group id (S…)')).default([]),
  viewers: z.array(z.string().regex(/^[UWS][A-Z0-9]{2,}$/, 'must be a user id (U…, W…) or user-group id (S…)')).default([]),
  /** When true, another admin may confirm a dangerous command, not only the requester. */
  secondAdminMayConfirm: z.boolean().default(false),
  /** How long a Confirm/Cancel prompt stays valid. */
  confirmTtlMs: ms(300_000),
  usergroupCacheTtlMs: ms(300_000),
});

const host = z.strictObject({
  name: hostName,
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().regex(/^[a-z_][a-z0-9_-]*$/i).default('root'),
  roles: z.array(z.enum(['master', 'agent'])).min(1),
  bastion: hostName.optional(),
  /** Pinned host key, `SHA256:` + base64 as printed by `ssh-keygen -lf`. */
  hostKey: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must look like SHA256:<43 base64 chars>').optional(),
  sudo: z.boolean().default(false),
  /**
   * What this host's Mesos master / Marathon / Mesos agent advertise (their `hostname` files): its `address` (the
   * seed's choice, reachable without DNS) or its inventory `name` (only where every browser and agent resolves it).
   * Default: `inventory.advertise`.
   */
  advertise: z.enum(['address', 'name']).optional(),
});

/** `host:port`, parsed once here: `{ address: 'zk1:2181', host: 'zk1', port: 2181 }`. */
const hostPort = z
  .string()
  .regex(/^[^\s:]+:\d+$/, 'must be host:port')
  .transform((address) => {
    const i = address.lastIndexOf(':');
    return { address, host: address.slice(0, i), port: Number(address.slice(i + 1)) };
  })
  .refine((a) => a.port >= 1 && a.port <= 65_535, 'port must be 1–65535');

const cluster = z.strictObject({
  mesos: z.strictObject({ urls: z.array(upstreamUrl).default([]), timeoutMs: ms(5000) }).prefault({}),
  marathon: z
    .strictObject({ urls: z.array(upstreamUrl).default([]), timeoutMs: ms(5000), jenkinsAppId: z.string().default('/jenkins') })
    .prefault({}),
  jenkins: z.strictObject({ url: upstreamUrl.optional(), user: z.string().optional(), timeoutMs: ms(5000) }).prefault({}),
  zookeeper: z
    .strictObject({ hosts: z.array(hostPort).default([]), timeoutMs: ms(3000) })
    .prefault({}),
  /** A custom CA bundle (PEM path) for HTTPS upstreams. */
  caFile: z.string().optional(),
  /** Sanity bound on one upstream answer, in MB: bodies are stream-parsed, so this only stops an endless one. */
  maxBodyMb: z.number().int().min(1).default(512),
});

const ssh = z.strictObject({
  connectTimeoutMs: ms(10_000),
  keepaliveIntervalMs: ms(5000),
  keepaliveCountMax: z.number().int().positive().default(3),
  /** Below OpenSSH's MaxStartups 10. */
  maxConcurrentHandshakes: z.number().int().min(1).max(9).default(8),
  stepTimeoutMs: ms(600_000),
  knownHostsFile: z.string().optional(),
  agentJoinTimeoutMs: ms(120_000),
});

/** Package names for one OS family, and where they come from (the historical Mesosphere repositories are gone). */
const familyPackages = (names: { mesos: string; marathon: string; zookeeper: string; docker: string }) =>
  z.strictObject({
    mesos: z.string().default(names.mesos),
    marathon: z.string().default(names.marathon),
    /** The package whose service is `zookeeper` (Debian: zookeeperd; the seed's CentOS 7: mesosphere-zookeeper). */
    zookeeper: z.string().default(names.zookeeper),
    docker: z.string().default(names.docker),
    /** Repository base URL: a yum `baseurl` (RHEL family) or an apt archive URL (Debian family). Default: none. */
    repository: z.string().optional(),
    /** Apt suite of `repository` (Debian family only; default `stable`). */
    suite: z.string().optional(),
  });

/**
 * Per OS family, as the recipes detect it from /etc/os-release: a mixed inventory gets each host its own names.
 * RHEL defaults are the seed's (`yum install mesos marathon mesosphere-zookeeper`, `yum install docker mesos`).
 */
const packages = z.strictObject({
  rhel: familyPackages({ mesos: 'mesos', marathon: 'marathon', zookeeper: 'mesosphere-zookeeper', docker: 'docker' }).prefault({}),
  debian: familyPackages({ mesos: 'mesos', marathon: 'marathon', zookeeper: 'zookeeperd', docker: 'docker.io' }).prefault({}),
});

const jenkins = z.strictObject({
  agentCpus: z.number().positive().default(0.2),
  agentMemMb: z.number().int().positive().default(512),
  label: z.string().default('mesos'),
  /** The Mesos cloud's idleTerminationMinutes: `/ci smoke` expects its agents gone this long after their last build. */
  idleTerminationMinutes: z.number().positive().default(3),
  /** `/ci smoke`: defaults of `--jobs` and `--seconds`, how often it polls, how long it waits for agents and recycling. */
  smoke: z.strictObject({
    jobs: z.number().int().min(1).max(50).default(5),
    seconds: z.number().int().min(1).max(3600).default(100),
    pollMs: ms(2000),
    /** Longest wait for all builds to finish, counted from the trigger (agents launching included). */
    buildsTimeoutMs: ms(15 * 60_000),
    /** Slack on top of the idle timeout before an agent that is still there counts as not recycled. */
    recycleGraceMs: ms(60_000),
  }).prefault({}),
  /** `/ci drill failover`: how often it polls Marathon and Jenkins, and how long it waits for Jenkins to come back. */
  drill: z.strictObject({ pollMs: ms(2000), recoveryTimeoutMs: ms(10 * 60_000) }).prefault({}),
  /** The Mesos plugin cloud `/ci jenkins cloud` renders and applies (jenkins-cloud.ts). */
  cloud: jenkinsCloudSchema.prefault({}),
});

/**
 * `/ci deploy jenkins`: the Marathon app comes from `template` (a Marathon app JSON, path relative to the working
 * directory) with these values put over it; the app id is `cluster.marathon.jenkinsAppId`. Unset values keep the
 * template's. Checked again at deploy time (src/features/jenkins/deploy-template.ts).
 */
const deployJenkins = z.strictObject({
  template: z.string().min(1).default('config/marathon-jenkins.json'),
  image: z.string().min(1).optional(),
  cpus: z.number().positive().optional(),
  memMb: z.number().int().positive().optional(),
  /** JENKINS_HOME on the agent (the volume's hostPath). */
  homeHostPath: z.string().regex(/^\/[^\0]*$/, 'must be an absolute path').optional(),
  /** Pins Jenkins to one agent (`["hostname","CLUSTER",pinHost]`): the only way a host-path JENKINS_HOME survives a restart. */
  pinHost: z.string().min(1).optional(),
  /** The health check's grace period: Jenkins at 256 MB takes minutes to answer /login. */
  gracePeriodSeconds: z.number().int().min(0).optional(),
  /** How long the progress message follows the deployment before it gives up and says what it saw. */
  followTimeoutMs: ms(15 * 60_000),
  pollMs: ms(2000),
  /** Task failures of the new version after which the deploy stops following and reports the last one. */
  maxTaskFailures: z.number().int().min(1).default(3),
});

const tasks = z.strictObject({
  /** Jobs one worker process runs at once, per queue. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** BullMQ job lock: a crashed worker's task is resumed by another after about lock + stalled interval. */
  lockDurationMs: ms(30_000),
  stalledIntervalMs: ms(30_000),
  /**
   * Worker deaths (crash, SIGKILL, lost host) one task survives: after more, it is failed with a message saying so
   * rather than run again, in case the task itself is what kills its worker. A SIGTERM releases tasks and does not count.
   */
  maxStalledCount: z.number().int().min(0).max(100).default(2),
  /** On SIGTERM, running tasks get this long to finish before they are released back to the queue. */
  shutdownGraceMs: ms(10_000),
  /** Outbox channel lease: a crashed drainer's channel is taken over after it. */
  outboxLockMs: ms(30_000),
  /**
   * A progress message's step changes are published at most this often (the plan and the outcome at once): Slack
   * allows `chat.update` about once a second.
   */
  progressIntervalMs: ms(1000),
  /** Duration of each step of `/ci selftest`. */
  selftestStepMs: ms(1000),
});

/**
 * Watchers (`ci-bot watch`, SPEC §7): one active replica at a time under a Redis lease; Marathon's event stream with
 * a resync on every reconnect and every `resyncEveryMs`; `/master/slaves` polled every `agentsPollMs`.
 */
const watch = z.strictObject({
  leaseTtlMs: ms(15_000),
  resyncEveryMs: ms(300_000),
  agentsPollMs: ms(10_000),
  /** Silence on the event stream (no event, no heartbeat) longer than this is a dead stream (Marathon beats every 10 s). */
  streamIdleMs: ms(30_000),
});

/** Where alerts go: the first route matching an alert's kind and severity, else `slack.channels.alerts`, else the default. */
const alertRoute = z.strictObject({
  kind: z.enum(['jenkins', 'agent', 'tasks']).optional(),
  severity: z.enum(['critical', 'warning', 'info']).optional(),
  channel: z.string().min(1),
});
const alerts = z.strictObject({
  routes: z.array(alertRoute).default([]),
  /** Task failures of other apps within this window are one message, updated in place (a storm is a handful). */
  groupWindowMs: ms(10_000),
  /** A Jenkins failure this soon after an incident opened joins it ("down 3 times"), instead of a new message. */
  flapWindowMs: ms(10 * 60_000),
  /** An incident still open this long gets a reminder in its thread, and again every period. */
  repeatIntervalMs: ms(30 * 60_000),
  /** Time zone of the times in alert messages. */
  timeZone: z.string().default('UTC'),
});

const digests = z.strictObject({
  defaultCron: z.string().default('0 9 * * 1-5'),
  defaultTz: z.string().default('UTC'),
  topAgents: z.number().int().min(1).max(40).default(10),
});

const redisNodes = z.array(hostPort).min(1, 'needs at least one host:port');
/**
 * Redis: one server (`url`), a primary found through Sentinel (`sentinel`), or a Redis Cluster (`cluster`); at most
 * one of the last two. Passwords only from the environment (REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD). In a cluster
 * every key must share one slot (BullMQ's scripts and the outbox's touch several keys at once), so the prefix is
 * hash-tagged: `ci-bot` becomes `{ci-bot}`.
 */
const redis = z
  .strictObject({
    url: url.default('redis://127.0.0.1:6379'),
    sentinel: z
      .strictObject({
        nodes: redisNodes,
        masterName: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be the name the sentinels monitor (letters, digits, . _ -)'),
        db: z.number().int().min(0).max(15).default(0),
      })
      .optional(),
    cluster: z.strictObject({ nodes: redisNodes }).optional(),
    prefix: z.string().regex(/^(\{[a-z0-9:_-]+\}|[a-z0-9:_-]+)$/i, 'must be letters, digits, : _ - (optionally in one {hash tag})').default('ci-bot'),
    auditMaxLen: z.number().int().min(100).default(10_000),
  })
  .superRefine((r, ctx) => {
    if (r.sentinel && r.cluster) ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'set either redis.sentinel or redis.cluster, not both' });
  })
  .transform((r) => (r.cluster && !r.prefix.startsWith('{') ? { ...r, prefix: `{${r.prefix}}` } : r));

export const configSchema = z.strictObject({
  slack: slack.prefault({}),
  http: z.strictObject({ port: z.number().int().min(0).max(65535).default(3000) }).prefault({}),
  redis: redis.prefault({}),
  roles: roles.prefault({}),
  cluster: cluster.prefault({}),
  inventory: z
    .strictObject({
      /** Default of each host's `advertise`: `address` (as the seed writes it) or `name`. */
      advertise: z.enum(['address', 'name']).default('address'),
      hosts: z.array(host).default([]),
    })
    .prefault({}),
  ssh: ssh.prefault({}),
  packages: packages.prefault({}),
  jenkins: jenkins.prefault({}),
  deploy: z.strictObject({ jenkins: deployJenkins.prefault({}) }).prefault({}),
  tasks: tasks.prefault({}),
  digests: digests.prefault({}),
  watch: watch.prefault({}),
  alerts: alerts.prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Secrets come only from the environment and never appear in the YAML. */
export const secretsSchema = z.object({
  slackBotToken: z.string().regex(/^xoxb-/, 'SLACK_BOT_TOKEN must start with xoxb-').optional(),
  slackSigningSecret: z.string().min(8, 'SLACK_SIGNING_SECRET is too short').optional(),
  slackAppToken: z.string().regex(/^xapp-/, 'SLACK_APP_TOKEN must start with xapp-').optional(),
  jenkinsApiToken: z.string().optional(),
  marathonPassword: z.string().optional(),
  marathonUser: z.string().optional(),
  sshPrivateKeyPath: z.string().optional(),
  /** Passphrase of the key at sshPrivateKeyPath, if it has one. */
  sshKeyPassphrase: z.string().optional(),
  sshAuthSock: z.string().optional(),
  /**
   * REDIS_PASSWORD, else the password inside REDIS_URL: used for Sentinel-managed and Cluster nodes (a single URL
   * carries its own), and redacted wherever it could appear.
   */
  redisPassword: z.string().optional(),
  /** REDIS_SENTINEL_PASSWORD: the sentinels' own `requirepass`, if they have one. */
  redisSentinelPassword: z.string().optional(),
});

export type Config = z.infer<typeof configSchema>;
export type Secrets = z.infer<typeof secretsSchema>;
export type InventoryHost = Config['inventory']['hosts'][number];
